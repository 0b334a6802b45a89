/*  hms_view: what the REST threads read.  */

#include "hms_view.h"
#include "hms_json.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

hms_content_block_t *hms_content_block_new(hms_container_t *containers, size_t count)
{
    hms_content_block_t *block = calloc(1, sizeof *block);
    json_t *array = json_array();
    for (size_t i = 0; block && array && i < count; i++)
        json_array_append_new(array, hms_json_container(&containers[i]));
    char *json = array ? json_dumps(array, JSON_COMPACT) : NULL;
    json_decref(array);
    if (!block || !json) {
        free(block);
        free(json);
        free(containers);
        return NULL;
    }
    atomic_init(&block->refs, 1);
    block->containers = containers;
    block->count = count;
    block->json = json;
    block->json_size = strlen(json);
    return block;
}

hms_content_block_t *hms_content_block_ref(hms_content_block_t *block)
{
    if (block)
        atomic_fetch_add(&block->refs, 1);
    return block;
}

void hms_content_block_release(hms_content_block_t **block_p)
{
    hms_content_block_t *block = *block_p;
    *block_p = NULL;
    if (block && atomic_fetch_sub(&block->refs, 1) == 1) {
        free(block->containers);
        free(block->json);
        free(block);
    }
}

static int s_by_id(const void *a, const void *b)
{
    return strcmp(((const hms_metrics_entry_t *)a)->id, ((const hms_metrics_entry_t *)b)->id);
}

hms_metrics_block_t *hms_metrics_block_new(hms_metrics_entry_t *entries, size_t count,
                                           uint64_t t_ms)
{
    hms_metrics_block_t *block = calloc(1, sizeof *block);
    if (!block) {
        free(entries);
        return NULL;
    }
    atomic_init(&block->refs, 1);
    if (count)
        qsort(entries, count, sizeof *entries, s_by_id);
    block->entries = entries;
    block->count = count;
    block->t_ms = t_ms;
    return block;
}

hms_metrics_block_t *hms_metrics_block_ref(hms_metrics_block_t *block)
{
    if (block)
        atomic_fetch_add(&block->refs, 1);
    return block;
}

void hms_metrics_block_release(hms_metrics_block_t **block_p)
{
    hms_metrics_block_t *block = *block_p;
    *block_p = NULL;
    if (block && atomic_fetch_sub(&block->refs, 1) == 1) {
        free(block->entries);
        free(block);
    }
}

const hms_metrics_entry_t *hms_metrics_block_find(const hms_metrics_block_t *block, const char *id)
{
    if (!block || block->count == 0)
        return NULL;
    hms_metrics_entry_t key;
    snprintf(key.id, sizeof key.id, "%s", id);
    return bsearch(&key, block->entries, block->count, sizeof key, s_by_id);
}

static int s_by_since(const void *a, const void *b)
{
    const hms_alert_t *x = a, *y = b;
    if (x->since_ms != y->since_ms)
        return x->since_ms < y->since_ms ? -1 : 1;
    int order = strcmp(x->rule, y->rule);
    return order ? order : strcmp(x->container, y->container);
}

hms_alert_block_t *hms_alert_block_new(hms_alert_t *alerts, size_t count)
{
    hms_alert_block_t *block = calloc(1, sizeof *block);
    if (!block) {
        free(alerts);
        return NULL;
    }
    atomic_init(&block->refs, 1);
    if (count)
        qsort(alerts, count, sizeof *alerts, s_by_since);
    block->alerts = alerts;
    block->count = count;
    return block;
}

hms_alert_block_t *hms_alert_block_ref(hms_alert_block_t *block)
{
    if (block)
        atomic_fetch_add(&block->refs, 1);
    return block;
}

void hms_alert_block_release(hms_alert_block_t **block_p)
{
    hms_alert_block_t *block = *block_p;
    *block_p = NULL;
    if (block && atomic_fetch_sub(&block->refs, 1) == 1) {
        free(block->alerts);
        free(block);
    }
}

static int s_by_address(const void *a, const void *b)
{
    return strcmp(((const hms_view_host_t *)a)->address, ((const hms_view_host_t *)b)->address);
}

