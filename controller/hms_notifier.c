/*  hms_notifier: the controller's notifications of alerts. */

#include "hms_notifier.h"

#include "hms_alertmanager.h"
#include "hms_httpclient.h"
#include "hms_log.h"

#include <czmq.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define S_RECEIVERS_MAX 16
#define S_URL_MAX       1024
#define S_TICK_MS       100   //  how often the queue is looked at
#define S_BACKOFF_MIN   500   //  ms before the first retry
#define S_BACKOFF_MAX   30000 //  ms between retries at most

typedef struct {
    char url[S_URL_MAX + 32]; //  where bodies are posted
    bool alertmanager;        //  its API v2; else a webhook
} s_receiver_t;

struct _hms_notifier_t {
    zactor_t *actor;
    size_t receivers;
};

//  The thread's state.
typedef struct {
    zsock_t *pipe;
    sqlite3 *db;
    CURL *curl;
    s_receiver_t receivers[S_RECEIVERS_MAX];
    size_t count;
    char external_url[S_URL_MAX + 1];
    uint64_t delivered, failures, dropped;
} s_sender_t;

static const char *const s_schema[] = {
    "PRAGMA journal_mode = WAL",
    "CREATE TABLE IF NOT EXISTS hms_deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "receiver TEXT NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, "
    "next_ms INTEGER NOT NULL)",
    NULL};

//  Adds the receivers of a comma-separated list. Returns 0, or -1 with why.
static int s_parse(const char *list, bool alertmanager, s_receiver_t *receivers, size_t *count,
                   char *error, size_t size)
{
    char *copy = strdup(list ? list : "");
    char *saveptr = NULL;
    int rc = copy ? 0 : -1;
    for (char *url = copy ? strtok_r(copy, ",", &saveptr) : NULL; url && rc == 0;
         url = strtok_r(NULL, ",", &saveptr)) {
        size_t length = strlen(url);
        bool scheme = strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
        if (!scheme || length > S_URL_MAX || strpbrk(url, " \t\r\n\"<>")) {
            snprintf(error, size, "%.100s: an http:// or https:// URL of at most %d bytes", url,
                     S_URL_MAX);
            rc = -1;
        } else if (*count == S_RECEIVERS_MAX) {
            snprintf(error, size, "at most %d receivers", S_RECEIVERS_MAX);
            rc = -1;
        } else {
            s_receiver_t *receiver = &receivers[(*count)++];
            while (alertmanager && length > 0 && url[length - 1] == '/')
                url[--length] = '\0';
            snprintf(receiver->url, sizeof receiver->url, "%s%s", url,
                     alertmanager ? "/api/v2/alerts" : "");
            receiver->alertmanager = alertmanager;
        }
    }
    free(copy);
    return rc;
}

//  Opens the queue and forgets deliveries to receivers no longer
//  configured. Returns 0, or -1 with why.
static int s_open(s_sender_t *sender, const char *path, char *error, size_t size)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(*path ? path : ":memory:", &sender->db, flags, NULL) != SQLITE_OK) {
        snprintf(error, size, "%s: %s", path, sqlite3_errmsg(sender->db));
        return -1;
    }
    sqlite3_busy_timeout(sender->db, 2000);
    for (int i = 0; s_schema[i]; i++)
        if (sqlite3_exec(sender->db, s_schema[i], NULL, NULL, NULL) != SQLITE_OK) {
            snprintf(error, size, "%s: %s", path, sqlite3_errmsg(sender->db));
            return -1;
        }
    sqlite3_stmt *rows = NULL, *forget = NULL;
    sqlite3_prepare_v2(sender->db, "SELECT DISTINCT receiver FROM hms_deliveries", -1, &rows, NULL);
    sqlite3_prepare_v2(sender->db, "DELETE FROM hms_deliveries WHERE receiver = ?", -1, &forget,
                       NULL);
    while (rows && forget && sqlite3_step(rows) == SQLITE_ROW) {
        const char *url = (const char *)sqlite3_column_text(rows, 0);
        bool known = false;
        for (size_t r = 0; r < sender->count; r++)
            known |= url && strcmp(url, sender->receivers[r].url) == 0;
        if (!known) {
            sqlite3_bind_text(forget, 1, url, -1, SQLITE_TRANSIENT);
            sqlite3_step(forget);
            sqlite3_reset(forget);
            hms_notice("notifications: deliveries to %s forgotten: no longer a receiver", url);
        }
    }
    sqlite3_finalize(rows);
    sqlite3_finalize(forget);
    return 0;
}

