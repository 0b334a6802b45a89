/*  hms_history: the controller's metrics history, in one SQLite file.  */

#include "hms_history.h"

#include "hms_log.h"

#include <czmq.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const hms_history_tier_t hms_history_tiers[HMS_HISTORY_TIERS] = {
    {0, 86400000ull},             //  as received (10 s by default), a day
    {60000, 7 * 86400000ull},     //  1 min, a week
    {3600000, 90 * 86400000ull}}; //  1 h, 90 days

#define S_SCHEMA_VERSION 1
#define S_BLOB_SIZE      (HMS_METRIC_COUNT * sizeof(hms_rollup_t))
#define S_CAP_CHUNK      1000 //  rows deleted at a time over the size cap

static const char *const s_schema[] = {
    //  Before the first table: freed pages can be given back (size cap).
    "PRAGMA auto_vacuum = INCREMENTAL", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
    "CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, host TEXT NOT NULL, "
    "container TEXT NOT NULL, UNIQUE (host, container))",
    "CREATE TABLE IF NOT EXISTS points (series INTEGER NOT NULL, tier INTEGER NOT NULL, "
    "t INTEGER NOT NULL, seconds INTEGER NOT NULL, data BLOB NOT NULL, "
    "PRIMARY KEY (series, tier, t)) WITHOUT ROWID",
    //  Alerts: each change of state, kept as long as the coarsest tier.
    "CREATE TABLE IF NOT EXISTS alert_events (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, "
    "host TEXT NOT NULL, rule TEXT NOT NULL, container TEXT NOT NULL, name TEXT NOT NULL, "
    "state TEXT NOT NULL, severity TEXT NOT NULL, metric TEXT NOT NULL, value REAL, "
    "threshold REAL NOT NULL, since INTEGER NOT NULL, summary TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS alert_events_ts ON alert_events (ts)",
    //  Heals and attacks, kept as long.
    "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, "
    "host TEXT NOT NULL, kind TEXT NOT NULL, container TEXT NOT NULL, name TEXT NOT NULL, "
    "detail TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS events_ts ON events (ts)", NULL};

//  A metrics entry waiting for the next flush.
typedef struct {
    char host[HMS_ADDRESS_MAX + 1];
    uint64_t t_ms;
    hms_metrics_entry_t entry;
} s_queued_t;

struct _hms_history_t {
    sqlite3 *db;
    uint64_t size_cap;           //  bytes; 0: none
    sqlite3_stmt *find_series;   //  SELECT id FROM series WHERE host = ? AND container = ?
    sqlite3_stmt *insert_series; //  INSERT INTO series (host, container) VALUES (?, ?)
    sqlite3_stmt *read_point;    //  SELECT seconds, data FROM points WHERE series/tier/t
    sqlite3_stmt *write_point;   //  INSERT OR REPLACE INTO points VALUES (?, ?, ?, ?, ?)
    zhashx_t *series;            //  "host container" -> id (in the pointer)
    s_queued_t *queue;           //  entries to write
    size_t queued, capacity;
};

static int s_exec(sqlite3 *db, const char *sql, char *error, size_t size)
{
    char *message = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &message) == SQLITE_OK)
        return 0;
    snprintf(error, size, "%s: %s", sql, message ? message : sqlite3_errmsg(db));
    sqlite3_free(message);
    return -1;
}

static int s_user_version(sqlite3 *db)
{
    sqlite3_stmt *statement = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &statement, NULL) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW)
        version = sqlite3_column_int(statement, 0);
    sqlite3_finalize(statement);
    return version;
}

//  The schema, on a new file; a file of another kind or version is refused.
static int s_schema_apply(sqlite3 *db, char *error, size_t size)
{
    int version = s_user_version(db);
    if (version != 0 && version != S_SCHEMA_VERSION) {
        snprintf(error, size, "not an HMS history of version %d (user_version %d)",
                 S_SCHEMA_VERSION, version);
        return -1;
    }
    for (int i = 0; s_schema[i]; i++)
        if (s_exec(db, s_schema[i], error, size) != 0)
            return -1;
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", S_SCHEMA_VERSION);
    return s_exec(db, pragma, error, size);
}

