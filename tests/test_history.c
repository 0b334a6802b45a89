/*  test_history: the controller's metrics history (hms_history) on real
    SQLite files: the tiers and their merged buckets, series without a
    value, retention, the size cap, files that are not a history, queries
    from another connection, and a writer killed (SIGKILL) in the middle of
    its batches: the file passes PRAGMA integrity_check, keeps every batch
    committed before the kill and takes new ones.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"
#include "hms_controller.h"
#include "hms_events.h"
#include "hms_history.h"
#include "hms_log.h"

#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOST "10.0.0.5"
#define WEB  "4f2c9d0e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d"
#define T0   1795000040000ull //  20 s past a whole minute: the next is at T0 + 40 s

static char s_dir[64], s_path[128];

static int s_setup(void **state)
{
    (void)state;
    snprintf(s_dir, sizeof s_dir, "/tmp/hms-test-history-XXXXXX");
    assert_non_null(mkdtemp(s_dir));
    snprintf(s_path, sizeof s_path, "%s/history.db", s_dir);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    char command[128];
    snprintf(command, sizeof command, "rm -rf %s", s_dir);
    assert_int_equal(system(command), 0);
    return 0;
}

//  One container's interval ending at t_ms: CPU cpu for all 10 s, no loss.
static void s_add(hms_history_t *history, uint64_t t_ms, float cpu, float low, float high)
{
    hms_metrics_entry_t entry;
    memset(&entry, 0, sizeof entry);
    snprintf(entry.id, sizeof entry.id, "%s", WEB);
    entry.seconds = 10;
    for (int m = 0; m < HMS_METRIC_COUNT; m++)
        entry.rollups[m] = (hms_rollup_t){NAN, NAN, NAN};
    entry.rollups[HMS_METRIC_CPU] = (hms_rollup_t){low, cpu, high};
    hms_metrics_report_t report = {1, t_ms, 10000, &entry, 1};
    assert_int_equal(hms_history_add(history, HOST, &report), 0);
}

static json_t *s_query(hms_metric_t metric, uint64_t from, uint64_t to, uint64_t step, uint64_t now)
{
    char error[256] = "";
    json_t *result =
        hms_history_query(s_path, HOST, WEB, metric, from, to, step, now, error, sizeof error);
    if (!result)
        fail_msg("query: %s", error);
    return result;
}

static double s_at(json_t *result, const char *column, size_t i)
{
    json_t *value = json_array_get(json_object_get(result, column), i);
    return json_is_null(value) ? NAN : json_number_value(value);
}

static void test_tiers(void **state)
{
    (void)state;
    unlink(s_path);
    char error[256];
    hms_history_t *history = hms_history_open(s_path, 0, error, sizeof error);
    assert_non_null(history);
    //  Seven intervals of 10 s, the fifth ending on a whole minute.
    for (int i = 0; i < 7; i++)
        s_add(history, T0 + (uint64_t)i * 10000, (float)(i + 1) / 10, (float)i / 10,
              (float)(i + 2) / 10);
    assert_int_equal(hms_history_queued(history), 7);
    assert_int_equal(hms_history_flush(history), 21); //  three tiers each
    assert_int_equal(hms_history_queued(history), 0);
    uint64_t now = T0 + 70000;
    //  As received.
    json_t *raw = s_query(HMS_METRIC_CPU, T0, T0 + 60000, 0, now);
    assert_int_equal(json_integer_value(json_object_get(raw, "step_ms")), 0);
    assert_int_equal(json_array_size(json_object_get(raw, "t")), 7);
    assert_true(fabs(s_at(raw, "mean", 6) - 0.7) < 1e-6);
    json_decref(raw);
    //  Per minute: the buckets end at T0 + 40 s (five intervals) and T0 + 100 s.
    json_t *minutes = s_query(HMS_METRIC_CPU, T0, T0 + 120000, 60000, now);
    assert_int_equal(json_integer_value(json_object_get(minutes, "step_ms")), 60000);
    assert_int_equal(json_array_size(json_object_get(minutes, "t")), 2);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(minutes, "t"), 0)),
                     T0 + 40000);
    assert_true(fabs(s_at(minutes, "mean", 0) - 0.3) < 1e-6); //  0.1 .. 0.5
    assert_true(fabs(s_at(minutes, "min", 0) - 0.0) < 1e-6);
    assert_true(fabs(s_at(minutes, "max", 0) - 0.6) < 1e-6);
    assert_true(fabs(s_at(minutes, "mean", 1) - 0.65) < 1e-6); //  0.6 and 0.7
    json_decref(minutes);
    //  A series with no value at all: nulls, as many as the buckets.
    json_t *loss = s_query(HMS_METRIC_LOSS, T0, T0 + 60000, 0, now);
    assert_int_equal(json_array_size(json_object_get(loss, "mean")), 7);
    assert_true(json_is_null(json_array_get(json_object_get(loss, "mean"), 0)));
    json_decref(loss);
    //  Asked for a week back at 1 min: the minute tier no longer holds it,
    //  the hour tier answers.
    json_t *hours = s_query(HMS_METRIC_CPU, T0, T0 + 3600000, 60000, T0 + 8 * 86400000ull);
    assert_int_equal(json_integer_value(json_object_get(hours, "step_ms")), 3600000);
    assert_int_equal(json_array_size(json_object_get(hours, "t")), 1);
    assert_true(fabs(s_at(hours, "mean", 0) - 0.4) < 1e-6);
    json_decref(hours);
    //  Nothing for an unknown container; from after to is refused.
    char problem[256] = "";
    json_t *none = hms_history_query(s_path, HOST, "nosuch", HMS_METRIC_CPU, T0, now, 0, now,
                                     problem, sizeof problem);
    assert_non_null(none);
    assert_int_equal(json_array_size(json_object_get(none, "t")), 0);
    json_decref(none);
    assert_null(hms_history_query(s_path, HOST, WEB, HMS_METRIC_CPU, now, T0, 0, now, problem,
                                  sizeof problem));
    assert_true(*problem);
    //  Retention: a day and a half later the 10 s rows are gone, not the others.
    assert_int_equal(hms_history_prune(history, T0 + 129600000ull), 7);
    json_t *gone = s_query(HMS_METRIC_CPU, T0, T0 + 60000, 0, T0 + 70000);
    assert_int_equal(json_array_size(json_object_get(gone, "t")), 0);
    json_decref(gone);
    hms_history_close(&history);
    assert_null(history);
    hms_history_close(&history);
}

//  Over the size cap, the oldest rows go, finest tier first, until under it.
static void test_size_cap(void **state)
{
    (void)state;
    unlink(s_path);
    char error[256];
    hms_history_t *history = hms_history_open(s_path, 0, error, sizeof error);
    assert_non_null(history);
    for (int batch = 0; batch < 20; batch++) {
        for (int i = 0; i < 500; i++)
            s_add(history, T0 + (uint64_t)(batch * 500 + i) * 10000, 0.5f, 0.25f, 1);
        assert_true(hms_history_flush(history) > 0);
    }
    uint64_t full = hms_history_size(history);
    hms_history_close(&history);
    uint64_t cap = full / 2;
    history = hms_history_open(s_path, cap, error, sizeof error);
    assert_non_null(history);
    assert_true(hms_history_prune(history, T0 + 100000000ull) > 0);
    assert_true(hms_history_size(history) <= cap);
    //  The newest rows stay.
    json_t *newest =
        s_query(HMS_METRIC_CPU, T0 + 99000000ull, T0 + 100000000ull, 0, T0 + 100000000ull);
    assert_true(json_array_size(json_object_get(newest, "t")) > 0);
    json_decref(newest);
    hms_history_close(&history);
}

static void test_not_a_history(void **state)
{
    (void)state;
    char error[256] = "";
    char path[160];
    snprintf(path, sizeof path, "%s/other.db", s_dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 7", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_null(hms_history_open(path, 0, error, sizeof error));
    assert_non_null(strstr(error, "not an HMS history"));
    snprintf(path, sizeof path, "%s/garbage.db", s_dir);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs("this is not a database, not even an empty one; SQLite reads its header first\n", file);
    fclose(file);
    *error = 0;
    assert_null(hms_history_open(path, 0, error, sizeof error));
    assert_true(*error);
    assert_null(hms_history_open("/nonexistent/dir/history.db", 0, error, sizeof error));
}

//  Rows of the 10 s tier, read with a connection of our own.
static size_t s_rows(void)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *statement = NULL;
    size_t count = 0;
    if (sqlite3_open_v2(s_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT count(*) FROM points WHERE tier = 0", -1, &statement,
                           NULL) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW)
        count = (size_t)sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return count;
}

//  A writer killed between and during its batches: the file is whole, and
//  a new writer goes on.
static void test_sigkill(void **state)
{
    (void)state;
    unlink(s_path);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        char error[256];
        hms_history_t *history = hms_history_open(s_path, 0, error, sizeof error);
        if (!history)
            _exit(1);
        for (uint64_t i = 0;; i++) {
            s_add(history, T0 + i * 10000, 0.5f, 0.25f, 1);
            if (i % 100 == 99)
                hms_history_flush(history);
        }
    }
    //  Killed once thousands of rows are in: in the middle of a batch, or
    //  between two.
    int waited = 0;
    while (s_rows() < 3000 && waited++ < 3000)
        usleep(10000);
    assert_true(s_rows() >= 3000);
    assert_int_equal(kill(child, SIGKILL), 0);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status));
    sqlite3 *db = NULL;
    sqlite3_stmt *check = NULL;
    assert_int_equal(sqlite3_open(s_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &check, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(check), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(check, 0), "ok");
    sqlite3_finalize(check);
    sqlite3_close(db);
    //  Whole batches only: the 10 s rows are a multiple of the batch.
    char error[256];
    hms_history_t *history = hms_history_open(s_path, 0, error, sizeof error);
    assert_non_null(history);
    size_t rows = s_rows();
    assert_true(rows >= 3000);
    assert_int_equal(rows % 100, 0);
    s_add(history, T0 + 10000000000ull, 0.75f, 0.5f, 1);
    assert_int_equal(hms_history_flush(history), 3);
    json_t *after = s_query(HMS_METRIC_CPU, T0 + 10000000000ull, T0 + 10000000000ull, 0, T0);
    assert_int_equal(json_array_size(json_object_get(after, "t")), 1);
    json_decref(after);
    hms_history_close(&history);
}

//  Where the controller keeps its history when --history is not given:
//  beside its state file, named after it (the directory made); none
//  without a state file, or with --history none.
static void test_default_path(void **state)
{
    (void)state;
    char path[256], state_file[200], expected[256];
    snprintf(state_file, sizeof state_file, "%s/var.d/controller.state", s_dir);
    hms_controller_config_t config = {.history_file = "", .state_file = state_file};
    hms_controller_history_path(&config, path, sizeof path);
    snprintf(expected, sizeof expected, "%s/var.d/controller.history.db", s_dir);
    assert_string_equal(path, expected);
    snprintf(expected, sizeof expected, "%s/var.d", s_dir);
    assert_int_equal(access(expected, W_OK), 0);
    config.state_file = "state";
    hms_controller_history_path(&config, path, sizeof path);
    assert_string_equal(path, "state.history.db");
    config.history_file = "none";
    hms_controller_history_path(&config, path, sizeof path);
    assert_string_equal(path, "");
    config.history_file = "";
    config.state_file = "";
    hms_controller_history_path(&config, path, sizeof path);
    assert_string_equal(path, "");
    snprintf(state_file, sizeof state_file, "%s/own.db", s_dir);
    config.history_file = state_file;
    hms_controller_history_path(&config, path, sizeof path);
    assert_string_equal(path, state_file);
}

//  The timeline: events and alerts' changes, newest first, within the range.
static void test_timeline(void **state)
{
    (void)state;
    char path[160], error[256];
    snprintf(path, sizeof path, "%s/timeline.db", s_dir);
    hms_history_t *history = hms_history_open(path, 0, error, sizeof error);
    assert_non_null(history);
    hms_event_t heal = {T0, HOST, "heal", WEB, "web-1", "loss"};
    hms_event_t attack = {T0 - 500, HOST, "attack", WEB, "web-1", "loss 60% for 2.0 s start"};
    assert_int_equal(hms_history_event(history, &heal), 0);
    assert_int_equal(hms_history_event(history, &attack), 0);
    hms_alert_t alert = {.seq = 1,
                         .state = HMS_ALERT_FIRING,
                         .severity = HMS_SEVERITY_WARNING,
                         .value = 93,
                         .threshold = 90,
                         .ts_ms = T0 + 1000};
    snprintf(alert.address, sizeof alert.address, "%s", HOST);
    snprintf(alert.rule, sizeof alert.rule, "memory_high");
    snprintf(alert.container, sizeof alert.container, "%s", WEB);
    snprintf(alert.name, sizeof alert.name, "web-1");
    snprintf(alert.metric, sizeof alert.metric, "memory");
    assert_int_equal(hms_history_alert(history, &alert), 0);
    json_t *events = hms_history_events(path, T0 - 1000, T0 + 1000, 10, error, sizeof error);
    assert_non_null(events);
    json_t *list = json_object_get(events, "events");
    assert_int_equal(json_array_size(list), 3);
    const char *kinds[] = {"alert", "heal", "attack"};
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(list, i), "kind")),
                            kinds[i]);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "detail")),
                        "memory_high firing");
    json_decref(events);
    //  The range and the limit hold.
    events = hms_history_events(path, T0, T0 + 1000, 1, error, sizeof error);
    assert_int_equal(json_array_size(json_object_get(events, "events")), 1);
    json_decref(events);
    //  Past retention, events go as alerts do.
    assert_true(hms_history_prune(history, T0 + 91ull * 86400000) >= 3);
    events = hms_history_events(path, 0, T0 + 1000, 10, error, sizeof error);
    assert_int_equal(json_array_size(json_object_get(events, "events")), 0);
    json_decref(events);
    hms_history_close(&history);
}

//  A view of one host whose web container has restarts heals, loss_heals of them for loss.
static hms_view_t *s_view(uint64_t started_ms, uint64_t restarts, uint64_t loss_heals)
{
    hms_container_t *containers = calloc(2, sizeof *containers);
    assert_non_null(containers);
    containers[0] = (hms_container_t){.status = HMS_STATUS_ACTIVE, .restarts = 1};
    snprintf(containers[0].id, sizeof containers[0].id, "%s", "0a0b0c0d");
    snprintf(containers[0].name, sizeof containers[0].name, "db-1");
    containers[1] = (hms_container_t){
        .status = HMS_STATUS_ACTIVE, .restarts = restarts, .loss_heals = loss_heals};
    snprintf(containers[1].id, sizeof containers[1].id, "%s", WEB);
    snprintf(containers[1].name, sizeof containers[1].name, "web-1");
    hms_view_host_t host = {.status = HMS_HOST_ONLINE, .started_ms = started_ms};
    snprintf(host.address, sizeof host.address, "%s", HOST);
    host.content = hms_content_block_new(containers, 2);
    hms_view_t *view = hms_view_new(&host, 1);
    hms_content_block_release(&host.content);
    return view;
}

static const char *s_events_path;

static bool s_heals_recorded(void *arg)
{
    char error[256];
    json_t *events = hms_history_events(s_events_path, 0, UINT64_MAX >> 1, 10, error, sizeof error);
    bool done = events && json_array_size(json_object_get(events, "events")) == *(size_t *)arg;
    json_decref(events);
    return done;
}

//  Heals are seen from one view to the next: a count that grew, with the
//  cause whose count grew; a new manager process (counts from 0) is none.
static void test_heal_events(void **state)
{
    (void)state;
    char path[160];
    snprintf(path, sizeof path, "%s/heals.db", s_dir);
    s_events_path = path;
    hms_controller_config_t config = {.history_max_mb = 10, .webhooks = "", .alertmanagers = ""};
    hms_sinks_t *sinks = hms_sinks_new(&config, path);
    assert_non_null(sinks);
    hms_events_t *events = hms_events_new(NULL, NULL, sinks);
    assert_non_null(events);
    hms_view_t *a = s_view(T0, 2, 0), *b = s_view(T0, 3, 0), *c = s_view(T0, 5, 2);
    hms_view_t *restarted = s_view(T0 + 60000, 0, 0);
    assert_int_equal(hms_events_heals(events, NULL, a, T0), 0);
    assert_int_equal(hms_events_heals(events, a, a, T0), 0);
    assert_int_equal(hms_events_heals(events, a, b, T0 + 1000), 1);
    assert_int_equal(hms_events_heals(events, b, c, T0 + 2000), 1);
    assert_int_equal(hms_events_heals(events, c, restarted, T0 + 3000), 0);
    size_t two = 2;
    assert_true(harness_wait(s_heals_recorded, &two, 10000));
    char error[256];
    json_t *recorded = hms_history_events(path, 0, T0 + 5000, 10, error, sizeof error);
    json_t *list = json_object_get(recorded, "events");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "detail")),
                        "loss (2 heals)");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "detail")),
                        "stopped");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "name")),
                        "web-1");
    json_decref(recorded);
    hms_view_release(&a);
    hms_view_release(&b);
    hms_view_release(&c);
    hms_view_release(&restarted);
    hms_events_destroy(&events);
    hms_sinks_destroy(&sinks);
}

int main(void)
{
    hms_log_init("test_history", HMS_LOG_WARNING, false);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiers),         cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_not_a_history), cmocka_unit_test(test_sigkill),
        cmocka_unit_test(test_default_path),  cmocka_unit_test(test_timeline),
        cmocka_unit_test(test_heal_events),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
