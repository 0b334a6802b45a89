/*  test_vm: the push to VictoriaMetrics and the reads from it, against
    what VictoriaMetrics cannot be made to do (label unit):

    - a metrics message as text lines: cAdvisor's names and /metrics'
      labels (escaped), the message's time on every line, no line for a
      value the manager did not have, as many lines as counted;
    - a VictoriaMetrics that does not answer: samples stay queued up to
      the bound, the oldest are dropped and counted, the pusher keeps
      running and its exit is bounded;
    - answers of a stand-in server (a socket this test serves): 400 drops
      the batch as refused, 503 keeps it and retries until a 204 takes it;
      a message that came before its host's table waits for the next,
      which names its containers;
      for the reads, an error status, garbage, JSON of another shape and
      values that are not numbers are errors that say so, and a valid
      export is merged by time.

    The real VictoriaMetrics is in testbed_vm.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"
#include "hms_vmpush.h"
#include "hms_vmquery.h"
#include "hms_vmtext.h"

#include <arpa/inet.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_T_MS 1796000000000ull

//  A table of two containers, the second's image with a quote.
static hms_content_block_t *s_table(void)
{
    hms_container_t *containers = calloc(2, sizeof *containers);
    for (int i = 0; i < 2; i++) {
        snprintf(containers[i].id, sizeof containers[i].id, "%064d", i + 1);
        snprintf(containers[i].name, sizeof containers[i].name, "web-%d", i + 1);
        snprintf(containers[i].image, sizeof containers[i].image, i ? "odd\"image" : "app:1");
        containers[i].status = HMS_STATUS_ACTIVE;
        containers[i].loss = 5;
        containers[i].rtt_ms = 0.25;
        containers[i].restarts = 3;
        containers[i].loss_heals = 1;
    }
    return hms_content_block_new(containers, 2);
}

static void s_entry(hms_metrics_entry_t *entry, int i)
{
    memset(entry, 0, sizeof *entry);
    snprintf(entry->id, sizeof entry->id, "%064d", i + 1);
    entry->seconds = 10;
    entry->reading.have = HMS_READING_CPU | HMS_READING_MEMORY;
    entry->reading.cpu_usage_ns = 1500000000ull;
    entry->reading.memory_working_set = 1048576;
    for (int m = 0; m < HMS_METRIC_COUNT; m++)
        entry->rollups[m] = (hms_rollup_t){NAN, NAN, NAN};
    entry->rollups[HMS_METRIC_CPU] = (hms_rollup_t){0.25f, 0.5f, 0.75f};
    entry->rollups[HMS_METRIC_MEMORY] = (hms_rollup_t){NAN, 1048576, NAN};
    for (int f = 0; f < HMS_FORECASTS; f++)
        entry->forecasts[f] = NAN;
    entry->forecasts[HMS_FORECAST_MEMORY] = 120.5f;
}

static size_t s_lines(const char *text)
{
    size_t lines = 0;
    for (; *text; text++)
        lines += *text == '\n';
    return lines;
}

static void test_text(void **state)
{
    (void)state;
    hms_content_block_t *table = s_table();
    hms_metrics_entry_t entry;
    s_entry(&entry, 1);
    hms_vmtext_t text = {0};
    long samples = hms_vmtext_entry(&text, "10.0.0.5", &table->containers[1], &entry, S_T_MS);
    //  11 readings (cpu and memory), loss, rtt, 3 heals, a forecast, cpu x 3, memory's mean.
    assert_int_equal(samples, 11 + 2 + 3 + 1 + 3 + 1);
    assert_int_equal(hms_vmtext_samples(&table->containers[1], &entry), (size_t)samples);
    assert_int_equal(s_lines(text.data), (size_t)samples);
    const char *labels = "{host=\"10.0.0.5\",name=\"web-2\",id=\"" //
                         "0000000000000000000000000000000000000000000000000000000000000002\","
                         "image=\"odd\\\"image\"";
    //  Each line: the family, the labels, what follows them.
    const char *expected[][2] = {
        {"container_cpu_usage_seconds_total", "} 1.5 1796000000000\n"},
        {"container_memory_working_set_bytes", "} 1048576 1796000000000\n"},
        {"hms_probe_loss_ratio", "} 0.05 1796000000000\n"},
        {"hms_container_heals_total", ",reason=\"stopped\"} 2 1796000000000\n"},
        {"hms_container_heals_total", ",reason=\"loss\"} 1 1796000000000\n"},
        {"hms_container_exhaustion_seconds",
         ",resource=\"memory\",method=\"linear\"} 120.5 1796000000000\n"},
        {"hms_container_cpu", ",stat=\"min\"} 0.25 1796000000000\n"},
        {"hms_container_cpu", ",stat=\"max\"} 0.75 1796000000000\n"},
        {"hms_container_memory", ",stat=\"mean\"} 1048576 1796000000000\n"}};
    for (size_t e = 0; e < sizeof expected / sizeof *expected; e++) {
        char line[512];
        snprintf(line, sizeof line, "%s%s%s", expected[e][0], labels, expected[e][1]);
        if (!strstr(text.data, line))
            fail_msg("no line %s in:\n%s", line, text.data);
    }
    assert_null(strstr(text.data, "stat=\"min\"} 1048576")); //  NAN: no line
    //  Not in the table yet: no name, no image, no table's series.
    hms_vmtext_reset(&text);
    samples = hms_vmtext_entry(&text, "10.0.0.5", NULL, &entry, S_T_MS);
    assert_int_equal(samples, 11 + 1 + 3 + 1);
    assert_non_null(strstr(text.data, ",name=\"\","));
    hms_vmtext_free(&text);
    hms_content_block_release(&table);
}

//  A message of count entries at t_ms through push.
static void s_send(hms_vmpush_t *push, hms_content_block_t *table, uint64_t t_ms, size_t count)
{
    hms_metrics_entry_t entries[2];
    s_entry(&entries[0], 0);
    s_entry(&entries[1], 1);
    hms_metrics_report_t report = {1, t_ms, 10000, entries, count};
    hms_vmpush_metrics(push, "10.0.0.5", table, &report);
}

static bool s_pushed_all(void *arg)
{
    hms_vmpush_counters_t c;
    hms_vmpush_counters(arg, &c);
    return c.queued == 0 && c.up;
}

//  The 100 messages of test_queue_bound taken: queued or dropped.
static bool s_all_taken(void *arg)
{
    hms_vmpush_counters_t c;
    hms_vmpush_counters(arg, &c);
    return c.queued + c.dropped == 100 * 42 && c.failures > 0;
}

//  The pushes of test_answers taken: 42 before, then 84 named.
static bool s_pushed_126(void *arg)
{
    hms_vmpush_counters_t c;
    hms_vmpush_counters(arg, &c);
    return c.pushed >= 126;
}

//  Nothing listens: samples queue up to the bound, the oldest go.
static void test_queue_bound(void **state)
{
    (void)state;
    char url[64], error[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", harness_dead_port(1));
    hms_vmpush_t *push = hms_vmpush_new(url, 1000, error, sizeof error);
    assert_non_null(push);
    hms_content_block_t *table = s_table();
    size_t per = 2 * 21; //  s_entry in the table: 21 samples each
    for (int m = 0; m < 100; m++)
        s_send(push, table, S_T_MS + (uint64_t)m * 10000, 2);
    assert_true(harness_wait(s_all_taken, push, 10000));
    hms_vmpush_counters_t c;
    hms_vmpush_counters(push, &c);
    assert_true(c.queued <= 1000 && c.queued > 1000 - per);
    assert_int_equal(c.queued + c.dropped, 100 * per);
    assert_false(c.up);
    assert_int_equal(c.pushed, 0);
    json_t *json = hms_vmpush_json(push);
    assert_string_equal(json_string_value(json_object_get(json, "url")), url);
    assert_int_equal(json_integer_value(json_object_get(json, "queue_max")), 1000);
    json_decref(json);
    char *text = hms_vmpush_prometheus(push);
    assert_non_null(strstr(text, "\nhms_vm_up 0\n"));
    assert_non_null(strstr(text, "\nhms_vm_queue_max_samples 1000\n"));
    free(text);
    int64_t start = zclock_mono();
    hms_vmpush_destroy(&push); //  tries, then gives up
    assert_true(zclock_mono() - start < HMS_VMPUSH_EXIT_MS + 2000);
    hms_content_block_release(&table);
    assert_null(hms_vmpush_new("ftp://x", 1000, error, sizeof error));
    assert_non_null(strstr(error, "http://"));
    assert_null(hms_vmpush_new("http://user:secret@vm:8428", 1000, error, sizeof error));
    assert_non_null(strstr(error, "no credentials"));
    assert_null(strstr(error, "secret"));
}

//  A stand-in HTTP server: answers each request with the status and body
//  set, counts requests and what they carried.
static struct {
    pthread_mutex_t lock;
    int fd, port;
    int status;
    char body[2048];
    int requests;
    char last[256]; //  request line
    size_t lines;   //  lines of the last body
} s_server = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void s_serve_one(int client)
{
    char request[1 << 16];
    size_t size = 0;
    char *end = NULL;
    ssize_t got;
    while (!end && size < sizeof request - 1 &&
           (got = read(client, request + size, sizeof request - 1 - size)) > 0) {
        size += (size_t)got;
        request[size] = '\0';
        end = strstr(request, "\r\n\r\n");
    }
    const char *length = end ? strstr(request, "Content-Length: ") : NULL;
    size_t want = length ? (size_t)atol(length + 16) : 0, lines = 0,
           had = end ? size - (size_t)(end + 4 - request) : 0;
    for (char *c = end ? end + 4 : request; end && *c; c++)
        lines += *c == '\n';
    for (char buffer[4096]; had < want && (got = read(client, buffer, sizeof buffer)) > 0;) {
        for (ssize_t i = 0; i < got; i++)
            lines += buffer[i] == '\n';
        had += (size_t)got;
    }
    pthread_mutex_lock(&s_server.lock);
    s_server.requests++;
    s_server.lines = lines;
    snprintf(s_server.last, sizeof s_server.last, "%.*s", (int)strcspn(request, "\r\n"), request);
    char answer[4096];
    int n = snprintf(answer, sizeof answer,
                     "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     s_server.status, strlen(s_server.body), s_server.body);
    pthread_mutex_unlock(&s_server.lock);
    if (write(client, answer, (size_t)n) < 0)
        return;
}

static void *s_serve(void *arg)
{
    (void)arg;
    int client;
    while ((client = accept(s_server.fd, NULL, NULL)) >= 0) {
        s_serve_one(client);
        close(client);
    }
    return NULL;
}

static void s_answer(int status, const char *body)
{
    pthread_mutex_lock(&s_server.lock);
    s_server.status = status;
    snprintf(s_server.body, sizeof s_server.body, "%s", body);
    pthread_mutex_unlock(&s_server.lock);
}

static int s_requests(void)
{
    pthread_mutex_lock(&s_server.lock);
    int requests = s_server.requests;
    pthread_mutex_unlock(&s_server.lock);
    return requests;
}

static int s_setup(void **state)
{
    (void)state;
    s_server.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    assert_int_equal(bind(s_server.fd, (struct sockaddr *)&address, sizeof address), 0);
    assert_int_equal(listen(s_server.fd, 16), 0);
    assert_int_equal(getsockname(s_server.fd, (struct sockaddr *)&address, &length), 0);
    s_server.port = ntohs(address.sin_port);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, s_serve, NULL), 0);
    pthread_detach(thread); //  ends with the process
    return 0;
}

static bool s_more_requests(void *arg)
{
    return s_requests() >= *(int *)arg;
}

//  400: refused for good, dropped and counted; 503: kept and retried until a 204.
static void test_answers(void **state)
{
    (void)state;
    char url[64], error[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", s_server.port);
    hms_content_block_t *table = s_table();
    s_answer(400, "cannot parse\nmore");
    hms_vmpush_t *push = hms_vmpush_new(url, 100000, error, sizeof error);
    int before = s_requests(), want = before + 1;
    s_send(push, table, S_T_MS, 2);
    assert_true(harness_wait(s_more_requests, &want, 5000));
    hms_vmpush_counters_t c;
    for (int64_t deadline = zclock_mono() + 5000; zclock_mono() < deadline; zclock_sleep(20)) {
        hms_vmpush_counters(push, &c);
        if (c.rejected)
            break;
    }
    assert_int_equal(c.rejected, 42);
    assert_int_equal(c.queued, 0);
    assert_string_equal(s_server.last, "POST /api/v1/import/prometheus HTTP/1.1");
    s_answer(503, "busy");
    want = s_requests() + 2; //  the first try and a retry
    s_send(push, table, S_T_MS + 10000, 2);
    assert_true(harness_wait(s_more_requests, &want, 10000));
    hms_vmpush_counters(push, &c);
    assert_true(c.failures >= 1);
    assert_int_equal(c.queued, 42);
    s_answer(204, "");
    assert_true(harness_wait(s_pushed_all, push, 10000));
    hms_vmpush_counters(push, &c);
    assert_int_equal(c.pushed, 42);
    assert_int_equal(s_server.lines, 42);
    assert_int_equal(c.dropped, 0);
    //  A message before its host's table waits for the next one, which
    //  names its containers: one POST, every line named.
    s_send(push, NULL, S_T_MS + 20000, 2);
    s_send(push, table, S_T_MS + 30000, 2);
    assert_true(harness_wait(s_pushed_126, push, 10000));
    hms_vmpush_counters(push, &c);
    assert_int_equal(c.pushed, 42 + 84);
    assert_int_equal(s_server.lines, 84);
    hms_vmpush_destroy(&push);
    hms_content_block_release(&table);
}

//  Reads: whatever the server says that is not VictoriaMetrics' API is an
//  error that says so; a valid export merges by time.
static void test_reads(void **state)
{
    (void)state;
    char url[64], error[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s_server.port);
    uint64_t now = S_T_MS + 3600000;
    const struct {
        int status;
        const char *body, *error;
        uint64_t step;
    } cases[] = {
        {500, "storage is broken", "HTTP 500: storage is broken", 0},
        {200, "garbage{", "not a series", 0},
        {200, "{\"metric\":{\"stat\":\"mean\"},\"values\":[1],\"timestamps\":[1,2]}",
         "not a series", 0},
        {200, "{\"metric\":{\"stat\":\"mean\"},\"values\":[\"x\"],\"timestamps\":[1]}",
         "not a number", 0},
        {200, "[1, 2]", "not a successful", 60000},
        {200, "{\"status\":\"error\",\"data\":{}}", "not a successful", 60000},
        {200,
         "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":"
         "{\"stat\":\"min\"},\"values\":[[1796000060,\"zero\"]]}]}}",
         "not [time, \"number\"]", 60000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        s_answer(cases[i].status, cases[i].body);
        json_t *series = hms_vmquery_series(url, "10.0.0.5", "abc", HMS_METRIC_CPU, S_T_MS, now,
                                            cases[i].step, now, error, sizeof error);
        assert_null(series);
        if (!strstr(error, cases[i].error) || strncmp(error, "VictoriaMetrics: ", 17) != 0)
            fail_msg("case %zu: error '%s', expected '%s'", i, error, cases[i].error);
    }
    s_answer(200, "{\"metric\":{\"stat\":\"mean\",\"id\":\"abc\"},\"values\":[0.5,0.25],"
                  "\"timestamps\":[1796000010000,1796000000000]}\n"
                  "{\"metric\":{\"stat\":\"max\",\"name\":\"old\"},\"values\":[1],"
                  "\"timestamps\":[1796000010000]}\n"
                  "{\"metric\":{\"stat\":\"max\",\"name\":\"new\"},\"values\":[3],"
                  "\"timestamps\":[1796000010000]}\n");
    json_t *series = hms_vmquery_series(url, "10.0.0.5", "abc", HMS_METRIC_CPU, S_T_MS, now, 0, now,
                                        error, sizeof error);
    assert_non_null(series);
    assert_string_equal(s_server.last + strlen(s_server.last) - 9, " HTTP/1.1");
    assert_non_null(strstr(s_server.last,
                           "GET "
                           "/api/v1/"
                           "export?match[]=hms_container_cpu%7Bhost%3D%2210.0.0.5%22%2Cid%3D%"
                           "22abc%22%7D&start=1796000000.000&end=1796003600.000 "));
    char *text = json_dumps(series, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"max\":[null,3.0],\"mean\":[0.25,0.5],\"min\":[null,null],"
                              "\"step_ms\":0,\"t\":[1796000000000,1796000010000]}");
    free(text);
    json_decref(series);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_queue_bound),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_reads),
    };
    return cmocka_run_group_tests(tests, s_setup, NULL);
}