hms_history_t *hms_history_open(const char *path, uint64_t size_cap, char *error, size_t error_size)
{
    hms_history_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    self->size_cap = size_cap;
    self->series = zhashx_new();
    int rc = sqlite3_open_v2(
        path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK || !self->series) {
        snprintf(error, error_size, "%s: %s", path,
                 self->db ? sqlite3_errmsg(self->db) : "out of memory");
        hms_history_close(&self);
        return NULL;
    }
    sqlite3_busy_timeout(self->db, 2000);
    char problem[512] = "";
    if (s_schema_apply(self->db, problem, sizeof problem) != 0 ||
        sqlite3_prepare_v2(self->db, "SELECT id FROM series WHERE host = ? AND container = ?", -1,
                           &self->find_series, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(self->db, "INSERT INTO series (host, container) VALUES (?, ?)", -1,
                           &self->insert_series, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(self->db,
                           "SELECT seconds, data FROM points WHERE series = ? AND tier = ? AND "
                           "t = ?",
                           -1, &self->read_point, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(self->db, "INSERT OR REPLACE INTO points VALUES (?, ?, ?, ?, ?)", -1,
                           &self->write_point, NULL) != SQLITE_OK) {
        snprintf(error, error_size, "%s: %s", path, *problem ? problem : sqlite3_errmsg(self->db));
        hms_history_close(&self);
        return NULL;
    }
    return self;
}

void hms_history_close(hms_history_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hms_history_t *self = *self_p;
    if (self->queued && self->write_point)
        hms_history_flush(self);
    sqlite3_finalize(self->find_series);
    sqlite3_finalize(self->insert_series);
    sqlite3_finalize(self->read_point);
    sqlite3_finalize(self->write_point);
    sqlite3_close(self->db);
    zhashx_destroy(&self->series);
    free(self->queue);
    free(self);
    *self_p = NULL;
}

int hms_history_add(hms_history_t *self, const char *host, const hms_metrics_report_t *report)
{
    if (self->queued + report->count > self->capacity) {
        size_t capacity = (self->queued + report->count) * 2;
        s_queued_t *queue = realloc(self->queue, capacity * sizeof *queue);
        if (!queue)
            return -1;
        self->queue = queue;
        self->capacity = capacity;
    }
    for (size_t i = 0; i < report->count; i++) {
        s_queued_t *queued = &self->queue[self->queued++];
        snprintf(queued->host, sizeof queued->host, "%s", host);
        queued->t_ms = report->t_ms;
        queued->entry = report->entries[i];
    }
    return 0;
}

size_t hms_history_queued(hms_history_t *self)
{
    return self->queued;
}

//  The series id of (host, container), created when new; -1 on error.
static sqlite3_int64 s_series_id(hms_history_t *self, const char *host, const char *container)
{
    char key[HMS_ADDRESS_MAX + HMS_ID_MAX + 2];
    snprintf(key, sizeof key, "%s %s", host, container);
    void *cached = zhashx_lookup(self->series, key);
    if (cached)
        return (sqlite3_int64)(intptr_t)cached;
    sqlite3_int64 id = -1;
    sqlite3_stmt *find = self->find_series;
    sqlite3_bind_text(find, 1, host, -1, SQLITE_STATIC);
    sqlite3_bind_text(find, 2, container, -1, SQLITE_STATIC);
    if (sqlite3_step(find) == SQLITE_ROW)
        id = sqlite3_column_int64(find, 0);
    sqlite3_reset(find);
    if (id < 0) {
        sqlite3_stmt *insert = self->insert_series;
        sqlite3_bind_text(insert, 1, host, -1, SQLITE_STATIC);
        sqlite3_bind_text(insert, 2, container, -1, SQLITE_STATIC);
        if (sqlite3_step(insert) == SQLITE_DONE)
            id = sqlite3_last_insert_rowid(self->db);
        sqlite3_reset(insert);
    }
    if (id > 0)
        zhashx_insert(self->series, key, (void *)(intptr_t)id);
    return id;
}

//  Folds b (b_seconds) into a (a_seconds): min of the mins, max of the
//  maxes, mean weighted by seconds; a series without a value takes the other's.
static void s_merge(hms_rollup_t *a, uint64_t a_seconds, const hms_rollup_t *b, uint64_t b_seconds)
{
    for (int m = 0; m < HMS_METRIC_COUNT; m++) {
        if (isnan(b[m].mean))
            continue;
        if (isnan(a[m].mean)) {
            a[m] = b[m];
            continue;
        }
        double total = (double)(a_seconds + b_seconds);
        a[m].mean =
            total > 0
                ? (float)((a[m].mean * (double)a_seconds + b[m].mean * (double)b_seconds) / total)
                : (a[m].mean + b[m].mean) / 2;
        a[m].min = fminf(a[m].min, b[m].min);
        a[m].max = fmaxf(a[m].max, b[m].max);
    }
}

//  Writes one tier's row of an entry, merged into the bucket's when the
//  tier has buckets. Returns 0, or -1.
static int s_write_tier(hms_history_t *self, sqlite3_int64 series, int tier, uint64_t t_ms,
                        const hms_metrics_entry_t *entry)
{
    uint64_t step = hms_history_tiers[tier].step_ms;
    uint64_t t = step ? (t_ms + step - 1) / step * step : t_ms;
    hms_rollup_t rollups[HMS_METRIC_COUNT];
    memcpy(rollups, entry->rollups, sizeof rollups);
    uint64_t seconds = entry->seconds;
    if (step) {
        sqlite3_stmt *read = self->read_point;
        sqlite3_bind_int64(read, 1, series);
        sqlite3_bind_int(read, 2, tier);
        sqlite3_bind_int64(read, 3, (sqlite3_int64)t);
        if (sqlite3_step(read) == SQLITE_ROW && sqlite3_column_bytes(read, 1) == (int)S_BLOB_SIZE) {
            uint64_t old_seconds = (uint64_t)sqlite3_column_int64(read, 0);
            hms_rollup_t old[HMS_METRIC_COUNT];
            memcpy(old, sqlite3_column_blob(read, 1), sizeof old);
            s_merge(old, old_seconds, rollups, seconds);
            memcpy(rollups, old, sizeof rollups);
            seconds += old_seconds;
        }
        sqlite3_reset(read);
    }
    sqlite3_stmt *write = self->write_point;
    sqlite3_bind_int64(write, 1, series);
    sqlite3_bind_int(write, 2, tier);
    sqlite3_bind_int64(write, 3, (sqlite3_int64)t);
    sqlite3_bind_int64(write, 4, (sqlite3_int64)seconds);
    sqlite3_bind_blob(write, 5, rollups, (int)S_BLOB_SIZE, SQLITE_STATIC);
    int rc = sqlite3_step(write) == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(write);
    return rc;
}

int hms_history_flush(hms_history_t *self)
{
    if (self->queued == 0)
        return 0;
    char error[512];
    int rows = 0;
    if (s_exec(self->db, "BEGIN", error, sizeof error) != 0) {
        hms_warning("history: %s", error);
        self->queued = 0;
        return -1;
    }
    for (size_t i = 0; i < self->queued && rows >= 0; i++) {
        const s_queued_t *queued = &self->queue[i];
        sqlite3_int64 series = s_series_id(self, queued->host, queued->entry.id);
        for (int tier = 0; tier < HMS_HISTORY_TIERS && rows >= 0; tier++)
            rows = series > 0 && s_write_tier(self, series, tier, queued->t_ms, &queued->entry) == 0
                       ? rows + 1
                       : -1;
    }
    self->queued = 0;
    if (rows < 0 || s_exec(self->db, "COMMIT", error, sizeof error) != 0) {
        hms_warning("history: batch dropped: %s", rows < 0 ? sqlite3_errmsg(self->db) : error);
        s_exec(self->db, "ROLLBACK", error, sizeof error);
        zhashx_purge(self->series); //  ids of a rolled back batch are not in the file
        return -1;
    }
    return rows;
}

uint64_t hms_history_size(hms_history_t *self)
{
    sqlite3_stmt *statement = NULL;
    uint64_t size = 0;
    if (sqlite3_prepare_v2(self->db,
                           "SELECT page_count * page_size FROM pragma_page_count(), "
                           "pragma_page_size()",
                           -1, &statement, NULL) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW)
        size = (uint64_t)sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return size;
}

//  Runs a statement with up to two integer parameters; returns the rows
//  changed, or -1.
static int s_change(hms_history_t *self, const char *sql, sqlite3_int64 a, sqlite3_int64 b)
{
    sqlite3_stmt *statement = NULL;
    int changes = -1;
    if (sqlite3_prepare_v2(self->db, sql, -1, &statement, NULL) == SQLITE_OK) {
        if (sqlite3_bind_parameter_count(statement) > 0)
            sqlite3_bind_int64(statement, 1, a);
        if (sqlite3_bind_parameter_count(statement) > 1)
            sqlite3_bind_int64(statement, 2, b);
        if (sqlite3_step(statement) == SQLITE_DONE)
            changes = sqlite3_changes(self->db);
    }
    sqlite3_finalize(statement);
    return changes;
}

int hms_history_prune(hms_history_t *self, uint64_t now_ms)
{
    uint64_t kept = hms_history_tiers[HMS_HISTORY_TIERS - 1].keep_ms;
    int deleted = 0;
    for (int t = 0; t < 2 && now_ms > kept; t++) {
        int rows = s_change(
            self, t ? "DELETE FROM events WHERE ts < ?" : "DELETE FROM alert_events WHERE ts < ?",
            (sqlite3_int64)(now_ms - kept), 0);
        deleted += rows > 0 ? rows : 0;
    }
    for (int tier = 0; tier < HMS_HISTORY_TIERS; tier++) {
        uint64_t keep = hms_history_tiers[tier].keep_ms;
        if (now_ms <= keep)
            continue;
        int rows = s_change(self, "DELETE FROM points WHERE tier = ? AND t < ?", tier,
                            (sqlite3_int64)(now_ms - keep));
        if (rows < 0) {
            hms_warning("history: cannot prune: %s", sqlite3_errmsg(self->db));
            return -1;
        }
        deleted += rows;
    }
    //  Over the cap: the oldest rows go first, finest tier first; freed
    //  pages are given back so that the file shrinks.
    for (int tier = 0; self->size_cap && tier < HMS_HISTORY_TIERS; tier++)
        while (hms_history_size(self) > self->size_cap) {
            int rows = s_change(self,
                                "DELETE FROM points WHERE tier = ?1 AND t <= (SELECT t FROM "
                                "points WHERE tier = ?1 ORDER BY t LIMIT 1 OFFSET ?2)",
                                tier, S_CAP_CHUNK - 1);
            if (rows <= 0)
                rows = s_change(self, "DELETE FROM points WHERE tier = ?", tier, 0);
            char error[256];
            s_exec(self->db, "PRAGMA incremental_vacuum", error, sizeof error);
            if (rows <= 0)
                break;
            deleted += rows;
        }
    return deleted;
}

//  The tier a query reads: the coarsest with a step of at most step_ms,
//  or a coarser one when it no longer holds from_ms.
int hms_history_tier(uint64_t from_ms, uint64_t step_ms, uint64_t now_ms)
{
    int tier = 0;
    for (int t = 1; t < HMS_HISTORY_TIERS; t++)
        if (hms_history_tiers[t].step_ms <= step_ms)
            tier = t;
    while (tier + 1 < HMS_HISTORY_TIERS && from_ms + hms_history_tiers[tier].keep_ms < now_ms)
        tier++;
    return tier;
}

static json_t *s_value(float value)
{
    return isnan(value) ? json_null() : json_real(value);
}

//  A read-only connection of its own to the history at path, with sql
//  prepared in *statement; NULL with error.
static sqlite3 *s_reader(const char *path, const char *sql, sqlite3_stmt **statement, char *error,
                         size_t error_size)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, 2000) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, statement, NULL) != SQLITE_OK) {
        snprintf(error, error_size, "history %s: %s", path,
                 db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

json_t *hms_history_query(const char *path, const char *host, const char *container,
                          hms_metric_t metric, uint64_t from_ms, uint64_t to_ms, uint64_t step_ms,
                          uint64_t now_ms, char *error, size_t error_size)
{
    if ((unsigned)metric >= HMS_METRIC_COUNT || from_ms > to_ms) {
        snprintf(error, error_size, "no such series, or from after to");
        return NULL;
    }
    sqlite3_stmt *statement = NULL;
    sqlite3 *db = s_reader(path,
                           "SELECT t, data FROM points WHERE series = (SELECT id FROM series "
                           "WHERE host = ? AND container = ?) AND tier = ? AND t BETWEEN ? AND "
                           "? ORDER BY t LIMIT ?",
                           &statement, error, error_size);
    if (!db)
        return NULL;
    int tier = hms_history_tier(from_ms, step_ms, now_ms);
    sqlite3_bind_text(statement, 1, host, -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, 2, container, -1, SQLITE_STATIC);
    sqlite3_bind_int(statement, 3, tier);
    sqlite3_bind_int64(statement, 4, (sqlite3_int64)from_ms);
    sqlite3_bind_int64(statement, 5, (sqlite3_int64)to_ms);
    sqlite3_bind_int(statement, 6, HMS_HISTORY_POINTS_MAX);
    json_t *t = json_array(), *min = json_array(), *mean = json_array(), *max = json_array();
    int rc;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(statement, 1) != (int)S_BLOB_SIZE)
            continue;
        hms_rollup_t rollups[HMS_METRIC_COUNT];
        memcpy(rollups, sqlite3_column_blob(statement, 1), sizeof rollups);
        json_array_append_new(t, json_integer(sqlite3_column_int64(statement, 0)));
        json_array_append_new(min, s_value(rollups[metric].min));
        json_array_append_new(mean, s_value(rollups[metric].mean));
        json_array_append_new(max, s_value(rollups[metric].max));
    }
    if (rc != SQLITE_DONE)
        snprintf(error, error_size, "history %s: %s", path, sqlite3_errmsg(db));
    sqlite3_finalize(statement);
    sqlite3_close(db);
    if (rc != SQLITE_DONE) {
        json_decref(t);
        json_decref(min);
        json_decref(mean);
        json_decref(max);
        return NULL;
    }
    //  json_pack takes the arrays over, also when it fails.
    json_t *result = json_pack("{s:I, s:o, s:o, s:o, s:o}", "step_ms",
                               (json_int_t)hms_history_tiers[tier].step_ms, "t", t, "min", min,
                               "mean", mean, "max", max);
    if (!result)
        snprintf(error, error_size, "out of memory");
    return result;
}

