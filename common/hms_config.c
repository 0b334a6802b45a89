/*  hms_config: table-driven configuration.  */

#include "hms_config.h"
#include "hms_log.h"

#include <czmq.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIELD(config, option, type) ((type *)((char *)(config) + (option)->offset))

static const hms_option_t *s_find(const hms_option_t *table, const char *name)
{
    for (const hms_option_t *option = table; option->name; option++)
        if (strcmp(option->name, name) == 0)
            return option;
    return NULL;
}

static int s_parse_bool(const char *text, bool *value)
{
    static const char *yes[] = {"true", "yes", "on", "1"};
    static const char *no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *value = true;
            return 0;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *value = false;
            return 0;
        }
    }
    return -1;
}

//  Parses and checks a value without storing it, so that a bad value
//  leaves the config as it was.
static int s_set(const hms_option_t *option, void *config, const char *text, char *error,
                 size_t error_size)
{
    switch (option->type) {
    case HMS_OPT_STRING: {
        char *copy = strdup(text);
        if (!copy) {
            snprintf(error, error_size, "%s: out of memory", option->name);
            return -1;
        }
        free(*FIELD(config, option, char *));
        *FIELD(config, option, char *) = copy;
        return 0;
    }
    case HMS_OPT_INT: {
        char *end;
        errno = 0;
        long long value = strtoll(text, &end, 10);
        if (errno || end == text || *end != '\0') {
            snprintf(error, error_size, "%s: '%s' is not an integer", option->name, text);
            return -1;
        }
        if (value < option->min || value > option->max) {
            snprintf(error, error_size, "%s: %lld is out of range [%.0f, %.0f]", option->name,
                     value, option->min, option->max);
            return -1;
        }
        *FIELD(config, option, int) = (int)value;
        return 0;
    }
    case HMS_OPT_DOUBLE: {
        char *end;
        errno = 0;
        double value = strtod(text, &end);
        if (errno || end == text || *end != '\0' || !isfinite(value)) {
            snprintf(error, error_size, "%s: '%s' is not a number", option->name, text);
            return -1;
        }
        if (value < option->min || value > option->max) {
            snprintf(error, error_size, "%s: %g is out of range [%g, %g]", option->name, value,
                     option->min, option->max);
            return -1;
        }
        *FIELD(config, option, double) = value;
        return 0;
    }
    case HMS_OPT_BOOL: {
        bool value;
        if (s_parse_bool(text, &value)) {
            snprintf(error, error_size, "%s: '%s' is not a boolean (true/false)", option->name,
                     text);
            return -1;
        }
        *FIELD(config, option, bool) = value;
        return 0;
    }
    case HMS_OPT_LOGLEVEL: {
        int level = hms_log_level_from_name(text);
        if (level < 0) {
            snprintf(error, error_size,
                     "%s: '%s' is not a level (error, warning, notice, info, debug)", option->name,
                     text);
            return -1;
        }
        *FIELD(config, option, int) = level;
        return 0;
    }
    }
    snprintf(error, error_size, "%s: unknown option type", option->name);
    return -1;
}

int hms_config_defaults(const hms_option_t *table, void *config)
{
    for (const hms_option_t *option = table; option->name; option++) {
        const char *text = option->fallback;
        if (!text)
            text = option->type == HMS_OPT_STRING ? ""
                   : option->type == HMS_OPT_BOOL ? "false"
                                                  : "0";
        char error[256];
        if (s_set(option, config, text, error, sizeof error)) {
            fprintf(stderr, "invalid default: %s\n", error);
            return -1;
        }
    }
    return 0;
}

int hms_config_set(const hms_option_t *table, void *config, const char *name, const char *value,
                   char *error, size_t error_size)
{
    const hms_option_t *option = s_find(table, name);
    if (!option) {
        snprintf(error, error_size, "unknown option '%s'", name);
        return -1;
    }
    return s_set(option, config, value, error, error_size);
}

int hms_config_load(const hms_option_t *table, void *config, const char *path, char *error,
                    size_t error_size)
{
    if (!zsys_file_exists(path)) {
        snprintf(error, error_size, "%s: no such file", path);
        return -1;
    }
    zconfig_t *root = zconfig_load(path);
    if (!root) {
        snprintf(error, error_size, "%s: not a valid ZPL file", path);
        return -1;
    }
    int rc = 0;
    for (zconfig_t *item = zconfig_child(root); item && rc == 0; item = zconfig_next(item)) {
        const char *name = zconfig_name(item);
        const char *value = zconfig_value(item);
        if (zconfig_child(item)) {
            snprintf(error, error_size, "%s: '%s': sections are not supported", path, name);
            rc = -1;
        } else if (hms_config_set(table, config, name, value ? value : "", error, error_size)) {
            //  Prefix the file name to the message.
            char detail[256];
            snprintf(detail, sizeof detail, "%s", error);
            snprintf(error, error_size, "%s: %s", path, detail);
            rc = -1;
        }
    }
    zconfig_destroy(&root);
    return rc;
}

