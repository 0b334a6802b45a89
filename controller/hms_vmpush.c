/*  hms_vmpush: the controller's metrics, pushed to VictoriaMetrics.  */

#include "hms_vmpush.h"

#include "hms_curlloop.h"
#include "hms_httpclient.h"
#include "hms_log.h"
#include "hms_vmtext.h"

#include <czmq.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define S_URL_MAX        1024
#define S_TICK_MS        100   //  how often the queue is looked at
#define S_BACKOFF_MIN_MS 500   //  before the first retry
#define S_HOLD_MS        15000 //  a message waits this long at most for its host's table

struct _hms_vmpush_t {
    zactor_t *actor;
    char url[S_URL_MAX + 1]; //  VictoriaMetrics' base URL
    uint64_t queue_max;      //  samples
    //  Written by the actor (dropped also by the loop), read by anyone.
    atomic_uint_fast64_t queued, pushed, posts, failures, rejected, dropped, last_push_ms;
    atomic_uint_fast64_t pipe_drops; //  messages the pipe refused (logged once)
    atomic_bool up;
};

//  One metrics message waiting to be pushed.
typedef struct s_node_t {
    struct s_node_t *next;
    char *host;                         //  as followed
    hms_content_block_t *content;       //  its table then (referenced); NULL: not known
    zchunk_t *entries;                  //  hms_metrics_entry_t array
    const hms_container_t **containers; //  each entry's in content, or NULL
    size_t count;                       //  entries
    uint64_t t_ms;                      //  the message's time
    uint64_t samples;                   //  lines it makes
    int64_t since;                      //  monotonic ms it was queued
} s_node_t;

//  The actor's state.
typedef struct {
    hms_vmpush_t *shared;
    char import_url[S_URL_MAX + 64];
    CURL *curl;                //  the POST, one at a time
    hms_curlloop_t *curl_loop; //  runs it in the actor's loop: the pipe is read meanwhile
    hms_httpclient_t request;  //  its state while it runs
    s_node_t *head, *tail;
    uint64_t queued;           //  samples of the nodes
    size_t inflight;           //  the first nodes, being posted (0: no POST runs)
    uint64_t inflight_samples; //  their samples
    s_node_t *inflight_last;   //  the last of them
    hms_vmtext_t text;         //  the body being posted
    int attempts;              //  failed POSTs in a row
    int64_t retry_at;          //  monotonic ms: no POST before
    bool failing;              //  the last POST failed (logged once per outage)
    bool dropping;             //  the queue is full (logged once per episode)
    size_t unresolved;         //  queued messages whose host's table was not known yet
    bool draining;             //  at exit: nothing is held
} s_pusher_t;

static void s_node_destroy(s_node_t **node_p)
{
    s_node_t *node = *node_p;
    if (!node)
        return;
    free(node->host);
    hms_content_block_release(&node->content);
    zchunk_destroy(&node->entries);
    free(node->containers);
    free(node);
    *node_p = NULL;
}

//  The entry of id in content, or NULL.
static const hms_container_t *s_find(const hms_content_block_t *content, const char *id)
{
    for (size_t c = 0; content && c < content->count; c++)
        if (strcmp(content->containers[c].id, id) == 0)
            return &content->containers[c];
    return NULL;
}

//  A node for a message (host and entries taken over, content's reference
//  too), or NULL (everything freed).
static s_node_t *s_node_new(char *host, hms_content_block_t *content, zchunk_t *entries,
                            uint64_t t_ms)
{
    s_node_t *node = calloc(1, sizeof *node);
    size_t count = entries ? zchunk_size(entries) / sizeof(hms_metrics_entry_t) : 0;
    if (node) {
        *node = (s_node_t){
            NULL,  host, content, entries,      calloc(count ? count : 1, sizeof(void *)),
            count, t_ms, 0,       zclock_mono()};
        host = NULL, content = NULL, entries = NULL;
    }
    if (!node || !node->containers || !node->host || node->count == 0) {
        free(host);
        hms_content_block_release(&content);
        zchunk_destroy(&entries);
        s_node_destroy(&node);
        return NULL;
    }
    const hms_metrics_entry_t *entry = (const hms_metrics_entry_t *)zchunk_data(node->entries);
    for (size_t i = 0; i < node->count; i++) {
        node->containers[i] = s_find(node->content, entry[i].id);
        node->samples += hms_vmtext_samples(node->containers[i], &entry[i]);
    }
    return node;
}

