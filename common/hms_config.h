/*  hms_config: table-driven configuration.

    A program describes its options once, in a table of hms_option_t: name,
    type, where the value lives in the program's config struct, default,
    bounds and help text. From that table this module fills the defaults,
    reads an optional ZPL config file (`name = value` at top level), parses
    the command line with getopt_long and prints --help. Precedence: default,
    then config file, then command line.
*/
#ifndef HMS_CONFIG_H_INCLUDED
#define HMS_CONFIG_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    HMS_OPT_STRING,  //  char *, owned by the config struct
    HMS_OPT_INT,     //  int, within [min, max]
    HMS_OPT_DOUBLE,  //  double, within [min, max]
    HMS_OPT_BOOL,    //  bool: true/false, yes/no, on/off, 1/0
    HMS_OPT_LOGLEVEL //  int: error, warning, notice, info, debug
} hms_option_type_t;

typedef struct {
    const char *name;       //  --name on the command line, `name = value` in files
    int short_name;         //  one-letter flag, or 0
    hms_option_type_t type; //  type of the field at offset
    size_t offset;          //  offsetof (config struct, field)
    const char *fallback;   //  default value as text; NULL means empty / 0
    double min, max;        //  bounds of numeric options
    const char *metavar;    //  placeholder shown by --help
    const char *help;       //  one line for --help
} hms_option_t;

//  Describes a program for --help and --version.
typedef struct {
    const char *name;    //  e.g. "hms-manager"
    const char *summary; //  one line: what the program does
    const char *usage;   //  e.g. "[OPTION]..."; NULL for "[OPTION]..."
    const char *epilog;  //  text after the options, or NULL
} hms_program_t;

//  Sets every field of config to its default. Returns 0, or -1 when a default
//  in the table is invalid (a programming error, reported on stderr).
int hms_config_defaults(const hms_option_t *table, void *config);

//  Sets one option from its text value. Returns 0; on an unknown name, a value
//  of the wrong form or out of bounds returns -1 with a message in error.
int hms_config_set(const hms_option_t *table, void *config, const char *name, const char *value,
                   char *error, size_t error_size);

//  Reads a ZPL file of `name = value` lines. Returns 0, or -1 with a message
//  in error (unreadable file, syntax, unknown key, bad value).
int hms_config_load(const hms_option_t *table, void *config, const char *path, char *error,
                    size_t error_size);

//  Fills config from defaults, --config FILE and the command line. Adds
//  --config/-c, --help/-h and --version/-V. Returns 0 to run, 1 when --help
//  or --version was printed (exit 0), -1 after printing an error (exit 2).
//  positional, when not NULL, receives the index of the first non-option.
int hms_config_parse(const hms_option_t *table, void *config, const hms_program_t *program,
                     int argc, char **argv, int *positional);

//  Prints --help text for the table.
void hms_config_usage(const hms_option_t *table, const hms_program_t *program, FILE *out);

//  Frees the strings owned by config (safe to call more than once).
void hms_config_free(const hms_option_t *table, void *config);

#endif