static const char *s_type_hint(const hms_option_t *option)
{
    if (option->metavar)
        return option->metavar;
    switch (option->type) {
    case HMS_OPT_INT: return "N";
    case HMS_OPT_DOUBLE: return "X";
    case HMS_OPT_BOOL: return "[BOOL]";
    case HMS_OPT_LOGLEVEL: return "LEVEL";
    default: return "TEXT";
    }
}

void hms_config_usage(const hms_option_t *table, const hms_program_t *program, FILE *out)
{
    fprintf(out, "Usage: %s %s\n%s\n\nOptions (also `name = value` in a --config file):\n",
            program->name, program->usage ? program->usage : "[OPTION]...", program->summary);
    for (const hms_option_t *option = table; option->name; option++) {
        char flags[80];
        if (option->short_name)
            snprintf(flags, sizeof flags, "-%c, --%s %s", option->short_name, option->name,
                     s_type_hint(option));
        else
            snprintf(flags, sizeof flags, "    --%s %s", option->name, s_type_hint(option));
        fprintf(out, "  %-34s %s", flags, option->help);
        if (option->type == HMS_OPT_INT || option->type == HMS_OPT_DOUBLE)
            fprintf(out, " [%g..%g]", option->min, option->max);
        if (option->fallback && *option->fallback)
            fprintf(out, " (default: %s)", option->fallback);
        fprintf(out, "\n");
    }
    fprintf(out, "  %-34s %s\n", "-c, --config FILE", "read options from a ZPL file first");
    fprintf(out, "  %-34s %s\n", "-h, --help", "print this help and exit");
    fprintf(out, "  %-34s %s\n", "-V, --version", "print the version and exit");
    if (program->epilog)
        fprintf(out, "\n%s\n", program->epilog);
}

int hms_config_parse(const hms_option_t *table, void *config, const hms_program_t *program,
                     int argc, char **argv, int *positional)
{
    size_t count = 0;
    while (table[count].name)
        count++;
    //  Table options get ids from 256 up; short flags map to the same ids.
    struct option *longopts = calloc(count + 4, sizeof *longopts);
    char shortopts[3 * 64 + 16] = "+c:hV";
    if (!longopts)
        return -1;
    for (size_t i = 0; i < count; i++) {
        longopts[i].name = table[i].name;
        //  A boolean may stand alone (--insecure) or take a value (--start true).
        longopts[i].has_arg = table[i].type == HMS_OPT_BOOL ? optional_argument : required_argument;
        longopts[i].val = 256 + (int)i;
        if (table[i].short_name && strlen(shortopts) + 3 < sizeof shortopts) {
            char flag[3] = {(char)table[i].short_name, ':', 0};
            strcat(shortopts, flag);
        }
    }
    longopts[count] = (struct option){"config", required_argument, NULL, 'c'};
    longopts[count + 1] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[count + 2] = (struct option){"version", no_argument, NULL, 'V'};

    int rc = hms_config_defaults(table, config);
    char error[512];
    //  First pass: --help, --version and --config, so that the file comes
    //  before every other command-line option whatever the order.
    opterr = 0;
    optind = 0;
    int c;
    while (rc == 0 && (c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        bool flag;
        if (c >= 256 && table[c - 256].type == HMS_OPT_BOOL && !optarg && optind < argc &&
            s_parse_bool(argv[optind], &flag) == 0)
            optind++; //  its value, read in the second pass
        if (c == 'h') {
            hms_config_usage(table, program, stdout);
            rc = 1;
        } else if (c == 'V') {
            printf("%s %s\n", program->name, HMS_VERSION);
            rc = 1;
        } else if (c == 'c' && hms_config_load(table, config, optarg, error, sizeof error)) {
            fprintf(stderr, "%s: %s\n", program->name, error);
            rc = -1;
        }
    }
    //  Second pass: everything else, reporting unknown options.
    opterr = 1;
    optind = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const hms_option_t *option = NULL;
        if (c >= 256)
            option = &table[c - 256];
        else if (c != 'c') {
            for (size_t i = 0; i < count && !option; i++)
                if (table[i].short_name == c)
                    option = &table[i];
            if (!option) {
                fprintf(stderr, "Try '%s --help'.\n", program->name);
                rc = -1;
                break;
            }
        }
        const char *value = optarg;
        bool flag;
        if (option && option->type == HMS_OPT_BOOL && !value) {
            value = "true";
            if (optind < argc && s_parse_bool(argv[optind], &flag) == 0)
                value = argv[optind++];
        }
        if (option && s_set(option, config, value, error, sizeof error)) {
            fprintf(stderr, "%s: %s\n", program->name, error);
            rc = -1;
        }
    }
    if (positional)
        *positional = optind;
    free(longopts);
    return rc;
}

void hms_config_free(const hms_option_t *table, void *config)
{
    for (const hms_option_t *option = table; option->name; option++)
        if (option->type == HMS_OPT_STRING) {
            free(*FIELD(config, option, char *));
            *FIELD(config, option, char *) = NULL;
        }
}