hms_view_t *hms_view_new(const hms_view_host_t *hosts, size_t count)
{
    hms_view_t *view = calloc(1, sizeof *view);
    hms_view_host_t *copy = count ? calloc(count, sizeof *copy) : NULL;
    if (!view || (count && !copy)) {
        free(view);
        free(copy);
        return NULL;
    }
    atomic_init(&view->refs, 1);
    atomic_init(&view->rendered, NULL);
    for (size_t i = 0; i < count; i++) {
        copy[i] = hosts[i];
        copy[i].content = hms_content_block_ref(hosts[i].content);
        copy[i].metrics = hms_metrics_block_ref(hosts[i].metrics);
        copy[i].alerts = hms_alert_block_ref(hosts[i].alerts);
    }
    if (count) //  glibc declares the array non-null even when empty
        qsort(copy, count, sizeof *copy, s_by_address);
    view->hosts = copy;
    view->count = count;
    return view;
}

void hms_view_release(hms_view_t **view_p)
{
    hms_view_t *view = *view_p;
    *view_p = NULL;
    if (view && atomic_fetch_sub(&view->refs, 1) == 1) {
        for (size_t i = 0; i < view->count; i++) {
            hms_content_block_release(&view->hosts[i].content);
            hms_metrics_block_release(&view->hosts[i].metrics);
            hms_alert_block_release(&view->hosts[i].alerts);
        }
        free(atomic_load(&view->rendered));
        free(view->hosts);
        free(view);
    }
}

const hms_view_host_t *hms_view_host(const hms_view_t *view, const char *address)
{
    if (view->count == 0)
        return NULL;
    hms_view_host_t key;
    snprintf(key.address, sizeof key.address, "%s", address);
    return bsearch(&key, view->hosts, view->count, sizeof key, s_by_address);
}

const hms_container_t *hms_view_container(const hms_view_host_t *host, const char *ref, int *code)
{
    *code = HMS_CODE_NOT_FOUND;
    if (!host->content)
        return NULL;
    size_t length = strlen(ref);
    const hms_container_t *match = NULL;
    size_t matches = 0;
    for (size_t i = 0; i < host->content->count; i++) {
        const hms_container_t *c = &host->content->containers[i];
        size_t id_length = strlen(c->id);
        if (strcmp(c->id, ref) == 0 || strcmp(c->name, ref) == 0)
            return c;
        //  A prefix of the id, or the full id of a container shown by its
        //  short id (ignored ones).
        bool prefix = length >= 4 && (length <= id_length ? strncmp(c->id, ref, length) == 0
                                                          : strncmp(c->id, ref, id_length) == 0);
        if (prefix && match != c) {
            match = c;
            matches++;
        }
    }
    if (matches == 1)
        return match;
    if (matches > 1)
        *code = HMS_CODE_CONFLICT;
    return NULL;
}