//  Queues body for receiver, dropping the oldest deliveries past the cap.
static void s_queue(s_sender_t *sender, const s_receiver_t *receiver, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    sqlite3_stmt *insert = NULL;
    if (!text || sqlite3_prepare_v2(sender->db,
                                    "INSERT INTO hms_deliveries (receiver, body, next_ms) "
                                    "VALUES (?, ?, 0)",
                                    -1, &insert, NULL) != SQLITE_OK) {
        free(text);
        sender->dropped++;
        return;
    }
    sqlite3_bind_text(insert, 1, receiver->url, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 2, text, -1, SQLITE_STATIC);
    if (sqlite3_step(insert) != SQLITE_DONE) {
        hms_warning("notifications: cannot queue: %s", sqlite3_errmsg(sender->db));
        sender->dropped++;
    }
    sqlite3_finalize(insert);
    free(text);
    //  The oldest go first past the cap.
    char sql[200];
    snprintf(sql, sizeof sql,
             "DELETE FROM hms_deliveries WHERE id IN (SELECT id FROM hms_deliveries ORDER BY id "
             "DESC LIMIT -1 OFFSET %d)",
             HMS_NOTIFY_QUEUE_MAX);
    if (sqlite3_exec(sender->db, sql, NULL, NULL, NULL) == SQLITE_OK)
        sender->dropped += (uint64_t)sqlite3_changes(sender->db);
}

static void s_on_alert(s_sender_t *sender, const hms_alert_t *alert, bool changed)
{
    bool firing = alert->state == HMS_ALERT_FIRING;
    if (!firing && alert->state != HMS_ALERT_RESOLVED)
        return; //  pending, or pending that ended: not notified
    for (size_t r = 0; r < sender->count; r++) {
        const s_receiver_t *receiver = &sender->receivers[r];
        if (receiver->alertmanager)
            s_queue(sender, receiver, json_pack("[o]", hms_am_alert(alert, sender->external_url)));
        else if (changed)
            s_queue(sender, receiver, hms_am_webhook(alert, "hms", sender->external_url));
    }
}

//  Posts body to receiver. Returns true when it answered 2xx.
static bool s_post(s_sender_t *sender, const s_receiver_t *receiver, const char *body)
{
    hms_httpclient_answer_t answer;
    int rc = hms_httpclient_post(sender->curl, receiver->url, "application/json", body,
                                 strlen(body), 3000L, 0, &answer);
    if (rc != 0)
        hms_info("notifications: %s: %s", receiver->url, answer.error);
    hms_httpclient_answer_free(&answer);
    return rc == 0;
}

static const s_receiver_t *s_receiver(const s_sender_t *sender, const char *url, size_t *index)
{
    for (size_t r = 0; url && r < sender->count; r++)
        if (strcmp(url, sender->receivers[r].url) == 0) {
            *index = r;
            return &sender->receivers[r];
        }
    return NULL;
}