//  Names node's containers from content (referenced), and counts again.
static void s_resolve(s_pusher_t *pusher, s_node_t *node, hms_content_block_t *content)
{
    const hms_metrics_entry_t *entry = (const hms_metrics_entry_t *)zchunk_data(node->entries);
    node->content = hms_content_block_ref(content);
    pusher->queued -= node->samples;
    node->samples = 0;
    for (size_t i = 0; i < node->count; i++) {
        node->containers[i] = s_find(node->content, entry[i].id);
        node->samples += hms_vmtext_samples(node->containers[i], &entry[i]);
    }
    pusher->queued += node->samples;
    pusher->unresolved--;
}

//  A node leaves the queue.
static void s_node_gone(s_pusher_t *pusher, s_node_t **node_p)
{
    pusher->unresolved -= (*node_p)->content == NULL;
    s_node_destroy(node_p);
}

//  Queues node; past the bound, the oldest nodes go, counted. A message
//  that came before its host's table (a controller just started) waits for
//  the next one of that host, which names its containers: pushed without
//  names, they would make series of their own.
static void s_enqueue(s_pusher_t *pusher, s_node_t *node)
{
    for (s_node_t *old = pusher->head; node->content && pusher->unresolved && old; old = old->next)
        if (!old->content && strcmp(old->host, node->host) == 0)
            s_resolve(pusher, old, node->content);
    pusher->unresolved += node->content == NULL;
    if (pusher->tail)
        pusher->tail->next = node;
    else
        pusher->head = node;
    pusher->tail = node;
    pusher->queued += node->samples;
    uint64_t dropped = 0;
    //  The oldest not being posted.
    s_node_t **link = pusher->inflight ? &pusher->inflight_last->next : &pusher->head;
    while (pusher->queued > pusher->shared->queue_max && *link) {
        s_node_t *old = *link;
        *link = old->next;
        if (pusher->tail == old)
            pusher->tail = pusher->inflight ? pusher->inflight_last : NULL;
        pusher->queued -= old->samples;
        dropped += old->samples;
        s_node_gone(pusher, &old);
    }
    if (dropped && !pusher->dropping)
        hms_warning("victoriametrics: the queue is full (%" PRIu64 " samples): dropping the oldest",
                    pusher->shared->queue_max);
    pusher->dropping = dropped > 0;
    atomic_fetch_add(&pusher->shared->dropped, dropped);
    atomic_store(&pusher->shared->queued, pusher->queued);
}

//  Formats the oldest messages, HMS_VMPUSH_BATCH samples or about, into
//  the body. Returns the nodes taken (0: none, or out of memory) and their
//  samples into *samples.
static size_t s_format(s_pusher_t *pusher, uint64_t *samples)
{
    hms_vmtext_reset(&pusher->text);
    size_t nodes = 0;
    *samples = 0;
    int64_t now = zclock_mono();
    for (s_node_t *node = pusher->head;
         node && (nodes == 0 || *samples + node->samples <= HMS_VMPUSH_BATCH); node = node->next) {
        if (!node->content && !pusher->draining && now - node->since < S_HOLD_MS)
            break; //  waits for its host's table (s_enqueue)
        const hms_metrics_entry_t *entry = (const hms_metrics_entry_t *)zchunk_data(node->entries);
        for (size_t i = 0; i < node->count; i++)
            if (hms_vmtext_entry(&pusher->text, node->host, node->containers[i], &entry[i],
                                 node->t_ms) < 0) {
                hms_error("victoriametrics: out of memory");
                return 0;
            }
        nodes++;
        *samples += node->samples;
        pusher->inflight_last = node;
    }
    return nodes;
}

