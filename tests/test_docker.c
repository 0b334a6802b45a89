/*  test_docker: hms_docker against the real Docker engine (label docker).

    Containers are made with the docker CLI, named hmsdk-<pid>-N, and removed
    at the end. Each test drives a zloop until its callbacks have fired, with
    a deadline. An engine that cannot be reached fails every test (group
    setup), it does not skip them. Two tests use a tiny fake engine on a unix
    socket to reach paths the real one does not take on demand: a stream
    that breaks, an oversized body, an error body.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hms_docker.h"
#include "hms_log.h"

#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define IMAGE       "hms/testbox:1"
#define DEADLINE_MS 30000
#define MAX_NAMES   16

static zloop_t *s_loop;             //  One loop for every test
static char s_names[MAX_NAMES][64]; //  Containers created, removed at the end
static int s_name_count;            //  Entries used in s_names

//  --------------------------------------------------------------------------
//  Driving the loop

typedef bool(cond_fn)(void *arg);

typedef struct {
    cond_fn *cond;    //  Ends the wait when true
    void *arg;        //  Argument for cond
    int64_t deadline; //  zclock_mono time when the wait gives up
} wait_t;

static int s_wait_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    wait_t *wait = arg;
    return wait->cond(wait->arg) || zclock_mono() >= wait->deadline ? -1 : 0;
}

//  Runs the loop until cond holds or timeout_ms passed. Returns cond.
static bool s_run_until(cond_fn *cond, void *arg, int timeout_ms)
{
    wait_t wait = {cond, arg, zclock_mono() + timeout_ms};
    int timer_id = zloop_timer(s_loop, 5, 0, s_wait_tick, &wait);
    assert_int_not_equal(timer_id, -1);
    zloop_start(s_loop);
    zloop_timer_end(s_loop, timer_id); //  immediate: the loop has ended
    return cond(arg);
}

static bool s_never(void *arg)
{
    (void)arg;
    return false;
}

//  The outcome of one request, kept past its callback.
typedef struct {
    int calls;    //  Times the callback ran
    long status;  //  result->status
    char *error;  //  Copy of result->error, or NULL
    json_t *json; //  Reference to result->json, or NULL
} reply_t;

static void s_on_reply(hms_docker_t *docker, const hms_docker_result_t *result, void *arg)
{
    (void)docker;
    reply_t *reply = arg;
    reply->calls++;
    reply->status = result->status;
    free(reply->error);
    reply->error = result->error ? strdup(result->error) : NULL;
    json_decref(reply->json);
    reply->json = json_incref(result->json);
}

static void s_reply_free(reply_t *reply)
{
    free(reply->error);
    json_decref(reply->json);
    memset(reply, 0, sizeof *reply);
}

static bool s_replied(void *arg)
{
    return ((reply_t *)arg)->calls > 0;
}

//  Waits for the reply to a queued request and checks it came once.
static void s_wait_reply(reply_t *reply)
{
    assert_true(s_run_until(s_replied, reply, DEADLINE_MS));
    assert_int_equal(reply->calls, 1);
}

//  Inspects a container and returns its State (a new reference).
static json_t *s_state(hms_docker_t *docker, const char *id)
{
    reply_t reply = {0};
    assert_int_equal(hms_docker_inspect(docker, id, s_on_reply, &reply), 0);
    s_wait_reply(&reply);
    assert_int_equal(reply.status, 200);
    json_t *state = json_incref(json_object_get(reply.json, "State"));
    assert_non_null(state);
    s_reply_free(&reply);
    return state;
}

static bool s_running(hms_docker_t *docker, const char *id)
{
    json_t *state = s_state(docker, id);
    bool running = json_is_true(json_object_get(state, "Running"));
    json_decref(state);
    return running;
}

//  --------------------------------------------------------------------------
//  The docker CLI

//  Runs a shell command and returns its first output line in out.
static void s_shell(char *out, size_t size, const char *command)
{
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    out[0] = '\0';
    if (!fgets(out, (int)size, pipe))
        out[0] = '\0';
    out[strcspn(out, "\n")] = '\0';
    pclose(pipe);
}

//  Creates a container (started when running is true) with extra docker
//  options; returns its name and puts its full id in id[65].
static const char *s_container(char *id, const char *options, bool running)
{
    assert_true(s_name_count < MAX_NAMES);
    char *name = s_names[s_name_count++];
    snprintf(name, sizeof s_names[0], "hmsdk-%d-%d", (int)getpid(), s_name_count);
    char command[512];
    snprintf(command, sizeof command, "docker %s --name %s %s " IMAGE " 2>&1",
             running ? "run -d" : "create", name, options);
    s_shell(id, 65, command);
    if (strlen(id) != 64)
        fail_msg("%s: %s", command, id);
    return name;
}

static void s_docker(const char *verb, const char *name)
{
    char command[256];
    snprintf(command, sizeof command, "docker %s %s >/dev/null", verb, name);
    assert_int_equal(system(command), 0);
}

//  --------------------------------------------------------------------------
//  A fake engine: a thread serving a few connections on a unix socket.

typedef struct fake_s fake_t;
typedef void(fake_serve_fn)(fake_t *fake, int fd, int index);

struct fake_s {
    char path[108];        //  Socket path
    int listener;          //  Listening socket
    int connections;       //  Connections to serve, one after the other
    fake_serve_fn *serve;  //  Answers connection index on fd
    char request[4][1024]; //  Request head received on each connection
    int served;            //  Connections accepted
    pthread_t thread;      //  Runs s_fake_run
};

//  Waits up to 10 s for fd to be readable. Returns true when it is.
static bool s_readable(int fd)
{
    struct pollfd item = {fd, POLLIN, 0};
    return poll(&item, 1, 10000) == 1;
}

static void s_send(int fd, const char *data, size_t size)
{
    if (send(fd, data, size, MSG_NOSIGNAL) != (ssize_t)size)
        fprintf(stderr, "fake engine: short send\n");
}

static void s_send_text(int fd, const char *text)
{
    s_send(fd, text, strlen(text));
}

//  Sends one chunk of a chunked body.
static void s_send_chunk(int fd, const char *data, size_t size)
{
    char header[32];
    snprintf(header, sizeof header, "%zx\r\n", size);
    s_send_text(fd, header);
    s_send(fd, data, size);
    s_send_text(fd, "\r\n");
}

//  Waits until the client hangs up.
static void s_hold(int fd)
{
    char byte;
    while (s_readable(fd) && read(fd, &byte, 1) > 0)
        ;
}

static void *s_fake_run(void *arg)
{
    fake_t *fake = arg;
    for (int index = 0; index < fake->connections; index++) {
        if (!s_readable(fake->listener))
            break;
        int fd = accept(fake->listener, NULL, NULL);
        if (fd < 0)
            break;
        fake->served++;
        char *head = fake->request[index];
        size_t size = 0;
        while (!strstr(head, "\r\n\r\n") && size < sizeof fake->request[0] - 1 && s_readable(fd)) {
            ssize_t bytes = read(fd, head + size, sizeof fake->request[0] - 1 - size);
            if (bytes <= 0)
                break;
            size += (size_t)bytes;
            head[size] = '\0';
        }
        fake->serve(fake, fd, index);
        close(fd);
    }
    return NULL;
}

static void s_fake_start(fake_t *fake, int connections, fake_serve_fn *serve)
{
    memset(fake, 0, sizeof *fake);
    snprintf(fake->path, sizeof fake->path, "/tmp/hmsdk-%d-fake.sock", (int)getpid());
    unlink(fake->path);
    fake->connections = connections;
    fake->serve = serve;
    fake->listener = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fake->listener >= 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    memcpy(address.sun_path, fake->path, strlen(fake->path) + 1);
    assert_int_equal(bind(fake->listener, (struct sockaddr *)&address, sizeof address), 0);
    assert_int_equal(listen(fake->listener, 4), 0);
    assert_int_equal(pthread_create(&fake->thread, NULL, s_fake_run, fake), 0);
}

static void s_fake_join(fake_t *fake)
{
    pthread_join(fake->thread, NULL);
    close(fake->listener);
    unlink(fake->path);
}

//  --------------------------------------------------------------------------
//  Events, kept past their callback

typedef struct {
    char id[72];     //  Actor.ID
    char name[64];   //  Actor.Attributes.name
    char action[64]; //  Action
    char signal[8];  //  Attributes.signal of a kill
    char exit[8];    //  Attributes.exitCode of a die
    uint64_t time;   //  timeNano
} seen_t;

typedef struct {
    const char *only_id; //  Keep only this container's events; NULL keeps all
    seen_t seen[32];     //  Events kept, in order
    int count;           //  Entries used in seen
    int ups;             //  Connects reported
    int downs;           //  Disconnects reported
    bool up;             //  Last state reported
    char error[256];     //  Error of the last disconnect
    const char *wanted;  //  Action the wait is for
    bool restart_on_die; //  Start the container again from the die event
    reply_t restart;     //  Reply to that start
} events_t;

static void s_on_event(hms_docker_t *docker, const hms_docker_event_t *event, void *arg)
{
    events_t *events = arg;
    if (events->only_id && strcmp(event->id, events->only_id) != 0)
        return;
    assert_true(events->count < 32);
    seen_t *seen = &events->seen[events->count++];
    snprintf(seen->id, sizeof seen->id, "%s", event->id);
    snprintf(seen->name, sizeof seen->name, "%s", event->name);
    snprintf(seen->action, sizeof seen->action, "%s", event->action);
    const char *signal = json_string_value(json_object_get(event->attributes, "signal"));
    snprintf(seen->signal, sizeof seen->signal, "%s", signal ? signal : "");
    const char *exit_code = json_string_value(json_object_get(event->attributes, "exitCode"));
    snprintf(seen->exit, sizeof seen->exit, "%s", exit_code ? exit_code : "");
    seen->time = event->time_nano;
    //  What a healer does: a request from inside the event callback
    if (events->restart_on_die && streq(event->action, "die"))
        assert_int_equal(hms_docker_start(docker, event->id, s_on_reply, &events->restart), 0);
}

static void s_on_state(hms_docker_t *docker, bool connected, const char *error, void *arg)
{
    (void)docker;
    events_t *events = arg;
    events->up = connected;
    if (connected) {
        assert_null(error);
        events->ups++;
    } else {
        assert_non_null(error);
        events->downs++;
        snprintf(events->error, sizeof events->error, "%s", error);
    }
}

static bool s_is_up(void *arg)
{
    return ((events_t *)arg)->up;
}

static bool s_is_down(void *arg)
{
    return ((events_t *)arg)->downs > 0;
}

//  Returns the index of the first event with this action, or -1.
static int s_find(events_t *events, const char *action)
{
    for (int i = 0; i < events->count; i++)
        if (streq(events->seen[i].action, action))
            return i;
    return -1;
}

static bool s_has_wanted(void *arg)
{
    events_t *events = arg;
    return s_find(events, events->wanted) >= 0;
}

//  --------------------------------------------------------------------------
//  Tests

//  Returns true when the list holds a container with this id.
static bool s_listed(json_t *list, const char *id)
{
    size_t index;
    json_t *container;
    json_array_foreach(list, index, container)
    {
        const char *container_id = json_string_value(json_object_get(container, "Id"));
        if (container_id && streq(container_id, id))
            return true;
    }
    return false;
}

static void test_list(void **state)
{
    (void)state;
    char labelled[65], other[65], label[64];
    snprintf(label, sizeof label, "hmsdk.test=%d-list", (int)getpid());
    char options[96];
    snprintf(options, sizeof options, "--label %s", label);
    s_container(labelled, options, true);
    s_container(other, "--label hmsdk.other=1", false);

    hms_docker_t *docker = hms_docker_new(s_loop, NULL);
    assert_non_null(docker);
    reply_t running = {0}, all = {0}, filtered = {0}, by_key = {0};
    assert_int_equal(hms_docker_list(docker, false, NULL, s_on_reply, &running), 0);
    assert_int_equal(hms_docker_list(docker, true, NULL, s_on_reply, &all), 0);
    assert_int_equal(hms_docker_list(docker, true, label, s_on_reply, &filtered), 0);
    assert_int_equal(hms_docker_list(docker, true, "hmsdk.test", s_on_reply, &by_key), 0);
    assert_int_equal(hms_docker_pending(docker), 4);
    s_wait_reply(&running);
    s_wait_reply(&all);
    s_wait_reply(&filtered);
    s_wait_reply(&by_key);
    assert_int_equal(hms_docker_pending(docker), 0);

    assert_int_equal(running.status, 200);
    assert_null(running.error);
    assert_true(json_is_array(running.json));
    assert_true(s_listed(running.json, labelled));
    assert_false(s_listed(running.json, other));

    assert_int_equal(all.status, 200);
    assert_true(s_listed(all.json, labelled));
    assert_true(s_listed(all.json, other));

    //  The label filter selects the labelled container only
    assert_int_equal(filtered.status, 200);
    assert_int_equal(json_array_size(filtered.json), 1);
    assert_true(s_listed(filtered.json, labelled));
    assert_true(s_listed(by_key.json, labelled));
    assert_false(s_listed(by_key.json, other));

    assert_int_equal(hms_docker_list(docker, true, "", s_on_reply, &all), -1);
    s_reply_free(&running);
    s_reply_free(&all);
    s_reply_free(&filtered);
    s_reply_free(&by_key);
    hms_docker_destroy(&docker);
    assert_null(docker);
}

static void test_inspect(void **state)
{
    (void)state;
    char running_id[65], created_id[65];
    const char *running_name = s_container(running_id, "", true);
    s_container(created_id, "", false);

    hms_docker_t *docker = hms_docker_new(s_loop, "/var/run/docker.sock");
    assert_non_null(docker);
    reply_t reply = {0};
    assert_int_equal(hms_docker_inspect(docker, running_name, s_on_reply, &reply), 0);
    s_wait_reply(&reply);
    assert_int_equal(reply.status, 200);
    assert_null(reply.error);
    assert_string_equal(json_string_value(json_object_get(reply.json, "Id")), running_id);
    json_t *container_state = json_object_get(reply.json, "State");
    assert_string_equal(json_string_value(json_object_get(container_state, "Status")), "running");
    assert_true(json_is_true(json_object_get(container_state, "Running")));
    assert_true(json_integer_value(json_object_get(container_state, "Pid")) > 0);
    //  The IP on the default bridge, found the way that works for any network
    json_t *networks = json_object_get(json_object_get(reply.json, "NetworkSettings"), "Networks");
    const char *network_name;
    json_t *network;
    int found = 0;
    json_object_foreach(networks, network_name, network)
    {
        const char *ip = json_string_value(json_object_get(network, "IPAddress"));
        assert_non_null(ip);
        struct in_addr address;
        assert_int_equal(inet_pton(AF_INET, ip, &address), 1);
        found += streq(network_name, "bridge");
    }
    assert_int_equal(found, 1);
    s_reply_free(&reply);

    json_t *created_state = s_state(docker, created_id);
    assert_string_equal(json_string_value(json_object_get(created_state, "Status")), "created");
    assert_false(json_is_true(json_object_get(created_state, "Running")));
    json_decref(created_state);
    hms_docker_destroy(&docker);
}

//  A stop whose callback starts the container again.
typedef struct {
    const char *id; //  Container
    reply_t stop;   //  Reply to the stop
    reply_t start;  //  Reply to the start queued from the stop's callback
} chain_t;

static void s_on_stop_then_start(hms_docker_t *docker, const hms_docker_result_t *result, void *arg)
{
    chain_t *chain = arg;
    s_on_reply(docker, result, &chain->stop);
    assert_int_equal(hms_docker_start(docker, chain->id, s_on_reply, &chain->start), 0);
}

static void test_lifecycle(void **state)
{
    (void)state;
    char id[65];
    s_container(id, "", true);
    hms_docker_t *docker = hms_docker_new(s_loop, NULL);
    assert_non_null(docker);
    reply_t reply = {0};

    assert_int_equal(hms_docker_stop(docker, id, 1, s_on_reply, &reply), 0);
    s_wait_reply(&reply);
    assert_int_equal(reply.status, 204);
    assert_null(reply.error);
    json_t *stopped = s_state(docker, id);
    assert_false(json_is_true(json_object_get(stopped, "Running")));
    assert_string_equal(json_string_value(json_object_get(stopped, "Status")), "exited");
    json_decref(stopped);
    s_reply_free(&reply);

    //  Stopping a stopped container: 304, which counts as success
    assert_int_equal(hms_docker_stop(docker, id, 1, s_on_reply, &reply), 0);
    s_wait_reply(&reply);
    assert_int_equal(reply.status, 304);
    assert_null(reply.error);
    s_reply_free(&reply);

    assert_int_equal(hms_docker_start(docker, id, s_on_reply, &reply), 0);
    s_wait_reply(&reply);
    assert_int_equal(reply.status, 204);
    assert_null(reply.error);
    assert_true(s_running(docker, id));
    s_reply_free(&reply);

    assert_int_equal(hms_docker_start(docker, id, s_on_reply, &reply), 0);
    s_wait_reply(&reply);
    assert_int_equal(reply.status, 304);
    assert_null(reply.error);
    s_reply_free(&reply);

    json_t *before = s_state(docker, id);
    assert_int_equal(hms_docker_restart(docker, id, 1, s_on_reply, &reply), 0);
    s_wait_reply(&reply);
    assert_int_equal(reply.status, 204);
    assert_null(reply.error);
    json_t *after = s_state(docker, id);
    assert_true(json_is_true(json_object_get(after, "Running")));
    assert_string_not_equal(json_string_value(json_object_get(before, "StartedAt")),
                            json_string_value(json_object_get(after, "StartedAt")));
    json_decref(before);
    json_decref(after);
    s_reply_free(&reply);

    //  A request queued from inside a callback: stop, then start from there
    chain_t chain = {id, {0}, {0}};
    assert_int_equal(hms_docker_stop(docker, id, 1, s_on_stop_then_start, &chain), 0);
    assert_true(s_run_until(s_replied, &chain.start, DEADLINE_MS));
    assert_int_equal(chain.stop.calls, 1);
    assert_int_equal(chain.stop.status, 204);
    assert_int_equal(chain.start.status, 204);
    assert_true(s_running(docker, id));
    s_reply_free(&chain.stop);
    s_reply_free(&chain.start);

    assert_int_equal(hms_docker_kill(docker, id, NULL, s_on_reply, &reply), 0);
    s_wait_reply(&reply);
    assert_int_equal(reply.status, 204);
    assert_null(reply.error);
    json_t *killed = s_state(docker, id);
    assert_false(json_is_true(json_object_get(killed, "Running")));
    assert_int_equal(json_integer_value(json_object_get(killed, "ExitCode")), 137);
    json_decref(killed);
    s_reply_free(&reply);

    //  Killing a stopped container is a conflict
    assert_int_equal(hms_docker_kill(docker, id, "SIGTERM", s_on_reply, &reply), 0);
    s_wait_reply(&reply);
    assert_int_equal(reply.status, 409);
    assert_non_null(reply.error);
    assert_true(strncmp(reply.error, "conflict: ", 10) == 0);
    assert_non_null(strstr(reply.error, "is not running"));
    s_reply_free(&reply);
    hms_docker_destroy(&docker);
}

static void test_not_found(void **state)
{
    (void)state;
    char id[64], expected[128];
    snprintf(id, sizeof id, "hmsdk-%d-nosuch", (int)getpid());
    snprintf(expected, sizeof expected, "no such container: %s", id);
    hms_docker_t *docker = hms_docker_new(s_loop, NULL);
    assert_non_null(docker);
    reply_t inspect = {0}, stop = {0}, kill = {0};
    assert_int_equal(hms_docker_inspect(docker, id, s_on_reply, &inspect), 0);
    assert_int_equal(hms_docker_stop(docker, id, 0, s_on_reply, &stop), 0);
    assert_int_equal(hms_docker_kill(docker, id, "9", s_on_reply, &kill), 0);
    s_wait_reply(&inspect);
    s_wait_reply(&stop);
    s_wait_reply(&kill);
    assert_int_equal(inspect.status, 404);
    assert_string_equal(inspect.error, expected);
    //  Docker's own message is still there for whoever wants it
    assert_non_null(json_string_value(json_object_get(inspect.json, "message")));
    assert_int_equal(stop.status, 404);
    assert_string_equal(stop.error, expected);
    assert_int_equal(kill.status, 404);
    s_reply_free(&inspect);
    s_reply_free(&stop);
    s_reply_free(&kill);

    //  The longest valid id is accepted and gets its 404
    char longest[129];
    memset(longest, 'a', 128);
    longest[128] = '\0';
    assert_int_equal(hms_docker_inspect(docker, longest, s_on_reply, &inspect), 0);
    s_wait_reply(&inspect);
    assert_int_equal(inspect.status, 404);
    s_reply_free(&inspect);
    hms_docker_destroy(&docker);
}

static void test_invalid_id(void **state)
{
    (void)state;
    char too_long[130];
    memset(too_long, 'a', 129);
    too_long[129] = '\0';
    const char *bad[] = {NULL,      "",      ".",   "..",   "../../info", "a/b",   "a b",
                         "a?all=1", "a%2Fb", "a#b", "a\nb", "\xc3\xa9",   too_long};
    hms_docker_t *docker = hms_docker_new(s_loop, NULL);
    assert_non_null(docker);
    reply_t reply = {0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(hms_docker_inspect(docker, bad[i], s_on_reply, &reply), -1);
        assert_int_equal(hms_docker_start(docker, bad[i], s_on_reply, &reply), -1);
        assert_int_equal(hms_docker_stop(docker, bad[i], 1, s_on_reply, &reply), -1);
        assert_int_equal(hms_docker_restart(docker, bad[i], 1, s_on_reply, &reply), -1);
        assert_int_equal(hms_docker_kill(docker, bad[i], NULL, s_on_reply, &reply), -1);
    }
    const char *bad_signals[] = {"", "SIG KILL", "9&signal=1",
                                 "SIGKILLSIGKILLSIGKILLSIGKILLSIGKILL"};
    for (size_t i = 0; i < sizeof bad_signals / sizeof bad_signals[0]; i++)
        assert_int_equal(hms_docker_kill(docker, "hmsdk-x", bad_signals[i], s_on_reply, &reply),
                         -1);
    assert_int_equal(hms_docker_pending(docker), 0);
    //  Nothing was queued, so nothing is ever called back
    s_run_until(s_never, NULL, 50);
    assert_int_equal(reply.calls, 0);
    hms_docker_destroy(&docker);
}

static void test_unreachable(void **state)
{
    (void)state;
    const char *prefix = "Docker engine unreachable at /nonexistent.sock: ";
    hms_docker_t *docker = hms_docker_new(s_loop, "/nonexistent.sock");
    assert_non_null(docker);
    reply_t list = {0}, start = {0};
    assert_int_equal(hms_docker_list(docker, true, NULL, s_on_reply, &list), 0);
    assert_int_equal(hms_docker_start(docker, "hmsdk-x", s_on_reply, &start), 0);
    s_wait_reply(&list);
    s_wait_reply(&start);
    assert_int_equal(list.status, 0);
    assert_null(list.json);
    assert_non_null(list.error);
    assert_true(strncmp(list.error, prefix, strlen(prefix)) == 0);
    assert_true(strlen(list.error) > strlen(prefix));
    assert_int_equal(start.status, 0);
    assert_true(strncmp(start.error, prefix, strlen(prefix)) == 0);
    s_reply_free(&list);
    s_reply_free(&start);

    //  The events stream reports the engine away once, and keeps trying
    events_t events = {0};
    assert_int_equal(hms_docker_events(docker, NULL, s_on_event, s_on_state, &events), 0);
    assert_true(s_run_until(s_is_down, &events, DEADLINE_MS));
    assert_true(strncmp(events.error, prefix, strlen(prefix)) == 0);
    s_run_until(s_never, NULL, 400); //  retries at 100 and 300 ms
    assert_int_equal(events.downs, 1);
    assert_int_equal(events.ups, 0);
    hms_docker_destroy(&docker);
}

static void test_events_kill(void **state)
{
    (void)state;
    hms_docker_t *docker = hms_docker_new(s_loop, NULL);
    assert_non_null(docker);
    events_t events = {0};
    assert_int_equal(hms_docker_events(docker, NULL, s_on_event, s_on_state, &events), 0);
    assert_true(s_run_until(s_is_up, &events, DEADLINE_MS));
    assert_int_equal(events.ups, 1);

    char id[65];
    const char *name = s_container(id, "", true);
    events.only_id = id;
    events.restart_on_die = true;
    s_docker("kill", name);
    events.wanted = "die";
    assert_true(s_run_until(s_has_wanted, &events, DEADLINE_MS));
    int create = s_find(&events, "create"), start = s_find(&events, "start");
    int kill = s_find(&events, "kill"), die = s_find(&events, "die");
    assert_true(create >= 0 && start > create && kill > start && die > kill);
    assert_string_equal(events.seen[kill].name, name);
    assert_string_equal(events.seen[kill].signal, "9");
    assert_string_equal(events.seen[die].exit, "137");
    assert_true(events.seen[die].time >= events.seen[kill].time);
    assert_true(events.seen[kill].time > 1500000000ull * 1000000000ull);

    //  The die event's callback started the container again
    s_wait_reply(&events.restart);
    assert_int_equal(events.restart.status, 204);
    assert_true(s_running(docker, id));
    s_reply_free(&events.restart);

    hms_docker_events_stop(docker);
    assert_int_equal(hms_docker_pending(docker), 0);
    //  Nothing arrives once stopped
    int count = events.count;
    s_docker("kill", name);
    s_run_until(s_never, NULL, 200);
    assert_int_equal(events.count, count);
    hms_docker_destroy(&docker);
}

static void test_events_health(void **state)
{
    (void)state;
    hms_docker_t *docker = hms_docker_new(s_loop, NULL);
    assert_non_null(docker);
    events_t events = {0};
    const char *actions[] = {"health_status", NULL};
    assert_int_equal(hms_docker_events(docker, actions, s_on_event, s_on_state, &events), 0);
    assert_true(s_run_until(s_is_up, &events, DEADLINE_MS));
    char id[65];
    s_container(id, "--health-cmd false --health-interval 1s --health-retries 1", true);
    events.only_id = id;
    events.wanted = "health_status: unhealthy";
    assert_true(s_run_until(s_has_wanted, &events, DEADLINE_MS));
    //  The filter let nothing else through: no create, no start
    for (int i = 0; i < events.count; i++)
        assert_true(strncmp(events.seen[i].action, "health_status", 13) == 0);
    hms_docker_destroy(&docker);
}

//  A stream the fake engine breaks. First connection: two events cut across
//  chunks, a line that is not JSON, then the connection drops. Second: the
//  last event again (since= is inclusive), then a new one, then it holds.
#define FAKE_ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define FAKE_EVENT(action, nano)                                                                   \
    "{\"Type\":\"container\",\"Action\":\"" action "\",\"Actor\":{\"ID\":\"" FAKE_ID               \
    "\",\"Attributes\":{\"name\":\"fake\",\"hmsdk.label\":\"x\"}},\"time\":1700000000,"            \
    "\"timeNano\":" nano "}\n"

static const char *s_fake_events[] = {
    FAKE_EVENT("die", "1700000000123456789"), FAKE_EVENT("start", "1700000001000000001"),
    FAKE_EVENT("health_status: unhealthy", "1700000002000000002")};

static void s_serve_events(fake_t *fake, int fd, int index)
{
    (void)fake;
    s_send_text(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n");
    if (index == 0) {
        char stream[1024];
        snprintf(stream, sizeof stream, "%snot json\n%s", s_fake_events[0], s_fake_events[1]);
        size_t size = strlen(stream), first = 40, second = strlen(s_fake_events[0]) + 20;
        s_send_chunk(fd, stream, first);
        s_send_chunk(fd, stream + first, second - first);
        s_send_chunk(fd, stream + second, size - second);
        //  ... and the connection drops, mid-stream, as when the engine dies
    } else {
        s_send_chunk(fd, s_fake_events[1], strlen(s_fake_events[1]));
        s_send_chunk(fd, s_fake_events[2], strlen(s_fake_events[2]));
        s_hold(fd);
    }
}

static bool s_three_events_two_ups(void *arg)
{
    events_t *events = arg;
    return events->count >= 3 && events->ups >= 2;
}

static void test_events_reconnect(void **state)
{
    (void)state;
    fake_t fake;
    s_fake_start(&fake, 2, s_serve_events);
    hms_docker_t *docker = hms_docker_new(s_loop, fake.path);
    assert_non_null(docker);
    events_t events = {0};
    assert_int_equal(hms_docker_events(docker, NULL, s_on_event, s_on_state, &events), 0);
    assert_true(s_run_until(s_three_events_two_ups, &events, DEADLINE_MS));
    s_run_until(s_never, NULL, 50); //  room for a wrong fourth event
    hms_docker_destroy(&docker);
    s_fake_join(&fake);

    //  Each event once, in order, whole despite the chunking
    assert_int_equal(events.count, 3);
    assert_string_equal(events.seen[0].action, "die");
    assert_string_equal(events.seen[0].id, FAKE_ID);
    assert_string_equal(events.seen[0].name, "fake");
    assert_true(events.seen[0].time == 1700000000123456789ull);
    assert_string_equal(events.seen[1].action, "start");
    assert_true(events.seen[1].time == 1700000001000000001ull);
    assert_string_equal(events.seen[2].action, "health_status: unhealthy");
    //  up, down, up
    assert_int_equal(events.ups, 2);
    assert_int_equal(events.downs, 1);
    assert_non_null(strstr(events.error, "Docker engine request failed"));

    assert_int_equal(fake.served, 2);
    const char *filter = "GET /v1.41/events?filters=%7B%22type%22%3A%5B%22container%22%5D%2C"
                         "%22event%22%3A%5B%22die%22%2C%22stop%22%2C%22kill%22%2C%22oom%22%2C"
                         "%22start%22%2C%22destroy%22%2C%22health_status%22%2C%22restart%22%2C"
                         "%22create%22%2C%22update%22%2C%22exec_start%22%5D%7D";
    assert_true(strncmp(fake.request[0], filter, strlen(filter)) == 0);
    assert_null(strstr(fake.request[0], "since="));
    assert_true(strncmp(fake.request[1], filter, strlen(filter)) == 0);
    assert_non_null(strstr(fake.request[1], "&since=1700000001.000000001 HTTP/1.1\r\n"));
}

//  First connection: a body over 16 MiB. Second: an error with a message.
static void s_serve_errors(fake_t *fake, int fd, int index)
{
    (void)fake;
    if (index == 0) {
        s_send_text(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        "Content-Length: 17825792\r\n\r\n");
        static char block[65536];
        memset(block, ' ', sizeof block);
        for (int i = 0; i < 17825792 / (int)sizeof block; i++)
            if (send(fd, block, sizeof block, MSG_NOSIGNAL) < 0)
                break; //  the client gave up, as it should
    } else
        s_send_text(fd, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                        "Content-Length: 18\r\nConnection: close\r\n\r\n{\"message\":\"boom\"}");
}

static void test_fake_errors(void **state)
{
    (void)state;
    fake_t fake;
    s_fake_start(&fake, 2, s_serve_errors);
    hms_docker_t *docker = hms_docker_new(s_loop, fake.path);
    assert_non_null(docker);
    reply_t reply = {0};
    assert_int_equal(hms_docker_list(docker, true, NULL, s_on_reply, &reply), 0);
    s_wait_reply(&reply);
    assert_int_equal(reply.status, 0);
    assert_null(reply.json);
    assert_string_equal(reply.error, "Docker engine response larger than 16 MiB");
    s_reply_free(&reply);

    assert_int_equal(hms_docker_restart(docker, "hmsdk-x", 1, s_on_reply, &reply), 0);
    s_wait_reply(&reply);
    assert_int_equal(reply.status, 500);
    assert_string_equal(reply.error, "boom (HTTP 500)");
    assert_string_equal(json_string_value(json_object_get(reply.json, "message")), "boom");
    s_reply_free(&reply);
    hms_docker_destroy(&docker);
    s_fake_join(&fake);
    assert_non_null(strstr(fake.request[1], "POST /v1.41/containers/hmsdk-x/restart?t=1 HTTP/1.1"));
}

static void test_destroy_in_flight(void **state)
{
    (void)state;
    char id[65];
    s_container(id, "", true);
    reply_t replies[4] = {{0}};
    events_t events = {0};

    //  Destroyed before the loop ever ran: nothing was even sent
    hms_docker_t *docker = hms_docker_new(s_loop, NULL);
    assert_non_null(docker);
    assert_int_equal(hms_docker_inspect(docker, id, s_on_reply, &replies[0]), 0);
    assert_int_equal(hms_docker_list(docker, true, NULL, s_on_reply, &replies[1]), 0);
    assert_int_equal(hms_docker_events(docker, NULL, s_on_event, s_on_state, &events), 0);
    assert_int_equal(hms_docker_pending(docker), 2);
    hms_docker_destroy(&docker);
    assert_null(docker);
    hms_docker_destroy(&docker); //  safe on NULL

    //  Destroyed mid-way: a restart (a second or so in Docker) and the
    //  stream are connected, an inspect and a list just queued
    docker = hms_docker_new(s_loop, NULL);
    assert_non_null(docker);
    assert_int_equal(hms_docker_restart(docker, id, 1, s_on_reply, &replies[2]), 0);
    assert_int_equal(hms_docker_events(docker, NULL, s_on_event, s_on_state, &events), 0);
    assert_true(s_run_until(s_is_up, &events, DEADLINE_MS));
    assert_int_equal(hms_docker_inspect(docker, id, s_on_reply, &replies[0]), 0);
    assert_int_equal(hms_docker_list(docker, true, NULL, s_on_reply, &replies[3]), 0);
    assert_int_equal(hms_docker_pending(docker), 3);
    hms_docker_destroy(&docker);

    //  Nothing of it is left in the loop: no callback, no stray poller or
    //  timer touching freed memory (ASan would tell)
    s_run_until(s_never, NULL, 300);
    for (int i = 0; i < 4; i++)
        assert_int_equal(replies[i].calls, 0);
    assert_int_equal(events.ups, 1);
    assert_int_equal(events.downs, 0);
}

//  --------------------------------------------------------------------------

//  Docker must be there: without it every test fails, loudly.
static int s_setup(void **state)
{
    (void)state;
    hms_log_init("test_docker", HMS_LOG_WARNING, false);
    s_loop = zloop_new();
    if (!s_loop)
        return -1;
    hms_docker_t *docker = hms_docker_new(s_loop, NULL);
    reply_t reply = {0};
    if (!docker || hms_docker_list(docker, false, NULL, s_on_reply, &reply) != 0)
        return -1;
    wait_t wait = {s_replied, &reply, zclock_mono() + DEADLINE_MS};
    int timer_id = zloop_timer(s_loop, 5, 0, s_wait_tick, &wait);
    zloop_start(s_loop);
    zloop_timer_end(s_loop, timer_id);
    hms_docker_destroy(&docker);
    bool reachable = reply.calls == 1 && reply.status == 200;
    if (!reachable)
        fprintf(stderr, "FATAL: the Docker engine is required and not reachable: %s\n",
                reply.error ? reply.error : "no answer");
    s_reply_free(&reply);
    if (reachable && system("docker image inspect " IMAGE " >/dev/null") != 0) {
        fprintf(stderr, "FATAL: image %s is missing\n", IMAGE);
        reachable = false;
    }
    return reachable ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < s_name_count; i++) {
        char command[128];
        snprintf(command, sizeof command, "docker rm -f %.63s >/dev/null 2>&1", s_names[i]);
        if (system(command) != 0)
            fprintf(stderr, "could not remove %s\n", s_names[i]);
    }
    zloop_destroy(&s_loop);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_inspect),
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_invalid_id),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_events_kill),
        cmocka_unit_test(test_events_health),
        cmocka_unit_test(test_events_reconnect),
        cmocka_unit_test(test_fake_errors),
        cmocka_unit_test(test_destroy_in_flight),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