//  Sends what is due, oldest first; a receiver whose oldest delivery is not
//  due, or fails, gets nothing more in this pass.
static int s_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_sender_t *sender = arg;
    sqlite3_stmt *rows = NULL, *done = NULL, *retry = NULL;
    sqlite3_prepare_v2(sender->db,
                       "SELECT id, receiver, body, attempts, next_ms FROM hms_deliveries ORDER BY "
                       "id LIMIT 256",
                       -1, &rows, NULL);
    sqlite3_prepare_v2(sender->db, "DELETE FROM hms_deliveries WHERE id = ?", -1, &done, NULL);
    sqlite3_prepare_v2(sender->db,
                       "UPDATE hms_deliveries SET attempts = ?, next_ms = ? WHERE id = ?", -1,
                       &retry, NULL);
    bool blocked[S_RECEIVERS_MAX] = {false};
    uint64_t now = (uint64_t)zclock_time();
    while (rows && done && retry && sqlite3_step(rows) == SQLITE_ROW) {
        size_t r;
        const s_receiver_t *receiver =
            s_receiver(sender, (const char *)sqlite3_column_text(rows, 1), &r);
        if (!receiver || blocked[r])
            continue;
        int64_t id = sqlite3_column_int64(rows, 0);
        int attempts = sqlite3_column_int(rows, 3);
        if ((uint64_t)sqlite3_column_int64(rows, 4) > now) {
            blocked[r] = true;
            continue;
        }
        if (s_post(sender, receiver, (const char *)sqlite3_column_text(rows, 2))) {
            sqlite3_bind_int64(done, 1, id);
            sqlite3_step(done);
            sqlite3_reset(done);
            sender->delivered++;
            continue;
        }
        sender->failures++;
        blocked[r] = true;
        uint64_t backoff = S_BACKOFF_MIN << (attempts < 6 ? attempts : 6);
        sqlite3_bind_int(retry, 1, attempts + 1);
        sqlite3_bind_int64(retry, 2,
                           (int64_t)(now + (backoff < S_BACKOFF_MAX ? backoff : S_BACKOFF_MAX)));
        sqlite3_bind_int64(retry, 3, id);
        sqlite3_step(retry);
        sqlite3_reset(retry);
    }
    sqlite3_finalize(rows);
    sqlite3_finalize(done);
    sqlite3_finalize(retry);
    return 0;
}

static uint64_t s_queued(s_sender_t *sender)
{
    sqlite3_stmt *count = NULL;
    uint64_t queued = 0;
    if (sqlite3_prepare_v2(sender->db, "SELECT count(*) FROM hms_deliveries", -1, &count, NULL) ==
            SQLITE_OK &&
        sqlite3_step(count) == SQLITE_ROW)
        queued = (uint64_t)sqlite3_column_int64(count, 0);
    sqlite3_finalize(count);
    return queued;
}

//  Pipe: "$TERM"; "ALERT" alert changed; "TEST" address; "STATS" (answered).
static int s_pipe_reader(zloop_t *loop, zsock_t *pipe, void *arg)
{
    (void)loop;
    s_sender_t *sender = arg;
    zmsg_t *msg = zmsg_recv(pipe);
    char *command = msg ? zmsg_popstr(msg) : NULL;
    int rc = 0;
    if (!command || streq(command, "$TERM"))
        rc = -1;
    else if (streq(command, "ALERT")) {
        zframe_t *alert = zmsg_pop(msg);
        char *changed = zmsg_popstr(msg);
        if (alert && zframe_size(alert) == sizeof(hms_alert_t) && changed)
            s_on_alert(sender, (const hms_alert_t *)zframe_data(alert), streq(changed, "1"));
        zframe_destroy(&alert);
        zstr_free(&changed);
    } else if (streq(command, "STATS"))
        zsock_send(pipe, "8888", s_queued(sender), sender->delivered, sender->failures,
                   sender->dropped);
    free(command);
    zmsg_destroy(&msg);
    return rc;
}