//  The first nodes, pushed or refused, leave the queue.
static void s_pop(s_pusher_t *pusher, size_t nodes, uint64_t samples)
{
    while (nodes-- && pusher->head) {
        s_node_t *node = pusher->head;
        pusher->head = node->next;
        s_node_gone(pusher, &node);
    }
    if (!pusher->head)
        pusher->tail = NULL;
    pusher->queued -= samples;
    atomic_store(&pusher->shared->queued, pusher->queued);
}

//  After a POST that failed: when to try again, and the log once.
static void s_failed(s_pusher_t *pusher, const char *why)
{
    hms_vmpush_t *shared = pusher->shared;
    atomic_fetch_add(&shared->failures, 1);
    atomic_store(&shared->up, false);
    if (!pusher->failing)
        hms_notice("victoriametrics: %s: %s; the samples stay queued (%" PRIu64
                   ") and are tried again",
                   pusher->import_url, why, pusher->queued);
    pusher->failing = true;
    int shift = pusher->attempts < 10 ? pusher->attempts : 10;
    int64_t backoff = (int64_t)S_BACKOFF_MIN_MS << shift;
    pusher->attempts++;
    pusher->retry_at =
        zclock_mono() + (backoff < HMS_VMPUSH_BACKOFF_MAX_MS ? backoff : HMS_VMPUSH_BACKOFF_MAX_MS);
}

//  What a POST of the first nodes (samples) got: rc 0 (accepted) or -1.
//  Returns 1 when the queue moved on (accepted, or refused for good), 0
//  when the POST failed (kept, retried later).
static int s_result(s_pusher_t *pusher, size_t nodes, uint64_t samples, int rc,
                    hms_httpclient_answer_t *answer)
{
    hms_vmpush_t *shared = pusher->shared;
    long status = answer->status;
    //  A 4xx but timeout and throttling is about this body: sending it again won't help.
    bool refused = rc != 0 && status >= 400 && status < 500 && status != 408 && status != 429;
    if (rc == 0) {
        s_pop(pusher, nodes, samples);
        atomic_fetch_add(&shared->pushed, samples);
        atomic_fetch_add(&shared->posts, 1);
        atomic_store(&shared->last_push_ms, (uint64_t)zclock_time());
        atomic_store(&shared->up, true);
        if (pusher->failing)
            hms_notice("victoriametrics: %s answers again (%" PRIu64 " samples queued)",
                       pusher->import_url, pusher->queued);
        pusher->failing = false;
        pusher->attempts = 0;
    } else if (refused) {
        s_pop(pusher, nodes, samples);
        atomic_fetch_add(&shared->rejected, samples);
        hms_warning("victoriametrics: %s refused %" PRIu64 " samples: %s", pusher->import_url,
                    samples, answer->error);
    } else
        s_failed(pusher, answer->error);
    hms_httpclient_answer_free(answer);
    return rc == 0 || refused ? 1 : 0;
}

//  One POST of the oldest messages, waiting timeout_ms at most (at exit,
//  when the loop is gone). Returns s_result's, or -1 with nothing to send.
static int s_push(s_pusher_t *pusher, long timeout_ms)
{
    uint64_t samples;
    size_t nodes = s_format(pusher, &samples);
    if (nodes == 0)
        return -1;
    hms_httpclient_answer_t answer;
    int rc = hms_httpclient_post(pusher->curl, pusher->import_url, "text/plain", pusher->text.data,
                                 pusher->text.size, timeout_ms, 0, &answer);
    return s_result(pusher, nodes, samples, rc, &answer);
}

//  A POST is due: a batch is full or the oldest sample has waited
//  HMS_VMPUSH_FLUSH_MS, none runs, and no retry waits.
static bool s_due(const s_pusher_t *pusher, int64_t now)
{
    return pusher->head && !pusher->inflight && now >= pusher->retry_at &&
           (pusher->queued >= HMS_VMPUSH_BATCH || now - pusher->head->since >= HMS_VMPUSH_FLUSH_MS);
}

