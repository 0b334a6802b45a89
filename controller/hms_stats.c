/*  hms_stats: GET /stats. */

#include "hms_stats.h"
#include "hms_follower.h"

//  One host's counters.
static json_t *s_host(hms_follower_t *host, const hms_follower_counters_t *c)
{
    json_t *stats = json_pack("{s:s, s:b}", "address", hms_follower_address(host), "pending",
                              hms_follower_pending(host));
    const struct {
        const char *key;
        uint64_t value;
    } counts[] = {{"msgs_in", c->msgs_in},           {"bytes_in", c->bytes_in},
                  {"msgs_out", c->msgs_out},         {"bytes_out", c->bytes_out},
                  {"bad_messages", c->bad_messages}, {"unsent", c->unsent},
                  {"pending_ms", c->pending_ms},     {"deltas", c->deltas},
                  {"snapshots", c->snapshots},       {"gaps", c->gaps},
                  {"mismatches", c->mismatches},     {"content_bytes", c->content_bytes},
                  {"metrics_msgs", c->metrics_msgs}, {"metrics_bytes", c->metrics_bytes}};
    for (size_t i = 0; stats && i < sizeof counts / sizeof counts[0]; i++)
        json_object_set_new(stats, counts[i].key, json_integer((json_int_t)counts[i].value));
    return stats;
}

json_t *hms_stats_json(const hms_stats_t *stats, zlistx_t *hosts, uint64_t now)
{
    json_t *list = json_array();
    uint64_t msgs_in = 0, bytes_in = 0, msgs_out = 0, bytes_out = 0;
    for (hms_follower_t *host = zlistx_first(hosts); host; host = zlistx_next(hosts)) {
        hms_follower_counters_t c;
        hms_follower_counters(host, now, &c);
        msgs_in += c.msgs_in, bytes_in += c.bytes_in;
        msgs_out += c.msgs_out, bytes_out += c.bytes_out;
        json_array_append_new(list, s_host(host, &c));
    }
    return json_pack("{s:I, s:I, s:s, s:{s:I, s:I}, s:{s:I, s:I, s:I, s:I}, s:o}", "uptime_ms",
                     (json_int_t)stats->uptime_ms, "max_hosts", (json_int_t)stats->max_hosts,
                     "sync", stats->sync, "availability", "samples", (json_int_t)stats->samples,
                     "complete", (json_int_t)stats->samples_complete, "total", "msgs_in",
                     (json_int_t)msgs_in, "bytes_in", (json_int_t)bytes_in, "msgs_out",
                     (json_int_t)msgs_out, "bytes_out", (json_int_t)bytes_out, "hosts", list);
}
