/*  hms_stats: GET /stats, the controller's counters: its own, the total
    control-plane traffic, and each followed host's (hms_follower_counters).
*/
#ifndef HMS_STATS_H_INCLUDED
#define HMS_STATS_H_INCLUDED

#include <czmq.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

//  The controller's own figures.
typedef struct {
    uint64_t uptime_ms;
    size_t max_hosts;          //  hosts it may follow
    const char *sync;          //  "delta" or "notify"
    uint64_t samples;          //  the seed's availability: samples taken every 250 ms
    uint64_t samples_complete; //  of which no host was pending
} hms_stats_t;

//  The /stats document for stats and hosts (hms_follower_t), at now
//  (monotonic ms). NULL when out of memory.
json_t *hms_stats_json(const hms_stats_t *stats, zlistx_t *hosts, uint64_t now);

#endif
