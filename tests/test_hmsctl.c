/*  test_hmsctl: the hmsctl binary against a real hms-manager (label docker),
    and against a fake antagonist/controller ROUTER for the replies a
    manager never sends; plus hms_address_endpoints.

    The manager runs as a real process, watching only this run's two
    containers (label hms.test=<tag>), with its sockets on loopback. hmsctl
    runs as a real process too; the test reads its output, its standard
    error and its exit status.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"
#include "hms_client.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define HMSCTL HMS_BINARY_DIR "/controller/hmsctl"

static struct {
    char dir[64];             //  state file, logs and hmsctl's stderr live here
    char pub[64], router[64]; //  the manager's endpoints
    char address[64];         //  127.0.0.1:port, for -H
    char log[128];            //  the manager's log
    pid_t pid;                //  the manager
    char *web, *db;           //  container ids
    char web_name[64], db_name[64];
} s_env;

//  One run of hmsctl.
typedef struct {
    int status; //  exit status; -1 when it did not exit normally
    char *out;  //  standard output
    char *err;  //  standard error
    int64_t ms; //  how long it ran
} run_t;

static char *s_read_file(const char *path)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    FILE *in = fopen(path, "r");
    char buffer[4096];
    size_t got;
    while (in && (got = fread(buffer, 1, sizeof buffer, in)) > 0)
        fwrite(buffer, 1, got, out);
    if (in)
        fclose(in);
    fclose(out);
    return text;
}

//  Runs hmsctl with the arguments (shell words) and returns what it did.
__attribute__((format(printf, 1, 2))) static run_t s_hmsctl(const char *format, ...)
{
    char arguments[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(arguments, sizeof arguments, format, args);
    va_end(args);
    char err_path[128], command[1400];
    snprintf(err_path, sizeof err_path, "%s/hmsctl.err", s_env.dir);
    snprintf(command, sizeof command, "%s %s 2>%s", HMSCTL, arguments, err_path);
    run_t run = {-1, NULL, NULL, 0};
    int64_t start = zclock_mono();
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    size_t size = 0;
    FILE *out = open_memstream(&run.out, &size);
    char buffer[4096];
    size_t got;
    while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0)
        fwrite(buffer, 1, got, out);
    fclose(out);
    int status = pclose(pipe);
    run.ms = zclock_mono() - start;
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.err = s_read_file(err_path);
    return run;
}

static void s_run_free(run_t *run)
{
    free(run->out);
    free(run->err);
    run->out = run->err = NULL;
}

//  Fails the test with hmsctl's output when its exit status is not status.
static void s_expect(const run_t *run, int status)
{
    if (run->status != status)
        fail_msg("hmsctl exited %d, not %d\nstdout:\n%s\nstderr:\n%s", run->status, status,
                 run->out, run->err);
}

//  The line of text that starts with prefix (static buffer), or "".
static const char *s_line(const char *text, const char *prefix)
{
    static char line[1024];
    line[0] = '\0';
    size_t length = strlen(prefix);
    for (const char *start = text; start && *start;) {
        const char *end = strchr(start, '\n');
        size_t size = end ? (size_t)(end - start) : strlen(start);
        if (size >= length && strncmp(start, prefix, length) == 0) {
            snprintf(line, sizeof line, "%.*s", (int)size, start);
            break;
        }
        start = end ? end + 1 : NULL;
    }
    return line;
}

//  True when the container named name shows status in hmsctl status.
static bool s_shows(const char *name, const char *status)
{
    run_t run = s_hmsctl("-H %s status", s_env.address);
    char prefix[80];
    snprintf(prefix, sizeof prefix, "%s ", name);
    bool shown = run.status == 0 && strstr(s_line(run.out, prefix), status);
    s_run_free(&run);
    return shown;
}

static bool s_both_active(void *arg)
{
    (void)arg;
    return s_shows(s_env.web_name, " active ") && s_shows(s_env.db_name, " active ");
}

static int s_setup(void **state)
{
    (void)state;
    harness_require_docker();
    snprintf(s_env.dir, sizeof s_env.dir, "/tmp/hms-test-hmsctl-XXXXXX");
    assert_non_null(mkdtemp(s_env.dir));
    snprintf(s_env.log, sizeof s_env.log, "%s/manager.log", s_env.dir);
    s_env.web = harness_container("web", NULL);
    s_env.db = harness_container("db", NULL);
    snprintf(s_env.web_name, sizeof s_env.web_name, "%s-web", harness_tag());
    snprintf(s_env.db_name, sizeof s_env.db_name, "%s-db", harness_tag());

    char state_file[128], label[64];
    snprintf(state_file, sizeof state_file, "%s/manager.state", s_env.dir);
    snprintf(label, sizeof label, "hms.test=%s", harness_tag());
    char *argv[] = {HMS_BINARY_DIR "/manager/hms-manager",
                    "--pub",
                    "tcp://127.0.0.1:*",
                    "--label",
                    label,
                    "--state-file",
                    state_file,
                    "--address",
                    "test-host",
                    "--heartbeat",
                    "500",
                    "--log-level",
                    "info",
                    NULL};
    char ready[128];
    snprintf(ready, sizeof ready, "%s/manager.ready", s_env.dir);
    s_env.pid = harness_daemon(s_env.log, ready, argv, 10000);
    harness_ready_value(ready, "pub", s_env.pub, sizeof s_env.pub);
    harness_ready_value(ready, "router", s_env.router, sizeof s_env.router);
    snprintf(s_env.address, sizeof s_env.address, "%.63s", s_env.pub + strlen("tcp://"));
    assert_true(harness_wait(s_both_active, NULL, 10000));
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    if (s_env.pid > 0)
        harness_stop(s_env.pid, SIGTERM, 5000);
    harness_cleanup();
    //  Keep the log of a failed run next to the test's output.
    harness_sh("cat %s >&2", s_env.log);
    harness_sh("rm -rf %s", s_env.dir);
    free(s_env.web);
    free(s_env.db);
    return 0;
}

//  hms_address_endpoints and its antagonist variant: the port rules of §2.1,
//  and every malformed address refused.
static void test_addresses(void **state)
{
    (void)state;
    char pub[64], router[64], host[256];
    int port;
    assert_int_equal(hms_address_endpoints("10.0.0.5", 7601, pub, router, sizeof pub), 0);
    assert_string_equal(pub, "tcp://10.0.0.5:7601");
    assert_string_equal(router, "tcp://10.0.0.5:7602");
    assert_int_equal(hms_address_endpoints("node-1.example.com:9000", 7601, pub, router, 64), 0);
    assert_string_equal(pub, "tcp://node-1.example.com:9000");
    assert_string_equal(router, "tcp://node-1.example.com:9001");
    assert_int_equal(hms_address_endpoints("localhost:65534", 7601, pub, router, 64), 0);
    assert_string_equal(router, "tcp://localhost:65535");
    assert_int_equal(hms_address_endpoints("h:1", 7601, pub, router, 64), 0);
    assert_string_equal(pub, "tcp://h:1");
    //  The antagonist: the port of the address is its ROUTER's, the lower one.
    assert_int_equal(hms_address_endpoints_antagonist("10.0.0.7", 7603, pub, router, 64), 0);
    assert_string_equal(router, "tcp://10.0.0.7:7603");
    assert_string_equal(pub, "tcp://10.0.0.7:7604");
    assert_int_equal(hms_address_endpoints_antagonist("a:8000", 7603, pub, router, 64), 0);
    assert_string_equal(router, "tcp://a:8000");
    assert_string_equal(pub, "tcp://a:8001");
    assert_int_equal(hms_address_parse("ctl:7600", 7600, host, sizeof host, &port), 0);
    assert_string_equal(host, "ctl");
    assert_int_equal(port, 7600);
    assert_int_equal(hms_address_parse("ctl:65535", 7600, host, sizeof host, &port), 0);
    assert_int_equal(hms_address_parse("ctl", 7600, host, sizeof host, &port), 0);
    assert_int_equal(port, 7600);

    char longest[254], too_long[255];
    memset(longest, 'a', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    memset(too_long, 'a', sizeof too_long - 1);
    too_long[sizeof too_long - 1] = '\0';
    char wide[300], wide_router[300];
    assert_int_equal(hms_address_endpoints(longest, 7601, wide, wide_router, sizeof wide), 0);
    assert_int_equal(hms_address_endpoints(too_long, 7601, wide, wide_router, sizeof wide), -1);
    //  Does not fit in the caller's buffers.
    assert_int_equal(hms_address_endpoints(longest, 7601, pub, router, sizeof pub), -1);

    const char *bad[] = {"",
                         ":7601",
                         "host:",
                         "host:0",
                         "host:65535",
                         "host:70000",
                         "host:12a",
                         "host:+5",
                         "host:-1",
                         "host: 5",
                         "host:000007601",
                         "a b",
                         "a/b",
                         "user@host",
                         "tcp://host",
                         "host:1:2",
                         "::1",
                         "[::1]:7601",
                         "*",
                         "host\n",
                         "h_1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (hms_address_endpoints(bad[i], 7601, pub, router, sizeof pub) != -1)
            fail_msg("'%s' was accepted", bad[i]);
    assert_int_equal(hms_address_endpoints(NULL, 7601, pub, router, sizeof pub), -1);
    assert_int_equal(hms_address_endpoints_antagonist("h:65535", 7603, pub, router, 64), -1);
    assert_int_equal(hms_address_parse("ctl:65536", 7600, host, sizeof host, &port), -1);
    assert_int_equal(hms_address_parse("ctl", 7600, host, 3, &port), -1);
}

//  Nobody listens: exit 3 within the timeout and a second, and says so.
static void test_dead_endpoint(void **state)
{
    (void)state;
    int port = harness_dead_port(2);
    run_t run = s_hmsctl("-e tcp://127.0.0.1:%d ping", port);
    s_expect(&run, 3);
    assert_true(run.ms < 3000);
    char message[200];
    snprintf(message, sizeof message,
             "hmsctl: no answer from tcp://127.0.0.1:%d within 2000 ms (is hms-manager "
             "running? if it has keys, give -k and -K)\n",
             port);
    assert_string_equal(run.err, message);
    assert_string_equal(run.out, "");
    s_run_free(&run);
    //  The same through -H (port + 1 is the ROUTER) and a shorter timeout.
    run = s_hmsctl("-H 127.0.0.1:%d -t 500 status", port);
    s_expect(&run, 3);
    assert_true(run.ms < 1500);
    assert_non_null(strstr(run.err, "within 500 ms"));
    s_run_free(&run);
}

//  Usage errors: exit 2 with a message, nothing sent.
static void test_usage(void **state)
{
    (void)state;
    const struct {
        const char *arguments; //  hmsctl's arguments
        const char *message;   //  part of what it says
    } cases[] = {
        {"", "no command"},
        {"reboot", "unknown command 'reboot'"},
        {"threshold abc", "threshold: 'abc' is not a number"},
        {"threshold 150", "threshold: 150 is out of range [0, 100]"},
        {"threshold", "usage: hmsctl threshold PERCENT"},
        {"threshold 1 2", "usage: hmsctl threshold PERCENT"},
        {"config probe_count=0", "probe_count: 0 is out of range [1, 1000]"},
        {"config probe_count=-3", "probe_count: '-3' is not a whole number"},
        {"config bogus=1", "'bogus=1' is not KEY=VALUE"},
        {"config threshold=1 threshold=2", "threshold is given twice"},
        {"ignore", "usage: hmsctl ignore CONTAINER"},
        {"antagonist", "usage: hmsctl antagonist"},
        {"antagonist conf loss=80", "needs balance=VALUE, heavy=VALUE"},
        {"antagonist conf loss=80 balance=1 heavy=1 frequency=1 duration=1 mode=pause",
         "'pause' is not stop or kill"},
        {"-H 'a b' ping", "'a b' is not an address"},
        {"-H host:0 ping", "is not an address"},
        {"-t 0 ping", "--timeout"},
        {"--bogus ping", "unrecognized option"},
        {"ping --count 3", "options of watch"},
        {"-e nowhere ping", "'nowhere' is not an endpoint"},
        {"-e tcp://10.0.0.5:7602 ping", "refusing to connect to tcp://10.0.0.5:7602 in plaintext"},
        {"-K not-a-key ping", "--server-key: 'not-a-key' is neither"},
        {"-k /nonexistent/key ping", "curve-secret: /nonexistent/key: No such file"},
        {"-K 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7' ping", "without a key pair"},
        {"keygen", "usage: hmsctl keygen NAME"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_t run = s_hmsctl("-H %s %s", s_env.address, cases[i].arguments);
        if (run.status != 2 || !strstr(run.err, cases[i].message))
            fail_msg("hmsctl %s: exit %d, stderr '%s'", cases[i].arguments, run.status, run.err);
        s_run_free(&run);
    }
    run_t run = s_hmsctl("--help");
    s_expect(&run, 0);
    const char *documented[] = {
        "--host",     "--endpoint", "--pub",  "--timeout",       "--json", "--count",
        "--duration", "ping",       "status", "threshold",       "ignore", "add",
        "config",     "rules",      "watch",  "antagonist conf", "hosts",  "Exit status"};
    for (size_t i = 0; i < sizeof documented / sizeof documented[0]; i++)
        if (!strstr(run.out, documented[i]))
            fail_msg("--help does not mention %s", documented[i]);
    s_run_free(&run);
    run = s_hmsctl("-V");
    s_expect(&run, 0);
    assert_string_equal(run.out, "hmsctl " HMS_VERSION "\n");
    s_run_free(&run);
}

static void test_ping(void **state)
{
    (void)state;
    run_t run = s_hmsctl("-H %s ping", s_env.address);
    s_expect(&run, 0);
    assert_non_null(strstr(run.out, "pong from test-host: role manager, version " HMS_VERSION));
    s_run_free(&run);
    //  -e names the ROUTER itself.
    run = s_hmsctl("-e %s ping", s_env.router);
    s_expect(&run, 0);
    assert_non_null(strstr(run.out, "role manager"));
    s_run_free(&run);
}

//  The table: both containers, by name, active, with Docker's IP addresses.
static void test_status(void **state)
{
    (void)state;
    run_t run = s_hmsctl("-H %s status", s_env.address);
    s_expect(&run, 0);
    assert_non_null(strstr(run.out, "NAME"));
    assert_non_null(strstr(s_line(run.out, "NAME"), "RESTARTS"));
    const char *names[] = {s_env.web_name, s_env.db_name};
    const char *ids[] = {s_env.web, s_env.db};
    for (int i = 0; i < 2; i++) {
        char prefix[80], short_id[13];
        snprintf(prefix, sizeof prefix, "%s ", names[i]);
        snprintf(short_id, sizeof short_id, "%.12s", ids[i]);
        const char *line = s_line(run.out, prefix);
        if (!strstr(line, " active ") || !strstr(line, short_id) ||
            !strstr(line, harness_ip(ids[i])) || !strstr(line, "hms/testbox:1"))
            fail_msg("status line of %s: '%s'", names[i], line);
    }
    assert_non_null(strstr(run.out, "update_seq "));
    assert_non_null(strstr(run.out, "threshold "));
    s_run_free(&run);
    //  give_content is the same command.
    run = s_hmsctl("-H %s give_content", s_env.address);
    s_expect(&run, 0);
    assert_non_null(strstr(run.out, s_env.web_name));
    s_run_free(&run);
}

//  --json: the reply as on the wire.
static void test_status_json(void **state)
{
    (void)state;
    run_t run = s_hmsctl("--json -H %s status", s_env.address);
    s_expect(&run, 0);
    json_error_t error;
    json_t *reply = json_loads(run.out, 0, &error);
    if (!reply)
        fail_msg("not JSON (%s): %s", error.text, run.out);
    assert_string_equal(json_string_value(json_object_get(reply, "command")), "ok");
    assert_string_equal(json_string_value(json_object_get(reply, "re")), "give_content");
    assert_string_equal(json_string_value(json_object_get(reply, "address")), "test-host");
    assert_int_equal(json_integer_value(json_object_get(reply, "v")), HMS_PROTOCOL_VERSION);
    assert_true(json_is_number(json_object_get(reply, "threshold")));
    assert_true(json_is_integer(json_object_get(reply, "update_seq")));
    json_t *content = json_object_get(reply, "content");
    assert_int_equal(json_array_size(content), 2);
    int found = 0;
    size_t index;
    json_t *entry;
    json_array_foreach(content, index, entry)
    {
        const char *id = json_string_value(json_object_get(entry, "id"));
        const char *expected = strcmp(id, s_env.web) == 0 ? s_env.web : s_env.db;
        assert_string_equal(id, expected);
        assert_string_equal(json_string_value(json_object_get(entry, "status")), "active");
        assert_string_equal(json_string_value(json_object_get(entry, "ip")), harness_ip(expected));
        assert_string_equal(json_string_value(json_object_get(entry, "image")), "hms/testbox:1");
        assert_string_equal(json_string_value(json_object_get(entry, "state")), "running");
        found++;
    }
    assert_int_equal(found, 2);
    json_decref(reply);
    s_run_free(&run);
}

//  threshold and config, and what the manager refuses.
static void test_threshold_and_config(void **state)
{
    (void)state;
    run_t run = s_hmsctl("-H %s threshold 70", s_env.address);
    s_expect(&run, 0);
    assert_string_equal(run.out, "threshold = 70\n");
    s_run_free(&run);
    run = s_hmsctl("-H %s config", s_env.address);
    s_expect(&run, 0);
    assert_string_equal(s_line(run.out, "threshold"), "threshold = 70");
    assert_string_equal(s_line(run.out, "heartbeat_ms"), "heartbeat_ms = 500");
    assert_non_null(strstr(run.out, "backoff_max_ms = "));
    s_run_free(&run);

    //  Refused locally (exit 2): the threshold stays.
    run = s_hmsctl("-H %s threshold 150", s_env.address);
    s_expect(&run, 2);
    s_run_free(&run);
    run = s_hmsctl("-H %s threshold abc", s_env.address);
    s_expect(&run, 2);
    s_run_free(&run);

    run = s_hmsctl("-H %s config probe_period_ms=500 grace_ms=250", s_env.address);
    s_expect(&run, 0);
    assert_string_equal(s_line(run.out, "probe_period_ms"), "probe_period_ms = 500");
    s_run_free(&run);
    run = s_hmsctl("-H %s config", s_env.address);
    s_expect(&run, 0);
    assert_string_equal(s_line(run.out, "probe_period_ms"), "probe_period_ms = 500");
    assert_string_equal(s_line(run.out, "grace_ms"), "grace_ms = 250");
    assert_string_equal(s_line(run.out, "threshold"), "threshold = 70");
    s_run_free(&run);

    //  JSON of the settings: the settings map, nested as on the wire.
    run = s_hmsctl("-H %s --json config", s_env.address);
    s_expect(&run, 0);
    json_t *reply = json_loads(run.out, 0, NULL);
    assert_non_null(reply);
    json_t *config = json_object_get(reply, "config");
    assert_int_equal(json_integer_value(json_object_get(config, "probe_period_ms")), 500);
    assert_true(json_number_value(json_object_get(config, "threshold")) == 70);
    json_decref(reply);
    s_run_free(&run);
}

//  rules FILE replaces the manager's rules, rules lists them; a file with
//  a mistake is refused before anything is sent.
static void test_rules(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/rules.json", s_env.dir);
    harness_write_file(
        path, "{\"rules\": [{\"name\": \"memory_high\", \"metric\": \"memory\", \"of_limit\": "
              "true, \"threshold\": 90, \"clear\": 80, \"for_s\": 10, \"summary\": \"near "
              "its limit\"}]}");
    run_t run = s_hmsctl("-H %s rules %s", s_env.address, path);
    s_expect(&run, 0);
    assert_non_null(strstr(run.out, "memory_high"));
    assert_non_null(strstr(run.out, "memory % of limit > 90 (clear 80)"));
    s_run_free(&run);
    run = s_hmsctl("-H %s rules", s_env.address);
    s_expect(&run, 0);
    assert_non_null(strstr(run.out, "memory_high"));
    assert_null(strstr(run.out, "container_exited"));
    s_run_free(&run);

    harness_write_file(path,
                       "{\"rules\": [{\"name\": \"x\", \"metric\": \"disk\", \"threshold\": 1}]}");
    run = s_hmsctl("-H %s rules %s", s_env.address, path);
    s_expect(&run, 2);
    assert_non_null(strstr(run.err, "rule 0: metric"));
    s_run_free(&run);

    //  Back to the built-in rules.
    hms_rule_t rules[HMS_RULES_MAX];
    json_t *builtin = hms_rules_json(rules, hms_rules_builtin(rules));
    assert_int_equal(json_dump_file(builtin, path, 0), 0);
    json_decref(builtin);
    run = s_hmsctl("-H %s rules %s", s_env.address, path);
    s_expect(&run, 0);
    assert_non_null(strstr(run.out, "container_exited"));
    //  A baseline rule says so; a forecast rule fires below.
    assert_non_null(strstr(run.out, "net_rx_packets > 5000 and 10 x usual (clear 2000)"));
    assert_non_null(strstr(run.out, "memory_eta < 900 (clear 1200)"));
    s_run_free(&run);
}

//  The peer's errors: exit 1 and its code and message.
static void test_peer_errors(void **state)
{
    (void)state;
    run_t run = s_hmsctl("-H %s ignore no-such-container", s_env.address);
    s_expect(&run, 1);
    assert_string_equal(run.err, "hmsctl: error 404: no container 'no-such-container'\n");
    assert_string_equal(run.out, "");
    s_run_free(&run);
    //  With --json the error is printed as JSON as well.
    run = s_hmsctl("--json -H %s add no-such-container", s_env.address);
    s_expect(&run, 1);
    json_t *reply = json_loads(run.out, 0, NULL);
    assert_non_null(reply);
    assert_string_equal(json_string_value(json_object_get(reply, "command")), "error");
    assert_int_equal(json_integer_value(json_object_get(reply, "code")), 404);
    json_decref(reply);
    s_run_free(&run);
    //  A command the manager does not serve.
    run = s_hmsctl("-e %s antagonist status", s_env.router);
    s_expect(&run, 1);
    assert_non_null(strstr(run.err, "hmsctl: error 501: "));
    s_run_free(&run);
}

static bool s_db_active(void *arg)
{
    (void)arg;
    return s_shows(s_env.db_name, " active ");
}

static void test_ignore_and_add(void **state)
{
    (void)state;
    run_t run = s_hmsctl("-H %s ignore %s", s_env.address, s_env.db_name);
    s_expect(&run, 0);
    char expected[128];
    snprintf(expected, sizeof expected, "%s ignored\n", s_env.db);
    assert_string_equal(run.out, expected);
    s_run_free(&run);
    assert_true(s_shows(s_env.db_name, " ignored "));
    assert_true(s_shows(s_env.web_name, " active "));

    //  Back by id prefix.
    run = s_hmsctl("-H %s add %.8s", s_env.address, s_env.db);
    s_expect(&run, 0);
    snprintf(expected, sizeof expected, "%s active\n", s_env.db);
    assert_string_equal(run.out, expected);
    s_run_free(&run);
    assert_true(harness_wait(s_db_active, NULL, 3000));
}

typedef struct {
    const char *path; //  watch's output
    const char *text; //  what to wait for in it
} wait_text_t;

static bool s_file_has(void *arg)
{
    wait_text_t *wait = arg;
    char *text = s_read_file(wait->path);
    bool found = strstr(text, wait->text) != NULL;
    free(text);
    return found;
}

static bool s_running(void *id)
{
    return strcmp(harness_state(id), "running") == 0;
}

//  Lines of text that contain part ("": every non-empty line).
static int s_count_lines(const char *text, const char *part)
{
    char *copy = strdup(text), *saveptr = NULL;
    int count = 0;
    for (char *line = strtok_r(copy, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr))
        count += strstr(line, part) != NULL;
    free(copy);
    return count;
}

//  watch: heartbeats, an update when a container is killed, JSON lines,
//  and a clean end on SIGTERM.
static void test_watch(void **state)
{
    (void)state;
    run_t run = s_hmsctl("-H %s watch --count 3", s_env.address);
    s_expect(&run, 0);
    //  Heartbeats, and what the earlier tests' container changes may still
    //  publish (updates, alerts) or the metrics: every line one of them.
    int heartbeats = s_count_lines(run.out, " hb update_seq=");
    assert_true(heartbeats >= 1);
    assert_int_equal(heartbeats + s_count_lines(run.out, " update update_seq=") +
                         s_count_lines(run.out, " alert seq=") +
                         s_count_lines(run.out, " metrics seq="),
                     3);
    assert_int_equal(s_count_lines(run.out, ""), 3);
    s_run_free(&run);

    //  In the background while a container is killed: an update line.
    char path[128];
    snprintf(path, sizeof path, "%s/watch.out", s_env.dir);
    char *argv[] = {HMSCTL, "--pub", s_env.pub, "watch", "--duration", "30", NULL};
    pid_t pid = harness_spawn(path, argv);
    wait_text_t heartbeat = {path, " hb update_seq="};
    assert_true(harness_wait(s_file_has, &heartbeat, 5000));
    assert_int_equal(harness_sh("docker kill %s >/dev/null", s_env.web), 0);
    wait_text_t update = {path, " update update_seq="};
    bool updated = harness_wait(s_file_has, &update, 5000);
    //  The built-in rule container_exited fires (and resolves once healed).
    wait_text_t alert = {path, " container_exited firing warning: "};
    bool alerted = harness_wait(s_file_has, &alert, 5000);
    assert_true(harness_wait(s_running, s_env.web, 3000));
    //  SIGTERM ends it cleanly, long before its duration.
    int status = harness_stop(pid, SIGTERM, 2000);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    if (!updated || !alerted) {
        char *text = s_read_file(path);
        fail_msg("no %s line in:\n%s", updated ? "container_exited alert" : "update", text);
    }

    //  JSON lines, and --duration ends it.
    run = s_hmsctl("-H %s --json watch --count 2 --duration 10", s_env.address);
    s_expect(&run, 0);
    assert_true(run.ms < 5000);
    char *line = run.out;
    for (int i = 0; i < 2; i++) {
        char *end = strchr(line, '\n');
        assert_non_null(end);
        *end = '\0';
        json_t *msg = json_loads(line, 0, NULL);
        if (!msg)
            fail_msg("not JSON: %s", line);
        const char *command = json_string_value(json_object_get(msg, "command"));
        assert_true(strcmp(command, "hb") == 0 || strcmp(command, "update") == 0 ||
                    strcmp(command, "alert") == 0);
        assert_true(json_integer_value(json_object_get(msg, "received_ms")) > 0);
        json_decref(msg);
        line = end + 1;
    }
    s_run_free(&run);
    run = s_hmsctl("--pub tcp://127.0.0.1:%d watch --duration 0.5", harness_dead_port(1));
    s_expect(&run, 0);
    assert_string_equal(run.out, "");
    assert_true(run.ms < 3000);
    s_run_free(&run);
}

//  A fake peer for the replies a manager never sends: the antagonist's and
//  the controller's, and broken ones. One reply per request, by command.
static void s_fake_reply(const hms_msg_t *request, hms_msg_t *reply, zmsg_t *out)
{
    uint64_t id = request->corr_id;
    switch (request->type) {
    case HMS_MSG_PING: {
        //  A stale reply first: hms_client must drop it.
        hms_msg_t stale;
        hms_msg_error(&stale, id + 1000, 500, "stale");
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init(&buffer);
        hms_msg_encode(&stale, &buffer);
        zmsg_addmem(out, buffer.data, buffer.size);
        msgpack_sbuffer_destroy(&buffer);
        hms_msg_ok(reply, HMS_MSG_PING, id);
        snprintf(reply->pong.address, sizeof reply->pong.address, "fake");
        reply->pong.role = HMS_ROLE_ANTAGONIST;
        snprintf(reply->pong.version, sizeof reply->pong.version, "9.9");
        reply->pong.uptime_ms = 1500;
        return;
    }
    case HMS_MSG_STOP_ANTAGONIST:
        //  Text a hostile peer could send: terminal escapes and a bell.
        hms_msg_ok(reply, request->type, id);
        reply->antagonist_status.config =
            (hms_antagonist_conf_t){"evil\x1b[2J\x07name", 80, 70, 25, 1, 5, 10, 0, HMS_MODE_STOP};
        return;
    case HMS_MSG_CONF_ANTAGONIST:
    case HMS_MSG_ANTAGONIST_STATUS:
        hms_msg_ok(reply, request->type, id);
        reply->antagonist_status.running = request->type == HMS_MSG_ANTAGONIST_STATUS;
        reply->antagonist_status.attempts = 12;
        reply->antagonist_status.shutdowns = 3;
        reply->antagonist_status.loss_attacks = 2;
        reply->antagonist_status.targets = 4;
        if (request->type == HMS_MSG_CONF_ANTAGONIST)
            reply->antagonist_status.config = request->antagonist; //  what hmsctl sent
        else
            reply->antagonist_status.config =
                (hms_antagonist_conf_t){"", 80, 70, 25, 1, 5, 10, 42, HMS_MODE_KILL};
        return;
    case HMS_MSG_START_ANTAGONIST:
        hms_msg_error(reply, id, HMS_CODE_CONFLICT, "already running");
        return;
    case HMS_MSG_LIST_HOSTS: {
        static hms_host_t hosts[2] = {{"10.0.0.5", HMS_HOST_ONLINE, 1700000000000, 3},
                                      {"10.0.0.6:9000", HMS_HOST_OFFLINE, 0, 0}};
        hms_msg_ok(reply, HMS_MSG_LIST_HOSTS, id);
        reply->hosts.hosts = hosts;
        reply->hosts.count = 2;
        return;
    }
    case HMS_MSG_GET_CONFIG:
        //  An ok for another request: a reply that does not decode as ours.
        hms_msg_ok(reply, HMS_MSG_PING, id);
        snprintf(reply->pong.address, sizeof reply->pong.address, "fake");
        reply->pong.role = HMS_ROLE_MANAGER;
        snprintf(reply->pong.version, sizeof reply->pong.version, "1");
        return;
    default:
        //  give_content: garbage.
        hms_msg_init(reply, HMS_MSG_NONE);
        zmsg_addstr(out, "\xc1 not msgpack");
        return;
    }
}

static void s_fake_peer(zsock_t *pipe, void *args)
{
    //  No cmocka asserts in this thread: a failure shows as hmsctl's.
    (void)args;
    zsock_t *router = zsock_new(ZMQ_ROUTER);
    int port = zsock_bind(router, "tcp://127.0.0.1:*");
    zsock_signal(pipe, 0);
    zstr_sendf(pipe, "%d", port); //  -1: every request then times out
    zpoller_t *poller = zpoller_new(pipe, router, NULL);
    while (zpoller_wait(poller, -1) == router) {
        zmsg_t *message = zmsg_recv(router);
        if (!message)
            break;
        zframe_t *identity = zmsg_pop(message);
        zframe_t *body = zmsg_pop(message);
        hms_msg_t request, reply;
        hms_msg_init(&request, HMS_MSG_NONE);
        if (body && hms_msg_decode(&request, zframe_data(body), zframe_size(body)) == 0) {
            zmsg_t *replies = zmsg_new();
            s_fake_reply(&request, &reply, replies);
            if (reply.type != HMS_MSG_NONE) {
                msgpack_sbuffer buffer;
                msgpack_sbuffer_init(&buffer);
                hms_msg_encode(&reply, &buffer);
                zmsg_addmem(replies, buffer.data, buffer.size);
                msgpack_sbuffer_destroy(&buffer);
            }
            //  Each reply is its own message: [identity][body].
            for (zframe_t *frame = zmsg_first(replies); frame; frame = zmsg_next(replies)) {
                zmsg_t *out = zmsg_new();
                zmsg_addmem(out, zframe_data(identity), zframe_size(identity));
                zmsg_addmem(out, zframe_data(frame), zframe_size(frame));
                zmsg_send(&out, router);
            }
            zmsg_destroy(&replies);
        }
        hms_msg_reset(&request);
        zframe_destroy(&identity);
        zframe_destroy(&body);
        zmsg_destroy(&message);
    }
    zpoller_destroy(&poller);
    zsock_destroy(&router);
}

//  The antagonist and controller commands, and the port rules of -H for
//  them, against the fake peer; broken replies exit 4.
static void test_other_peers(void **state)
{
    (void)state;
    zactor_t *fake = zactor_new(s_fake_peer, NULL);
    assert_non_null(fake);
    char *bound = zstr_recv(fake);
    int port = bound ? atoi(bound) : -1;
    zstr_free(&bound);
    assert_true(port > 0);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);

    //  -H host:port names the antagonist's ROUTER (not port + 1).
    run_t run = s_hmsctl("-H 127.0.0.1:%d antagonist ping", port);
    s_expect(&run, 0);
    assert_string_equal(run.out, "pong from fake: role antagonist, version 9.9, uptime 1.5 s\n");
    s_run_free(&run);
    run = s_hmsctl("-H 127.0.0.1:%d antagonist status", port);
    s_expect(&run, 0);
    assert_string_equal(run.out, "running = yes\nattempts = 12\nshutdowns = 3\nloss_attacks = 2\n"
                                 "targets = 4\nloss = 80\nbalance = 70\nheavy = 25\n"
                                 "frequency = 1\nduration = 5\nsigma = 10\nseed = 42\n"
                                 "mode = kill\n");
    s_run_free(&run);
    run = s_hmsctl("-H 127.0.0.1:%d antagonist conf loss=80 balance=70 heavy=25 frequency=1 "
                   "duration=5 name=test_low_low seed=7 mode=stop",
                   port);
    s_expect(&run, 0);
    assert_non_null(strstr(run.out, "running = no\n"));
    assert_non_null(strstr(run.out, "loss = 80\nbalance = 70\nheavy = 25\nfrequency = 1\n"
                                    "duration = 5\nseed = 7\nmode = stop\nname = test_low_low\n"));
    assert_null(strstr(run.out, "sigma")); //  not given: absent, the antagonist's default
    s_run_free(&run);
    run = s_hmsctl("-H 127.0.0.1:%d --json antagonist conf loss=1.5 balance=0 heavy=100 "
                   "frequency=0.01 duration=3600 sigma=0",
                   port);
    s_expect(&run, 0);
    json_t *reply = json_loads(run.out, 0, NULL);
    assert_non_null(reply);
    json_t *config = json_object_get(reply, "config");
    assert_true(json_number_value(json_object_get(config, "loss")) == 1.5);
    assert_true(json_number_value(json_object_get(config, "sigma")) == 0);
    assert_null(json_object_get(config, "seed"));
    json_decref(reply);
    s_run_free(&run);
    run = s_hmsctl("-H 127.0.0.1:%d antagonist start", port);
    s_expect(&run, 1);
    assert_string_equal(run.err, "hmsctl: error 409: already running\n");
    s_run_free(&run);
    //  A peer's text reaches the terminal without its control characters.
    run = s_hmsctl("-H 127.0.0.1:%d antagonist stop", port);
    s_expect(&run, 0);
    assert_non_null(strstr(run.out, "name = evil?[2J?name\n"));
    assert_null(strchr(run.out, 0x1b));
    s_run_free(&run);
    run = s_hmsctl("-H 127.0.0.1:%d --json antagonist stop", port);
    s_expect(&run, 0);
    if (!strstr(run.out, "evil\\u001B[2J\\u0007name"))
        fail_msg("hmsctl --json printed: %s", run.out);
    s_run_free(&run);

    //  -H host:port names a controller's ROUTER too.
    run = s_hmsctl("-H 127.0.0.1:%d hosts", port);
    s_expect(&run, 0);
    assert_non_null(strstr(s_line(run.out, "ADDRESS"), "CONTAINERS"));
    const char *online = s_line(run.out, "10.0.0.5 ");
    assert_non_null(strstr(online, "online"));
    assert_non_null(strstr(online, "2023-11-"));
    const char *offline = s_line(run.out, "10.0.0.6:9000 ");
    assert_non_null(strstr(offline, "offline"));
    assert_non_null(strstr(offline, "never"));
    s_run_free(&run);

    //  Broken replies: exit 4 and why.
    run = s_hmsctl("-e %s status", endpoint);
    s_expect(&run, 4);
    assert_non_null(strstr(run.err, "does not decode"));
    s_run_free(&run);
    run = s_hmsctl("-e %s config", endpoint);
    s_expect(&run, 4);
    assert_non_null(strstr(run.err, "answers ping, not get_config"));
    s_run_free(&run);
    zactor_destroy(&fake);
}

//  keygen: a public certificate and a secret one only its owner reads; the
//  public key printed; never an existing file overwritten.
static void test_keygen(void **state)
{
    (void)state;
    char path[128], secret[160];
    snprintf(path, sizeof path, "%s/alice", s_env.dir);
    snprintf(secret, sizeof secret, "%s_secret", path);
    run_t run = s_hmsctl("keygen %s", path);
    s_expect(&run, 0);
    assert_int_equal(strlen(run.out), 41); //  40 characters and a newline
    char key[41];
    snprintf(key, sizeof key, "%.40s", run.out);
    s_run_free(&run);
    assert_int_equal(zsys_file_mode(secret) & 0777, 0600);
    zcert_t *cert = zcert_load(path);
    assert_non_null(cert);
    assert_string_equal(zcert_public_txt(cert), key);
    zcert_destroy(&cert);
    //  Both files exist now: a second keygen refuses, and changes nothing.
    run = s_hmsctl("keygen %s", path);
    s_expect(&run, 2);
    assert_non_null(strstr(run.err, "exists already"));
    s_run_free(&run);
    cert = zcert_load(path);
    assert_string_equal(zcert_public_txt(cert), key);
    zcert_destroy(&cert);
}

//  hms_client itself: stale replies dropped, the timeout kept, reuse after
//  a timeout.
static void test_client(void **state)
{
    (void)state;
    hms_transport_config_t plaintext = {"", "", false};
    hms_transport_t *transport = hms_transport_new(&plaintext, false);
    assert_non_null(transport);
    hms_client_t *client = hms_client_new(s_env.router, 2000, transport, NULL);
    assert_non_null(client);
    hms_msg_t request, reply;
    for (uint64_t i = 1; i <= 3; i++) {
        hms_msg_init(&request, HMS_MSG_PING);
        assert_int_equal(hms_client_request(client, &request, &reply), 0);
        assert_int_equal(request.corr_id, i);
        assert_int_equal(reply.corr_id, i);
        assert_int_equal(reply.type, HMS_MSG_OK);
        assert_int_equal(reply.pong.role, HMS_ROLE_MANAGER);
        assert_string_equal(hms_client_error(client), "");
        hms_msg_reset(&reply);
    }
    hms_client_destroy(&client);
    assert_null(client);
    hms_client_destroy(&client);

    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", harness_dead_port(1));
    client = hms_client_new(endpoint, 300, transport, NULL);
    hms_msg_init(&request, HMS_MSG_PING);
    int64_t start = zclock_mono();
    assert_int_equal(hms_client_request(client, &request, &reply), -1);
    assert_true(zclock_mono() - start < 1000);
    assert_non_null(strstr(hms_client_error(client), "no answer from"));
    hms_msg_reset(&reply);
    hms_client_destroy(&client);
    assert_null(hms_client_new("nowhere", 300, transport, NULL));
    //  Plaintext beyond loopback is refused; a key needs a key pair.
    assert_null(hms_client_new("tcp://10.0.0.5:7602", 300, transport, NULL));
    assert_null(
        hms_client_new(s_env.router, 300, transport, "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"));
    hms_transport_destroy(&transport);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_dead_endpoint),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_ping),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_status_json),
        cmocka_unit_test(test_threshold_and_config),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_peer_errors),
        cmocka_unit_test(test_ignore_and_add),
        cmocka_unit_test(test_watch),
        cmocka_unit_test(test_other_peers),
        cmocka_unit_test(test_keygen),
        cmocka_unit_test(test_client),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
