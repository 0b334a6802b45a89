/*  hms_secrets: what the REST API keeps secret: its bearer token and the
    private key of its TLS pair (with the certificate, which is public).

    Secrets are read through hms_file_read_secret (the file actually read
    must belong to root or to us, and be closed to others) and wiped from
    memory once handed to the HTTP server.
*/
#ifndef HMS_SECRETS_H_INCLUDED
#define HMS_SECRETS_H_INCLUDED

typedef struct {
    char *token; //  NULL: none
    char *cert;  //  PEM; NULL: plain HTTP
    char *key;   //  PEM private key of cert
} hms_secrets_t;

//  The shortest token accepted.
#define HMS_TOKEN_MIN 16

//  Reads the token (token_file, else the systemd credential "token" when
//  there is one) and the TLS pair ("" paths: none). Returns 0, or -1
//  (logged; nothing kept).
int hms_secrets_load(hms_secrets_t *self, const char *token_file, const char *tls_cert,
                     const char *tls_key);

//  Wipes and frees them; safe twice.
void hms_secrets_wipe(hms_secrets_t *self);

#endif