//  The thread: sends what the queue holds until $TERM, then closes the
//  queue (the sender is its own from then on).
static void s_actor(zsock_t *pipe, void *arg)
{
    s_sender_t *sender = arg;
    sender->pipe = pipe;
    zsock_signal(pipe, 0);
    zloop_t *loop = zloop_new();
    if (loop) {
        zloop_reader(loop, pipe, s_pipe_reader, sender);
        zloop_timer(loop, S_TICK_MS, 0, s_tick, sender);
        zloop_start(loop);
    }
    zloop_destroy(&loop);
    sqlite3_close(sender->db);
    curl_easy_cleanup(sender->curl);
    free(sender);
}

hms_notifier_t *hms_notifier_new(const hms_notifier_config_t *config, char *error, size_t size)
{
    *error = '\0';
    s_sender_t *sender = calloc(1, sizeof *sender);
    hms_notifier_t *self = calloc(1, sizeof *self);
    if (!sender || !self) {
        snprintf(error, size, "out of memory");
        free(sender);
        free(self);
        return NULL;
    }
    int rc = s_parse(config->webhooks, false, sender->receivers, &sender->count, error, size);
    if (rc == 0)
        rc = s_parse(config->alertmanagers, true, sender->receivers, &sender->count, error, size);
    if (rc == 0 && sender->count > 0) {
        snprintf(sender->external_url, sizeof sender->external_url, "%s", config->external_url);
        sender->curl = curl_easy_init();
        if (!sender->curl)
            snprintf(error, size, "cannot start libcurl");
        rc = sender->curl ? s_open(sender, config->queue, error, size) : -1;
    }
    if (rc != 0 || sender->count == 0 || !(self->actor = zactor_new(s_actor, sender))) {
        if (rc == 0 && sender->count > 0)
            snprintf(error, size, "cannot start the notifications' thread");
        sqlite3_close(sender->db);
        if (sender->curl)
            curl_easy_cleanup(sender->curl);
        free(sender);
        free(self);
        return NULL;
    }
    self->receivers = sender->count;
    return self;
}

void hms_notifier_destroy(hms_notifier_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zactor_destroy(&(*self_p)->actor);
    free(*self_p);
    *self_p = NULL;
}

void hms_notifier_alert(hms_notifier_t *self, const hms_alert_t *alert, bool changed)
{
    zmsg_t *msg = zmsg_new();
    zmsg_addstr(msg, "ALERT");
    zmsg_addmem(msg, alert, sizeof *alert);
    zmsg_addstr(msg, changed ? "1" : "0");
    zmsg_send(&msg, self->actor);
}

size_t hms_notifier_test(hms_notifier_t *self, const char *address)
{
    uint64_t now = (uint64_t)zclock_time();
    hms_alert_t alert = {.state = HMS_ALERT_FIRING,
                         .severity = HMS_SEVERITY_INFO,
                         .value = 1,
                         .threshold = 0,
                         .since_ms = now,
                         .ts_ms = now};
    snprintf(alert.address, sizeof alert.address, "%s", address);
    snprintf(alert.rule, sizeof alert.rule, "hms_test");
    snprintf(alert.metric, sizeof alert.metric, "test");
    snprintf(alert.summary, sizeof alert.summary,
             "a test of the notifications (POST /alerts/test)");
    hms_notifier_alert(self, &alert, true);
    alert.state = HMS_ALERT_RESOLVED;
    hms_notifier_alert(self, &alert, true);
    return self->receivers;
}

json_t *hms_notifier_stats(hms_notifier_t *self)
{
    uint64_t queued = 0, delivered = 0, failures = 0, dropped = 0;
    if (zstr_send(self->actor, "STATS") != 0 ||
        zsock_recv(self->actor, "8888", &queued, &delivered, &failures, &dropped) != 0)
        return NULL;
    return json_pack("{s:I, s:I, s:I, s:I, s:I}", "receivers", (json_int_t)self->receivers,
                     "queued", (json_int_t)queued, "delivered", (json_int_t)delivered, "failures",
                     (json_int_t)failures, "dropped", (json_int_t)dropped);
}
