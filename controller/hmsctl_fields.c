/*  hmsctl: key=value fields, safe text, and requests built from arguments. */

#include "hmsctl.h"
#include "hms_json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  Text from a peer, safe to print: every byte outside printable ASCII
//  (terminal controls, escape sequences) becomes '?'. Returns one of a few
//  rotating static buffers: valid for the next few calls.
const char *hmsctl_safe(const char *text)
{
    static char buffers[8][HMS_IMAGE_MAX + 64];
    static int next = 0;
    char *out = buffers[next++ % 8];
    size_t i = 0;
    for (; text[i] && i < sizeof buffers[0] - 1; i++)
        out[i] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
    out[i] = '\0';
    return out;
}

//  Key=value fields: the settings map (§6.4) and conf_antagonist (§6.3).

//  In the order of hms_settings_t: bit i of present is hmsctl_settings[i].
const field_t hmsctl_settings[HMS_SETTING_COUNT] = {
    SET_CONFIG("threshold", KIND_NUMBER, threshold),
    SET_CONFIG("probe_count", KIND_UINT, probe_count),
    SET_CONFIG("probe_interval_ms", KIND_UINT, probe_interval_ms),
    SET_CONFIG("probe_timeout_ms", KIND_UINT, probe_timeout_ms),
    SET_CONFIG("probe_period_ms", KIND_UINT, probe_period_ms),
    SET_CONFIG("heartbeat_ms", KIND_UINT, heartbeat_ms),
    SET_CONFIG("grace_ms", KIND_UINT, grace_ms),
    SET_CONFIG("backoff_max_ms", KIND_UINT, backoff_max_ms),
};

const field_t hmsctl_antagonist_fields[HMSCTL_ANTAGONIST_FIELDS] = {
    CONF("loss", KIND_NUMBER, loss, true),         CONF("balance", KIND_NUMBER, balance, true),
    CONF("heavy", KIND_NUMBER, heavy, true),       CONF("frequency", KIND_NUMBER, frequency, true),
    CONF("duration", KIND_NUMBER, duration, true), CONF("sigma", KIND_NUMBER, sigma, false),
    CONF("seed", KIND_UINT, seed, false),          CONF("mode", KIND_MODE, mode, false),
    CONF("name", KIND_TEXT, name, false),
};

//  Parses text into field's place in target. Returns 0, or -1 after saying why.
int hmsctl_parse_value(const field_t *field, const char *text, void *target)
{
    void *value = (char *)target + field->offset;
    char *end;
    errno = 0;
    double min = 0, max = 0;
    hms_msg_bounds(field->owner, field->key, &min, &max);
    switch (field->kind) {
    case KIND_NUMBER: {
        double number = strtod(text, &end);
        if (errno || end == text || *end || !isfinite(number)) {
            fprintf(stderr, "hmsctl: %s: '%s' is not a number\n", field->key, text);
            return -1;
        }
        if (number < min || number > max) {
            fprintf(stderr, "hmsctl: %s: %s is out of range [%g, %g]\n", field->key, text, min,
                    max);
            return -1;
        }
        *(double *)value = number;
        return 0;
    }
    case KIND_UINT: {
        //  strtoull takes a sign and spaces: only digits are a uint here.
        unsigned long long number = strtoull(text, &end, 10);
        if (text[0] < '0' || text[0] > '9' || *end) {
            fprintf(stderr, "hmsctl: %s: '%s' is not a whole number\n", field->key, text);
            return -1;
        }
        if (errno == ERANGE) {
            fprintf(stderr, "hmsctl: %s: %s is too large\n", field->key, text);
            return -1;
        }
        if (number < min || (double)number > max) {
            fprintf(stderr, "hmsctl: %s: %s is out of range [%.0f, %.0f]\n", field->key, text, min,
                    max);
            return -1;
        }
        *(uint64_t *)value = number;
        return 0;
    }
    case KIND_TEXT: //  the name of a test: HMS_TEXT_MAX, as the codec
        if (strlen(text) > HMS_TEXT_MAX) {
            fprintf(stderr, "hmsctl: %s: longer than %d bytes\n", field->key, HMS_TEXT_MAX);
            return -1;
        }
        snprintf(value, HMS_TEXT_MAX + 1, "%s", text);
        return 0;
    case KIND_MODE:
        if (strcmp(text, "stop") != 0 && strcmp(text, "kill") != 0) {
            fprintf(stderr, "hmsctl: %s: '%s' is not stop or kill\n", field->key, text);
            return -1;
        }
        *(hms_shutdown_mode_t *)value = text[0] == 's' ? HMS_MODE_STOP : HMS_MODE_KILL;
        return 0;
    }
    return -1;
}

//  Parses KEY=VALUE arguments into target; bit i of *given says that
//  fields[i] was. Returns 0, or -1 after saying why.
int hmsctl_parse_assignments(const field_t *fields, size_t count, void *target, int argc,
                             char **argv, uint32_t *given)
{
    *given = 0;
    for (int arg = 0; arg < argc; arg++) {
        const char *equals = strchr(argv[arg], '=');
        size_t length = equals ? (size_t)(equals - argv[arg]) : 0;
        size_t i = 0;
        while (i < count &&
               (strlen(fields[i].key) != length || strncmp(fields[i].key, argv[arg], length) != 0))
            i++;
        if (!equals || i == count) {
            fprintf(stderr, "hmsctl: '%s' is not KEY=VALUE with one of the keys:", argv[arg]);
            for (i = 0; i < count; i++)
                fprintf(stderr, " %s", fields[i].key);
            fprintf(stderr, "\n");
            return -1;
        }
        if (*given & (1u << i)) {
            fprintf(stderr, "hmsctl: %s is given twice\n", fields[i].key);
            return -1;
        }
        if (hmsctl_parse_value(&fields[i], equals + 1, target) != 0)
            return -1;
        *given |= 1u << i;
    }
    return 0;
}