int hms_history_alert(hms_history_t *self, const hms_alert_t *alert)
{
    sqlite3_stmt *insert = NULL;
    if (sqlite3_prepare_v2(self->db,
                           "INSERT INTO alert_events (ts, host, rule, container, name, state, "
                           "severity, metric, value, threshold, since, summary) VALUES (?, ?, ?, "
                           "?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &insert, NULL) != SQLITE_OK) {
        hms_warning("history: cannot record an alert: %s", sqlite3_errmsg(self->db));
        return -1;
    }
    const char *texts[] = {alert->address,
                           alert->rule,
                           alert->container,
                           alert->name,
                           hms_alert_state_name(alert->state),
                           hms_severity_name(alert->severity),
                           alert->metric};
    sqlite3_bind_int64(insert, 1, (sqlite3_int64)alert->ts_ms);
    for (int i = 0; i < 7; i++)
        sqlite3_bind_text(insert, 2 + i, texts[i], -1, SQLITE_STATIC);
    if (isnan(alert->value))
        sqlite3_bind_null(insert, 9);
    else
        sqlite3_bind_double(insert, 9, alert->value);
    sqlite3_bind_double(insert, 10, alert->threshold);
    sqlite3_bind_int64(insert, 11, (sqlite3_int64)alert->since_ms);
    sqlite3_bind_text(insert, 12, alert->summary, -1, SQLITE_STATIC);
    int rc = sqlite3_step(insert) == SQLITE_DONE ? 0 : -1;
    if (rc)
        hms_warning("history: cannot record an alert: %s", sqlite3_errmsg(self->db));
    sqlite3_finalize(insert);
    return rc;
}

//  The rows of statement as JSON objects with keys (count columns), under
//  name: {name: [...]}; NULL with error. Finalizes statement and closes db.
static json_t *s_rows(sqlite3 *db, sqlite3_stmt *statement, const char *const *keys, int count,
                      const char *name, const char *path, char *error, size_t error_size)
{
    json_t *rows = json_array();
    int rc = SQLITE_DONE;
    while (rows && (rc = sqlite3_step(statement)) == SQLITE_ROW) {
        json_t *row = json_object();
        for (int c = 0; row && c < count; c++) {
            int type = sqlite3_column_type(statement, c);
            json_object_set_new(
                row, keys[c],
                type == SQLITE_INTEGER ? json_integer(sqlite3_column_int64(statement, c))
                : type == SQLITE_FLOAT ? json_real(sqlite3_column_double(statement, c))
                : type == SQLITE_TEXT ? json_string((const char *)sqlite3_column_text(statement, c))
                                      : json_null());
        }
        json_array_append_new(rows, row);
    }
    if (!rows || rc != SQLITE_DONE)
        snprintf(error, error_size, "history %s: %s", path,
                 rows ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_finalize(statement);
    sqlite3_close(db);
    if (!rows || rc != SQLITE_DONE) {
        json_decref(rows);
        return NULL;
    }
    return json_pack("{s:o}", name, rows);
}

//  The rows of sql (its parameters: from_ms, to_ms, limit) from the file
//  at path, as s_rows gives them.
static json_t *s_list(const char *path, const char *sql, uint64_t from_ms, uint64_t to_ms,
                      size_t limit, const char *const *keys, int count, const char *name,
                      char *error, size_t error_size)
{
    sqlite3_stmt *statement = NULL;
    sqlite3 *db = s_reader(path, sql, &statement, error, error_size);
    if (!db)
        return NULL;
    sqlite3_bind_int64(statement, 1, (sqlite3_int64)from_ms);
    sqlite3_bind_int64(statement, 2, (sqlite3_int64)to_ms);
    sqlite3_bind_int64(statement, 3, (sqlite3_int64)limit);
    return s_rows(db, statement, keys, count, name, path, error, error_size);
}

json_t *hms_history_alerts(const char *path, uint64_t from_ms, uint64_t to_ms, size_t limit,
                           char *error, size_t error_size)
{
    static const char *const keys[] = {"ts_ms", "address",   "rule",     "container",
                                       "name",  "state",     "severity", "metric",
                                       "value", "threshold", "since_ms", "summary"};
    return s_list(path,
                  "SELECT ts, host, rule, container, name, state, severity, metric, value, "
                  "threshold, since, summary FROM alert_events WHERE ts BETWEEN ?1 AND ?2 "
                  "ORDER BY ts DESC, id DESC LIMIT ?3",
                  from_ms, to_ms, limit, keys, 12, "alerts", error, error_size);
}

int hms_history_event(hms_history_t *self, const hms_event_t *event)
{
    sqlite3_stmt *insert = NULL;
    if (sqlite3_prepare_v2(self->db,
                           "INSERT INTO events (ts, host, kind, container, name, detail) VALUES "
                           "(?, ?, ?, ?, ?, ?)",
                           -1, &insert, NULL) != SQLITE_OK) {
        hms_warning("history: cannot record an event: %s", sqlite3_errmsg(self->db));
        return -1;
    }
    const char *texts[] = {event->host, event->kind, event->container, event->name, event->detail};
    sqlite3_bind_int64(insert, 1, (sqlite3_int64)event->ts_ms);
    for (int i = 0; i < 5; i++)
        sqlite3_bind_text(insert, 2 + i, texts[i], -1, SQLITE_STATIC);
    int rc = sqlite3_step(insert) == SQLITE_DONE ? 0 : -1;
    if (rc)
        hms_warning("history: cannot record an event: %s", sqlite3_errmsg(self->db));
    sqlite3_finalize(insert);
    return rc;
}

json_t *hms_history_events(const char *path, uint64_t from_ms, uint64_t to_ms, size_t limit,
                           char *error, size_t error_size)
{
    static const char *const keys[] = {"ts_ms", "kind", "address", "container", "name", "detail"};
    return s_list(path,
                  "SELECT ts, kind, host, container, name, detail, id FROM events "
                  "WHERE ts BETWEEN ?1 AND ?2 UNION ALL "
                  "SELECT ts, 'alert', host, container, name, rule || ' ' || state, id "
                  "FROM alert_events WHERE ts BETWEEN ?1 AND ?2 ORDER BY 1 DESC, 7 DESC LIMIT ?3",
                  from_ms, to_ms, limit, keys, 6, "events", error, error_size);
}
