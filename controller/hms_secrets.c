/*  hms_secrets: the REST API's token and TLS pair. */

#include "hms_secrets.h"
#include "hms_file.h"
#include "hms_log.h"

#include <czmq.h>
#include <errno.h>
#include <string.h>

//  Reads a secret (hms_file_read_secret) of at most max bytes from path.
//  Returns it (caller frees), or NULL (logged).
static char *s_secret(const char *path, const char *what, size_t max)
{
    char *text, why[512];
    size_t size;
    int read = hms_file_read_secret(path, max, &text, &size, why, sizeof why);
    if (read != 0) {
        if (read > 0)
            hms_error("%s: %s: %s", what, path, strerror(ENOENT));
        else
            hms_error("%s: %s", what, why);
        return NULL;
    }
    return text;
}

//  The bearer token: --token-file, or the systemd credential "token".
//  Returns 0 (*token NULL when there is none), or -1 (logged).
static int s_token(const char *token_file, char **token)
{
    *token = NULL;
    char path[4096];
    const char *credentials = getenv("CREDENTIALS_DIRECTORY");
    if (*token_file)
        snprintf(path, sizeof path, "%s", token_file);
    else if (credentials && *credentials)
        snprintf(path, sizeof path, "%s/token", credentials);
    else
        return 0;
    if (!*token_file && !zsys_file_exists(path))
        return 0;
    char *text = s_secret(path, "token-file", 4096);
    if (!text)
        return -1;
    //  One line; what follows it (a newline) is not the token.
    text[strcspn(text, "\r\n")] = '\0';
    size_t length = strlen(text);
    bool printable = true;
    for (size_t i = 0; i < length; i++)
        printable &= text[i] > 0x20 && text[i] < 0x7f;
    if (length < HMS_TOKEN_MIN || !printable) {
        hms_error("token-file: %s: the token must be at least %d printable characters without "
                  "spaces (e.g. head -c 32 /dev/urandom | base64)",
                  path, HMS_TOKEN_MIN);
        free(text);
        return -1;
    }
    *token = text;
    return 0;
}

int hms_secrets_load(hms_secrets_t *self, const char *token_file, const char *tls_cert,
                     const char *tls_key)
{
    memset(self, 0, sizeof *self);
    if (s_token(token_file, &self->token) != 0)
        return -1;
    if (!*tls_cert && !*tls_key)
        return 0;
    size_t size;
    char why[512];
    //  The certificate is public; the key is a secret.
    if (*tls_cert && hms_file_read(tls_cert, 1 << 20, &self->cert, &size, why, sizeof why) != 0)
        hms_error("tls-cert: %s", why);
    self->key = *tls_key ? s_secret(tls_key, "tls-key", 1 << 20) : NULL;
    if (self->cert && self->key)
        return 0;
    if (!*tls_cert || !*tls_key)
        hms_error("--tls-cert and --tls-key go together");
    hms_secrets_wipe(self);
    return -1;
}

void hms_secrets_wipe(hms_secrets_t *self)
{
    char **secrets[] = {&self->token, &self->key};
    for (int i = 0; i < 2; i++)
        if (*secrets[i]) {
            explicit_bzero(*secrets[i], strlen(*secrets[i]));
            free(*secrets[i]);
            *secrets[i] = NULL;
        }
    free(self->cert);
    self->cert = NULL;
}