//  Starts the POST of the oldest messages in the loop (hms_curlloop).
static void s_start(s_pusher_t *pusher)
{
    uint64_t samples;
    size_t nodes = s_format(pusher, &samples);
    if (nodes == 0)
        return;
    CURLM *multi = hms_curlloop_multi(pusher->curl_loop);
    if (hms_httpclient_prepare_post(&pusher->request, pusher->curl, pusher->import_url,
                                    "text/plain", pusher->text.data, pusher->text.size,
                                    HMS_VMPUSH_TIMEOUT_MS, 0) != 0 ||
        curl_multi_add_handle(multi, pusher->curl) != CURLM_OK) {
        hms_httpclient_answer_t answer;
        hms_httpclient_finish(&pusher->request, pusher->curl, CURLE_OUT_OF_MEMORY, &answer);
        s_result(pusher, nodes, samples, -1, &answer);
        return;
    }
    pusher->inflight = nodes;
    pusher->inflight_samples = samples;
}

//  After curl acted: the POST's end, and the next one when a backlog waits.
static void s_after(void *arg)
{
    s_pusher_t *pusher = arg;
    CURLM *multi = hms_curlloop_multi(pusher->curl_loop);
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(multi, &left)))
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == pusher->curl) {
            CURLcode code = msg->data.result; //  msg dies with the removal: copy first
            curl_multi_remove_handle(multi, pusher->curl);
            hms_httpclient_answer_t answer;
            int rc = hms_httpclient_finish(&pusher->request, pusher->curl, code, &answer);
            size_t nodes = pusher->inflight;
            pusher->inflight = 0;
            s_result(pusher, nodes, pusher->inflight_samples, rc, &answer);
        }
    if (s_due(pusher, zclock_mono()))
        s_start(pusher);
}

//  Every S_TICK_MS: starts a POST when one is due.
static int s_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_pusher_t *pusher = arg;
    if (s_due(pusher, zclock_mono()))
        s_start(pusher);
    return 0;
}

//  Pipe: "$TERM", or "METRICS", host, t_ms, the entries, the table (a
//  referenced hms_content_block_t or NULL).
static int s_pipe_reader(zloop_t *loop, zsock_t *pipe, void *arg)
{
    (void)loop;
    s_pusher_t *pusher = arg;
    char *command = NULL, *host = NULL;
    uint64_t t_ms = 0;
    zchunk_t *entries = NULL;
    void *content = NULL;
    if (zsock_recv(pipe, "ss8cp", &command, &host, &t_ms, &entries, &content) != 0)
        return -1;
    int rc = 0;
    if (streq(command, "METRICS") && entries &&
        zchunk_size(entries) % sizeof(hms_metrics_entry_t) == 0) {
        s_node_t *node = s_node_new(host, content, entries, t_ms);
        host = NULL, content = NULL, entries = NULL;
        if (node)
            s_enqueue(pusher, node);
    } else
        rc = streq(command, "$TERM") ? -1 : 0;
    hms_content_block_t *block = content;
    hms_content_block_release(&block);
    zstr_free(&command);
    zstr_free(&host);
    zchunk_destroy(&entries);
    return rc;
}

//  At exit: what is queued, for HMS_VMPUSH_EXIT_MS at most.
static void s_drain(s_pusher_t *pusher)
{
    int64_t deadline = zclock_mono() + HMS_VMPUSH_EXIT_MS;
    pusher->draining = true;
    while (pusher->head && zclock_mono() < deadline)
        if (s_push(pusher, (long)(deadline - zclock_mono())) != 1)
            break;
    if (pusher->queued)
        hms_warning("victoriametrics: %" PRIu64 " samples not pushed at exit", pusher->queued);
    while (pusher->head) {
        s_node_t *node = pusher->head;
        pusher->head = node->next;
        s_node_destroy(&node);
    }
}