//  True when field holds a value in target, not the zero value of an
//  absent optional key (§4.4).
bool hmsctl_has_value(const field_t *field, const void *target)
{
    const void *value = (const char *)target + field->offset;
    switch (field->kind) {
    case KIND_NUMBER: return !isnan(*(const double *)value);
    case KIND_UINT: return *(const uint64_t *)value != 0;
    case KIND_TEXT: return *(const char *)value != '\0';
    case KIND_MODE: return *(const hms_shutdown_mode_t *)value != HMS_MODE_NONE;
    }
    return false;
}

//  Prints the fields of target whose bit is set in present, `key = value`.
void hmsctl_print_fields(const field_t *fields, size_t count, const void *target, uint32_t present)
{
    for (size_t i = 0; i < count; i++) {
        if (!(present & (1u << i)))
            continue;
        const void *value = (const char *)target + fields[i].offset;
        printf("%s = ", fields[i].key);
        switch (fields[i].kind) {
        case KIND_NUMBER: printf("%g\n", *(const double *)value); break;
        case KIND_UINT: printf("%" PRIu64 "\n", *(const uint64_t *)value); break;
        case KIND_TEXT: printf("%s\n", hmsctl_safe(value)); break;
        case KIND_MODE: printf("%s\n", hms_mode_name(*(const hms_shutdown_mode_t *)value)); break;
        }
    }
}

//  Requests built from arguments.

int hmsctl_build_threshold(hms_msg_t *request, int argc, char **argv)
{
    (void)argc;
    hms_settings_t settings;
    if (hmsctl_parse_value(&hmsctl_settings[HMS_SETTING_THRESHOLD], argv[0], &settings) != 0)
        return -1;
    request->threshold = settings.threshold;
    return 0;
}

//  A container reference into out (HMS_REF_MAX + 1 bytes). Returns 0, or -1
//  after saying why.
static int s_container_ref(const char *text, char *out)
{
    size_t length = strlen(text);
    if (length == 0 || length > HMS_REF_MAX) {
        fprintf(stderr,
                "hmsctl: a container is 1 to %d characters: a name, an id or an id "
                "prefix\n",
                HMS_REF_MAX);
        return -1;
    }
    memcpy(out, text, length + 1);
    return 0;
}

int hmsctl_build_container(hms_msg_t *request, int argc, char **argv)
{
    (void)argc;
    return s_container_ref(argv[0], request->container.container);
}

//  metrics CONTAINER [SECONDS]: the last SECONDS by this host's clock.
int hmsctl_build_metrics(hms_msg_t *request, int argc, char **argv)
{
    if (s_container_ref(argv[0], request->query.container) != 0)
        return -1;
    long seconds = 60;
    char *end = NULL;
    if (argc > 1) {
        errno = 0;
        seconds = strtol(argv[1], &end, 10);
        if (errno || *end || end == argv[1] || seconds < 1 || seconds > HMS_METRICS_ROWS_MAX) {
            fprintf(stderr, "hmsctl: SECONDS is a whole number in [1, %d], not '%s'\n",
                    HMS_METRICS_ROWS_MAX, argv[1]);
            return -1;
        }
    }
    uint64_t now = (uint64_t)zclock_time();
    request->query.from_ms = now - (uint64_t)(seconds - 1) * 1000 - now % 1000;
    return 0;
}

//  config alone gets the settings; config KEY=VALUE... sets them.
int hmsctl_build_config(hms_msg_t *request, int argc, char **argv)
{
    if (argc == 0)
        return 0;
    hms_msg_init(request, HMS_MSG_SET_CONFIG);
    return hmsctl_parse_assignments(hmsctl_settings, HMS_SETTING_COUNT, &request->settings, argc,
                                    argv, &request->settings.present);
}

//  rules FILE: set_rules with the rules of FILE (a rules file, checked
//  here first); without FILE, get_rules.
int hmsctl_build_rules(hms_msg_t *request, int argc, char **argv)
{
    static hms_rule_wire_t wire[HMS_RULES_MAX]; //  sent after this returns
    if (argc == 0)
        return 0;
    hms_rule_t rules[HMS_RULES_MAX];
    char why[600];
    int count = hms_rules_load(argv[0], rules, why, sizeof why);
    if (count < 0) {
        fprintf(stderr, "hmsctl: %s\n", why);
        return -1;
    }
    hms_rules_to_wire(rules, (size_t)count, wire);
    hms_msg_init(request, HMS_MSG_SET_RULES);
    request->rules = (hms_rules_msg_t){wire, (size_t)count};
    return 0;
}

int hmsctl_build_antagonist_conf(hms_msg_t *request, int argc, char **argv)
{
    hms_antagonist_conf_t *config = &request->antagonist;
    uint32_t given;
    if (hmsctl_parse_assignments(hmsctl_antagonist_fields, HMSCTL_ANTAGONIST_FIELDS, config, argc,
                                 argv, &given))
        return -1;
    int missing = 0;
    for (size_t i = 0; i < HMSCTL_ANTAGONIST_FIELDS; i++)
        if (hmsctl_antagonist_fields[i].required && !(given & (1u << i)))
            fprintf(stderr, "%s %s=VALUE", missing++ ? "," : "hmsctl: antagonist conf needs",
                    hmsctl_antagonist_fields[i].key);
    if (missing)
        fprintf(stderr, "\n");
    return missing ? -1 : 0;
}
