/*  hms_vmquery: a series of the history, read from VictoriaMetrics.

    With --vm-url the history endpoint (GET /containers/{address}/
    {container}/metrics) reads what hms_vmpush wrote instead of the SQLite
    file, and answers in hms_history_query's shape and at its steps
    (hms_history_tier), so that the web page and any other client read
    either the same way:

    * the finest tier (a range within the last day, a step under a
      minute): every sample as pushed, from /api/v1/export;
    * 1 min and 1 h buckets: /api/v1/query_range with min_over_time,
      avg_over_time and max_over_time of the rollup series over each
      bucket, at bucket ends (the window (t - step, t], as the SQLite tiers
      fill them), with nocache=1: samples pushed late after an outage
      must show at once.

    An answer that is not what VictoriaMetrics' API documents (an error,
    JSON that does not parse or has another shape, a value that is not a
    number, more than HMS_VMQUERY_ANSWER_MAX bytes) is an error that says
    so; nothing is kept between calls. Called from the REST threads: each
    call has its own connection.
*/
#ifndef HMS_VMQUERY_H_INCLUDED
#define HMS_VMQUERY_H_INCLUDED

#include "hms_metric.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define HMS_VMQUERY_TIMEOUT_MS 10000      //  one request to VictoriaMetrics, at most
#define HMS_VMQUERY_ANSWER_MAX (64 << 20) //  bytes of its answer, at most

//  Reads series metric of container (its full id) on host (its address as
//  followed) from the VictoriaMetrics at url (base URL), over [from_ms,
//  to_ms] at the tier hms_history_tier(from_ms, step_ms, now_ms) names.
//  Returns {"step_ms", "t": [...], "min": [...], "mean": [...], "max":
//  [...]} (t ascending, Unix ms; null for a value without a sample), or
//  NULL with error set.
json_t *hms_vmquery_series(const char *url, const char *host, const char *container,
                           hms_metric_t metric, uint64_t from_ms, uint64_t to_ms, uint64_t step_ms,
                           uint64_t now_ms, char *error, size_t size);

#endif