//  The thread: queues and pushes until $TERM, drains, then frees its state.
static void s_actor(zsock_t *pipe, void *arg)
{
    s_pusher_t *pusher = arg;
    zloop_t *loop = zloop_new();
    pusher->curl_loop = loop ? hms_curlloop_new(loop, s_after, pusher) : NULL;
    zsock_signal(pipe, 0);
    if (pusher->curl_loop) {
        zloop_reader(loop, pipe, s_pipe_reader, pusher);
        zloop_timer(loop, S_TICK_MS, 0, s_tick, pusher);
        zloop_start(loop);
    } else
        hms_error("victoriametrics: cannot start the push's loop");
    if (pusher->inflight) {
        //  Cut short: its messages stay queued for the drain.
        curl_multi_remove_handle(hms_curlloop_multi(pusher->curl_loop), pusher->curl);
        hms_httpclient_answer_t answer;
        hms_httpclient_finish(&pusher->request, pusher->curl, CURLE_ABORTED_BY_CALLBACK, &answer);
        hms_httpclient_answer_free(&answer);
        pusher->inflight = 0;
    }
    hms_curlloop_destroy(&pusher->curl_loop); //  before the loop it uses
    zloop_destroy(&loop);
    s_drain(pusher);
    curl_easy_cleanup(pusher->curl);
    hms_vmtext_free(&pusher->text);
    free(pusher);
}

//  The base URL of url into self->url. Returns 0, or -1 with why.
static int s_url(hms_vmpush_t *self, const char *url, char *error, size_t size)
{
    size_t length = strlen(url);
    bool scheme = strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
    if (!scheme || length > S_URL_MAX || strpbrk(url, " \t\r\n\"<>?#")) {
        snprintf(error, size,
                 "--vm-url %.100s: an http:// or https:// base URL (no query) of at most %d "
                 "bytes",
                 url, S_URL_MAX);
        return -1;
    }
    if (strchr(url, '@')) {
        //  Not echoed: it may hold a password.
        snprintf(error, size,
                 "--vm-url: no credentials in the URL (they would show in ps, the log and "
                 "/stats); restrict VictoriaMetrics' port to the controllers instead");
        return -1;
    }
    snprintf(self->url, sizeof self->url, "%s", url);
    while (length > 0 && self->url[length - 1] == '/')
        self->url[--length] = '\0';
    return 0;
}

