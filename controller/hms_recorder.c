/*  hms_recorder: the thread that writes the metrics history.  */

#include "hms_recorder.h"

#include "hms_history.h"
#include "hms_log.h"

#include <czmq.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define S_FLUSH_MS 1000  //  a batch a second
#define S_PRUNE_MS 60000 //  retention and size cap once a minute

struct _hms_recorder_t {
    zactor_t *actor;
    uint64_t dropped;
};

typedef struct {
    zsock_t *pipe;
    hms_history_t *history;
} s_writer_t;

static int s_flush_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_writer_t *writer = arg;
    hms_history_flush(writer->history);
    return 0;
}

static int s_prune_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_writer_t *writer = arg;
    hms_history_flush(writer->history);
    hms_history_prune(writer->history, (uint64_t)zclock_time());
    return 0;
}

//  Pipe: "$TERM"; a metrics message: "METRICS", host, t_ms, interval_ms,
//  entries; an alert: "ALERT", "", 0, 0, the hms_alert_t; or an event:
//  "EVENT", "", 0, 0, the hms_event_t.
static int s_pipe_reader(zloop_t *loop, zsock_t *pipe, void *arg)
{
    (void)loop;
    s_writer_t *writer = arg;
    char *command = NULL, *host = NULL;
    uint64_t t_ms = 0, interval_ms = 0;
    zchunk_t *entries = NULL;
    if (zsock_recv(pipe, "ss88c", &command, &host, &t_ms, &interval_ms, &entries) != 0)
        return -1;
    int rc = 0;
    if (streq(command, "$TERM"))
        rc = -1;
    else if (streq(command, "ALERT") && entries && zchunk_size(entries) == sizeof(hms_alert_t))
        hms_history_alert(writer->history, (const hms_alert_t *)zchunk_data(entries));
    else if (streq(command, "EVENT") && entries && zchunk_size(entries) == sizeof(hms_event_t))
        hms_history_event(writer->history, (const hms_event_t *)zchunk_data(entries));
    else if (streq(command, "METRICS") && entries &&
             zchunk_size(entries) % sizeof(hms_metrics_entry_t) == 0) {
        hms_metrics_report_t report = {0, t_ms, interval_ms,
                                       (hms_metrics_entry_t *)zchunk_data(entries),
                                       zchunk_size(entries) / sizeof(hms_metrics_entry_t)};
        hms_history_add(writer->history, host, &report);
    }
    zstr_free(&command);
    zstr_free(&host);
    zchunk_destroy(&entries);
    return rc;
}

static void s_actor(zsock_t *pipe, void *arg)
{
    s_writer_t writer = {pipe, arg};
    zloop_t *loop = zloop_new();
    zsock_signal(pipe, 0);
    if (loop) {
        zloop_reader(loop, pipe, s_pipe_reader, &writer);
        zloop_timer(loop, S_FLUSH_MS, 0, s_flush_timer, &writer);
        zloop_timer(loop, S_PRUNE_MS, 0, s_prune_timer, &writer);
        zloop_start(loop);
    }
    zloop_destroy(&loop);
    hms_history_close(&writer.history); //  writes what is queued
}

hms_recorder_t *hms_recorder_new(const char *path, uint64_t size_cap)
{
    char error[512];
    hms_history_t *history = hms_history_open(path, size_cap, error, sizeof error);
    if (!history) {
        hms_error("history: %s", error);
        return NULL;
    }
    //  Retention at once: a controller that was down a week starts trim.
    hms_history_prune(history, (uint64_t)zclock_time());
    hms_recorder_t *self = calloc(1, sizeof *self);
    if (self)
        self->actor = zactor_new(s_actor, history);
    if (!self || !self->actor) {
        hms_error("history: cannot start its writer");
        hms_history_close(&history);
        free(self);
        return NULL;
    }
    //  Never wait: past the pipe's high-water mark (1,000 messages), drop.
    zsock_set_sndtimeo(self->actor, 0);
    hms_notice("history in %s (%" PRIu64 " MB at most)", path, size_cap >> 20);
    return self;
}

void hms_recorder_destroy(hms_recorder_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zactor_destroy(&(*self_p)->actor);
    free(*self_p);
    *self_p = NULL;
}

void hms_recorder_record(hms_recorder_t *self, const char *host, const hms_metrics_report_t *report)
{
    if (report->count == 0)
        return;
    zchunk_t *entries = zchunk_new(report->entries, report->count * sizeof *report->entries);
    if (!entries || zsock_send(self->actor, "ss88c", "METRICS", host, report->t_ms,
                               report->interval_ms, entries) != 0)
        self->dropped++;
    zchunk_destroy(&entries);
}

void hms_recorder_alert(hms_recorder_t *self, const hms_alert_t *alert)
{
    zchunk_t *chunk = zchunk_new(alert, sizeof *alert);
    if (!chunk || zsock_send(self->actor, "ss88c", "ALERT", "", (uint64_t)0, (uint64_t)0, chunk))
        self->dropped++;
    zchunk_destroy(&chunk);
}

void hms_recorder_event(hms_recorder_t *self, const hms_event_t *event)
{
    zchunk_t *chunk = zchunk_new(event, sizeof *event);
    if (!chunk || zsock_send(self->actor, "ss88c", "EVENT", "", (uint64_t)0, (uint64_t)0, chunk))
        self->dropped++;
    zchunk_destroy(&chunk);
}

uint64_t hms_recorder_dropped(hms_recorder_t *self)
{
    return self->dropped;
}
