/*  test_bounds: every setting's bounds agree wherever a value enters HMS:
    the command line and the config file (one option table per program),
    the codec (which the wire checks), the REST API, and hmsctl.

    The codec's field tables are the declaration (hms_msg_bounds); every
    other reader must accept the bound itself and refuse the next value.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"
#include "hms_antagonist.h"
#include "hms_api.h"
#include "hms_config.h"
#include "hms_controller.h"
#include "hms_json.h"
#include "hms_manager.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define HMSCTL HMS_BINARY_DIR "/controller/hmsctl"

//  A program option that sets a field of a request.
typedef struct {
    const hms_option_t *table;
    const char *option; //  --option, and `option = value` in a config file
    hms_msg_type_t type;
    const char *key; //  on the wire (set_config's settings, conf_antagonist)
} setting_t;

static const setting_t s_settings[] = {
    {hms_manager_options, "threshold", HMS_MSG_SET_CONFIG, "threshold"},
    {hms_manager_options, "probe-count", HMS_MSG_SET_CONFIG, "probe_count"},
    {hms_manager_options, "probe-interval", HMS_MSG_SET_CONFIG, "probe_interval_ms"},
    {hms_manager_options, "probe-timeout", HMS_MSG_SET_CONFIG, "probe_timeout_ms"},
    {hms_manager_options, "probe-period", HMS_MSG_SET_CONFIG, "probe_period_ms"},
    {hms_manager_options, "heartbeat", HMS_MSG_SET_CONFIG, "heartbeat_ms"},
    {hms_manager_options, "grace", HMS_MSG_SET_CONFIG, "grace_ms"},
    {hms_manager_options, "backoff-max", HMS_MSG_SET_CONFIG, "backoff_max_ms"},
    {hms_antagonist_options, "loss", HMS_MSG_CONF_ANTAGONIST, "loss"},
    {hms_antagonist_options, "balance", HMS_MSG_CONF_ANTAGONIST, "balance"},
    {hms_antagonist_options, "heavy", HMS_MSG_CONF_ANTAGONIST, "heavy"},
    {hms_antagonist_options, "frequency", HMS_MSG_CONF_ANTAGONIST, "frequency"},
    {hms_antagonist_options, "duration", HMS_MSG_CONF_ANTAGONIST, "duration"},
    {hms_antagonist_options, "sigma", HMS_MSG_CONF_ANTAGONIST, "sigma"},
};
#define SETTINGS (sizeof s_settings / sizeof s_settings[0])

static const hms_option_t *s_option(const hms_option_t *table, const char *name)
{
    for (const hms_option_t *option = table; option->name; option++)
        if (strcmp(option->name, name) == 0)
            return option;
    fail_msg("no option --%s", name);
    return NULL;
}

//  A value as text, exact for integers; step: the next value out of bounds.
static void s_text(double value, bool integer, char *text, size_t size)
{
    if (integer)
        snprintf(text, size, "%.0f", value);
    else
        snprintf(text, size, "%.17g", value);
}

static double s_beyond(double max, bool integer)
{
    return integer ? max + 1 : nextafter(max, INFINITY) + max * 1e-9;
}

static double s_below(double min, bool integer)
{
    return integer ? min - 1 : min - (min > 0 ? min * 1e-6 : 1e-6);
}

//  The program options: the same bounds as the codec, on the command line
//  and in a config file.
static void test_options_and_config_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < SETTINGS; i++) {
        const setting_t *setting = &s_settings[i];
        const hms_option_t *option = s_option(setting->table, setting->option);
        double min, max;
        assert_int_equal(hms_msg_bounds(setting->type, setting->key, &min, &max), 0);
        if (option->min != min || option->max != max)
            fail_msg("--%s is [%g, %g], the codec's %s [%g, %g]", setting->option, option->min,
                     option->max, setting->key, min, max);
        //  The threshold of container_threshold (POST /containers) too.
        double command_min, command_max;
        if (strcmp(setting->key, "threshold") == 0) {
            assert_int_equal(hms_msg_bounds(HMS_MSG_CONTAINER_THRESHOLD, "threshold", &command_min,
                                            &command_max),
                             0);
            assert_true(command_min == min && command_max == max);
        }
        //  The manager's config struct is the largest; the antagonist's fits.
        union {
            hms_manager_config_t manager;
            hms_antagonist_config_t antagonist;
        } config;
        bool integer = option->type == HMS_OPT_INT;
        char text[64], error[256];
        double values[] = {min, max, s_below(min, integer), s_beyond(max, integer)};
        for (int v = 0; v < 4; v++) {
            s_text(values[v], integer, text, sizeof text);
            memset(&config, 0, sizeof config);
            int rc =
                hms_config_set(setting->table, &config, setting->option, text, error, sizeof error);
            if ((rc == 0) != (v < 2))
                fail_msg("--%s %s: %s", setting->option, text, rc ? error : "accepted");
            //  A config file goes through the same table.
            char path[] = "/tmp/hms-bounds-XXXXXX";
            int fd = mkstemp(path);
            assert_true(fd >= 0);
            dprintf(fd, "%s = %s\n", setting->option, text);
            close(fd);
            memset(&config, 0, sizeof config);
            rc = hms_config_load(setting->table, &config, path, error, sizeof error);
            unlink(path);
            if ((rc == 0) != (v < 2))
                fail_msg("%s = %s in a file: %s", setting->option, text, rc ? error : "accepted");
            hms_config_free(setting->table, &config);
        }
    }
}

//  The REST API's JSON for the antagonist: the codec's bounds.
static void test_rest_json(void **state)
{
    (void)state;
    const char *keys[] = {"loss", "balance", "heavy", "frequency", "duration", "sigma"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        double min, max;
        assert_int_equal(hms_msg_bounds(HMS_MSG_CONF_ANTAGONIST, keys[k], &min, &max), 0);
        double values[] = {min, max, s_below(min, false), s_beyond(max, false)};
        for (int v = 0; v < 4; v++) {
            json_t *conf = json_pack("{s:f, s:f, s:f, s:f, s:f}", "loss", 80.0, "balance", 70.0,
                                     "heavy", 25.0, "frequency", 1.0, "duration", 5.0);
            json_object_set_new(conf, keys[k], json_real(values[v]));
            hms_antagonist_conf_t parsed;
            char error[256];
            int rc = hms_json_parse_antagonist_conf(conf, &parsed, error, sizeof error);
            json_decref(conf);
            if ((rc == 0) != (v < 2))
                fail_msg("%s %.17g: %s", keys[k], values[v], rc ? error : "accepted");
        }
    }
    //  The seed: an integer up to 2^53-1, exact in JSON.
    double min, max;
    assert_int_equal(hms_msg_bounds(HMS_MSG_CONF_ANTAGONIST, "seed", &min, &max), 0);
    assert_true(max == (double)HMS_SEED_MAX);
    json_int_t seeds[] = {(json_int_t)HMS_SEED_MAX, (json_int_t)HMS_SEED_MAX + 1};
    for (int v = 0; v < 2; v++) {
        json_t *conf =
            json_pack("{s:f, s:f, s:f, s:f, s:f, s:I}", "loss", 80.0, "balance", 70.0, "heavy",
                      25.0, "frequency", 1.0, "duration", 5.0, "seed", seeds[v]);
        hms_antagonist_conf_t parsed;
        char error[256];
        int rc = hms_json_parse_antagonist_conf(conf, &parsed, error, sizeof error);
        json_decref(conf);
        assert_int_equal(rc == 0, v == 0);
    }
}

//  The controller's own settings: its options and PUT /config (and its
//  state file, which hms_api_settings_parse reads too) agree.
static void test_controller_settings(void **state)
{
    (void)state;
    const char *pairs[][2] = {{"aggregation", "aggregation_ms"},
                              {"miss-count", "miss_count"},
                              {"request-timeout", "request_timeout_ms"}};
    for (size_t p = 0; p < 3; p++) {
        const hms_option_t *option = s_option(hms_controller_options, pairs[p][0]);
        double values[] = {option->min, option->max, option->min - 1, option->max + 1};
        for (int v = 0; v < 4; v++) {
            json_t *body = json_pack("{s:I}", pairs[p][1], (json_int_t)values[v]);
            hms_api_settings_t settings;
            char error[256];
            int rc = hms_api_settings_parse(body, &settings, error, sizeof error);
            json_decref(body);
            if ((rc == 0) != (v < 2))
                fail_msg("%s %.0f: %s", pairs[p][1], values[v], rc ? error : "accepted");
        }
    }
}

//  hmsctl: the bound is sent (no peer: no answer, status 3), the next value
//  is a usage error (status 2) and nothing is sent.
static int s_hmsctl(const char *command, const char *assignment)
{
    char line[512];
    snprintf(line, sizeof line, "%s -e tcp://127.0.0.1:%d -t 100 %s '%s' >/dev/null 2>&1", HMSCTL,
             harness_dead_port(1), command, assignment);
    int status = system(line);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_hmsctl(void **state)
{
    (void)state;
    for (size_t i = 0; i < SETTINGS; i++) {
        const setting_t *setting = &s_settings[i];
        double min, max;
        assert_int_equal(hms_msg_bounds(setting->type, setting->key, &min, &max), 0);
        bool integer = s_option(setting->table, setting->option)->type == HMS_OPT_INT;
        bool conf = setting->type == HMS_MSG_CONF_ANTAGONIST;
        double values[] = {max, s_beyond(max, integer)};
        for (int v = 0; v < 2; v++) {
            char value[64], assignment[256] = "";
            s_text(values[v], integer, value, sizeof value);
            //  conf_antagonist needs its required keys: the others at a valid value.
            const char *required[] = {"loss=80", "balance=70", "heavy=25", "frequency=1",
                                      "duration=5"};
            for (int r = 0; conf && r < 5; r++)
                if (strncmp(required[r], setting->key, strlen(setting->key)) != 0 ||
                    required[r][strlen(setting->key)] != '=') {
                    strcat(assignment, required[r]);
                    strcat(assignment, "' '");
                }
            snprintf(assignment + strlen(assignment), sizeof assignment - strlen(assignment),
                     "%s=%s", setting->key, value);
            int status = s_hmsctl(conf ? "antagonist conf" : "config", assignment);
            if (status != (v == 0 ? 3 : 2))
                fail_msg("hmsctl %s=%s: status %d", setting->key, value, status);
        }
    }
    //  The seed, which hmsctl once took up to 2^64-1.
    char assignment[160];
    snprintf(assignment, sizeof assignment,
             "loss=80' 'balance=70' 'heavy=25' 'frequency=1' 'duration=5' 'seed=%llu",
             (unsigned long long)HMS_SEED_MAX);
    assert_int_equal(s_hmsctl("antagonist conf", assignment), 3);
    snprintf(assignment, sizeof assignment,
             "loss=80' 'balance=70' 'heavy=25' 'frequency=1' 'duration=5' 'seed=%llu",
             (unsigned long long)HMS_SEED_MAX + 1);
    assert_int_equal(s_hmsctl("antagonist conf", assignment), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_and_config_files),
        cmocka_unit_test(test_rest_json),
        cmocka_unit_test(test_controller_settings),
        cmocka_unit_test(test_hmsctl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