hms_vmpush_t *hms_vmpush_new(const char *url, uint64_t queue_max, char *error, size_t size)
{
    hms_vmpush_t *self = calloc(1, sizeof *self);
    s_pusher_t *pusher = calloc(1, sizeof *pusher);
    if (!self || !pusher) {
        snprintf(error, size, "out of memory");
        free(self);
        free(pusher);
        return NULL;
    }
    self->queue_max = queue_max;
    int rc = s_url(self, url, error, size);
    if (rc == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
        pusher->curl = curl_easy_init();
    pusher->shared = self;
    snprintf(pusher->import_url, sizeof pusher->import_url, "%s/api/v1/import/prometheus",
             self->url);
    if (rc == 0 && !pusher->curl)
        snprintf(error, size, "cannot start libcurl");
    if (rc != 0 || !pusher->curl || !(self->actor = zactor_new(s_actor, pusher))) {
        if (rc == 0 && pusher->curl)
            snprintf(error, size, "cannot start the thread that pushes to VictoriaMetrics");
        if (pusher->curl)
            curl_easy_cleanup(pusher->curl);
        free(pusher);
        free(self);
        return NULL;
    }
    //  Never wait: past the pipe's high-water mark (1,000 messages), drop.
    zsock_set_sndtimeo(self->actor, 0);
    hms_notice("pushing metrics to VictoriaMetrics at %s (%" PRIu64 " samples queued at most)",
               self->url, queue_max);
    return self;
}

void hms_vmpush_destroy(hms_vmpush_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_vmpush_t *self = *self_p;
    zsock_set_sndtimeo(self->actor, -1); //  $TERM must get through
    zactor_destroy(&self->actor);
    curl_global_cleanup();
    free(self);
    *self_p = NULL;
}

void hms_vmpush_metrics(hms_vmpush_t *self, const char *host, hms_content_block_t *content,
                        const hms_metrics_report_t *report)
{
    if (report->count == 0)
        return;
    zchunk_t *entries = zchunk_new(report->entries, report->count * sizeof *report->entries);
    hms_content_block_t *reference = content ? hms_content_block_ref(content) : NULL;
    if (entries && zsock_send(self->actor, "ss8cp", "METRICS", host, report->t_ms, entries,
                              (void *)reference) == 0) {
        zchunk_destroy(&entries);
        return;
    }
    zchunk_destroy(&entries);
    uint64_t samples = 0;
    for (size_t i = 0; i < report->count; i++)
        samples += hms_vmtext_samples(s_find(content, report->entries[i].id), &report->entries[i]);
    if (atomic_fetch_add(&self->pipe_drops, 1) == 0)
        hms_warning("victoriametrics: the push falls behind: a message dropped (%" PRIu64
                    " samples; later ones are only counted: dropped in GET /stats)",
                    samples);
    atomic_fetch_add(&self->dropped, samples);
    hms_content_block_release(&reference);
}

void hms_vmpush_counters(const hms_vmpush_t *self, hms_vmpush_counters_t *out)
{
    hms_vmpush_t *shared = (hms_vmpush_t *)self; //  atomics are read-only here
    *out =
        (hms_vmpush_counters_t){atomic_load(&shared->queued),      self->queue_max,
                                atomic_load(&shared->pushed),      atomic_load(&shared->posts),
                                atomic_load(&shared->failures),    atomic_load(&shared->rejected),
                                atomic_load(&shared->dropped),     atomic_load(&shared->up),
                                atomic_load(&shared->last_push_ms)};
}

json_t *hms_vmpush_json(const hms_vmpush_t *self)
{
    hms_vmpush_counters_t c;
    hms_vmpush_counters(self, &c);
    return json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "url", self->url, "up",
                     c.up, "queued", (json_int_t)c.queued, "queue_max", (json_int_t)c.queue_max,
                     "pushed", (json_int_t)c.pushed, "posts", (json_int_t)c.posts, "failures",
                     (json_int_t)c.failures, "rejected", (json_int_t)c.rejected, "dropped",
                     (json_int_t)c.dropped, "last_push_ms", (json_int_t)c.last_push_ms);
}

char *hms_vmpush_prometheus(const hms_vmpush_t *self)
{
    hms_vmpush_counters_t c;
    hms_vmpush_counters(self, &c);
    const struct {
        const char *name, *type, *help;
        uint64_t value;
    } families[] = {
        {"hms_vm_up", "gauge", "1 while the last push to VictoriaMetrics was accepted.", c.up},
        {"hms_vm_queue_samples", "gauge", "Samples waiting to be pushed.", c.queued},
        {"hms_vm_queue_max_samples", "gauge", "Samples the queue holds at most.", c.queue_max},
        {"hms_vm_pushed_samples_total", "counter", "Samples VictoriaMetrics accepted.", c.pushed},
        {"hms_vm_posts_total", "counter", "POSTs VictoriaMetrics accepted.", c.posts},
        {"hms_vm_push_failures_total", "counter", "POSTs that failed and were tried again.",
         c.failures},
        {"hms_vm_rejected_samples_total", "counter",
         "Samples VictoriaMetrics refused (4xx) and that were dropped.", c.rejected},
        {"hms_vm_dropped_samples_total", "counter",
         "Samples dropped before a push: the oldest of a full queue, or a message the pusher "
         "could not take.",
         c.dropped},
    };
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return NULL;
    for (size_t f = 0; f < sizeof families / sizeof *families; f++)
        fprintf(out, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n", families[f].name,
                families[f].help, families[f].name, families[f].type, families[f].name,
                families[f].value);
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