//  The host's fields, as JSON members without braces, into out (size
//  bytes); returns the length. The containers' JSON is rendered once per
//  content block and spliced in after these.
static size_t s_host_fields(const hms_view_host_t *host, char *out, size_t size)
{
    json_t *fields = json_pack(
        "{s:s, s:o, s:s, s:I, s:I, s:I, s:o, s:{s:I, s:I, s:I, s:b}}", "address", host->address,
        "public_key", *host->public_key ? json_string(host->public_key) : json_null(), "status",
        hms_host_status_name(host->status), "since_ms", (json_int_t)host->status_since_ms,
        "last_seen_ms", (json_int_t)host->last_seen_ms, "update_seq", (json_int_t)host->update_seq,
        "threshold", isnan(host->threshold) ? json_null() : json_real(host->threshold), "manager",
        "started_ms", (json_int_t)host->started_ms, "restarts", (json_int_t)host->manager_restarts,
        "snapshots", (json_int_t)host->snapshots, "pending", host->pending);
    char *text = fields ? json_dumps(fields, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(fields);
    size_t length = text ? strlen(text) : 0;
    //  Without the braces: "{...}" -> "...".
    length = length >= 2 && length - 2 < size ? length - 2 : 0;
    if (length)
        memcpy(out, text + 1, length);
    free(text);
    return length;
}

#define HOST_FIELDS_MAX (HMS_ADDRESS_MAX + 512)

//  Writes one host object at out (room for its size, see s_host_size).
static size_t s_write_host(const hms_view_host_t *host, char *out)
{
    char fields[HOST_FIELDS_MAX];
    size_t length = s_host_fields(host, fields, sizeof fields);
    char *start = out;
    *out++ = '{';
    memcpy(out, fields, length);
    out += length;
    memcpy(out, ",\"containers\":", 14);
    out += 14;
    if (host->content) {
        memcpy(out, host->content->json, host->content->json_size);
        out += host->content->json_size;
    } else {
        memcpy(out, "[]", 2);
        out += 2;
    }
    *out++ = '}';
    return (size_t)(out - start);
}

//  An upper bound of the size of one host object.
static size_t s_host_size(const hms_view_host_t *host)
{
    return 1 + HOST_FIELDS_MAX + 14 + (host->content ? host->content->json_size : 2) + 1;
}

const char *hms_view_document(hms_view_t *view, size_t *size)
{
    char *document = atomic_load(&view->rendered);
    if (!document) {
        //  Rendered into one buffer of the right size: a 10,000-container
        //  document is a few MB, and growing a stream costs more than
        //  writing it.
        size_t capacity = 16;
        for (size_t i = 0; i < view->count; i++)
            capacity += s_host_size(&view->hosts[i]) + 1;
        char *text = malloc(capacity);
        if (!text)
            return NULL;
        char *out = text;
        memcpy(out, "{\"hosts\":[", 10);
        out += 10;
        for (size_t i = 0; i < view->count; i++) {
            if (i)
                *out++ = ',';
            out += s_write_host(&view->hosts[i], out);
        }
        memcpy(out, "]}", 3);
        size_t length = (size_t)(out - text) + 2;
        //  Another reader may have rendered it meanwhile: keep one.
        char *expected = NULL;
        view->rendered_size = length;
        if (atomic_compare_exchange_strong(&view->rendered, &expected, text))
            document = text;
        else {
            free(text);
            document = expected;
        }
    }
    if (size)
        *size = view->rendered_size;
    return document;
}

char *hms_view_render_host(const hms_view_host_t *host, size_t *size)
{
    char *text = malloc(s_host_size(host) + 1);
    if (!text)
        return NULL;
    size_t length = s_write_host(host, text);
    text[length] = '\0';
    if (size)
        *size = length;
    return text;
}

char *hms_view_render_container(const hms_view_host_t *host, const hms_container_t *container)
{
    json_t *object = hms_json_container(container);
    if (!object)
        return NULL;
    json_object_set_new(object, "address", json_string(host->address));
    char *text = json_dumps(object, JSON_COMPACT);
    json_decref(object);
    return text;
}

struct _hms_view_store_t {
    pthread_mutex_t lock; //  guards current only; views themselves are immutable
    hms_view_t *current;  //  the last view published
};

hms_view_store_t *hms_view_store_new(void)
{
    hms_view_store_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    pthread_mutex_init(&self->lock, NULL);
    self->current = hms_view_new(NULL, 0);
    if (!self->current) {
        hms_view_store_destroy(&self);
        return NULL;
    }
    return self;
}

void hms_view_store_destroy(hms_view_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_view_store_t *self = *self_p;
    hms_view_release(&self->current);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

void hms_view_store_publish(hms_view_store_t *self, hms_view_t *view)
{
    pthread_mutex_lock(&self->lock);
    hms_view_t *old = self->current;
    self->current = view;
    pthread_mutex_unlock(&self->lock);
    hms_view_release(&old);
}

hms_view_t *hms_view_store_acquire(hms_view_store_t *self)
{
    pthread_mutex_lock(&self->lock);
    hms_view_t *view = self->current;
    atomic_fetch_add(&view->refs, 1);
    pthread_mutex_unlock(&self->lock);
    return view;
}
