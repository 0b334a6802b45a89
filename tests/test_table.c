/*  test_table: the manager's healing policy, driven with a fake clock.

    No Docker here: the table is pure logic; test_manager checks the same
    rules end to end against a real engine.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hms_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ID_WEB "aaaa1111bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa7777bbbb8888"
#define ID_DB  "aaaa9999bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa7777bbbb8888"
#define ID_OLD "cccc0000bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa7777bbbb8888"
#define ID_LBL "dddd0000bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa7777bbbb8888"

static uint64_t s_wall = 1795000000000;
static uint64_t s_fake_wall(void)
{
    return s_wall;
}

static const hms_table_policy_t s_policy = {
    .threshold = 60,
    .grace_ms = 1000,
    .backoff_max_ms = 8000,
    .backoff_after = 2,
    .backoff_window_ms = 10000,
    .retry_ms = 500,
};

//  web and db running, old exited before HMS started, lbl running with hms.ignore=true.
static hms_table_t *s_discovered(void)
{
    hms_table_t *table = hms_table_new(&s_policy);
    hms_table_set_wall(table, s_fake_wall);
    hms_table_docker_t list[] = {
        {ID_WEB, "web", "img", "172.17.0.2", "running", false, false, 0},
        {ID_DB, "db", "img", "172.17.0.3", "running", false, false, 0},
        {ID_OLD, "old", "img", "", "exited", false, false, 0},
        {ID_LBL, "lbl", "img", "172.17.0.5", "running", true, false, 0},
    };
    hms_table_sync(table, list, 4, 1000);
    return table;
}

//  Takes the next heal and checks it.
static void s_expect_heal(hms_table_t *table, const char *id, hms_heal_t kind)
{
    char got[HMS_ID_MAX + 1];
    hms_heal_t got_kind;
    char reason[HMS_TEXT_MAX + 1];
    assert_true(hms_table_next_heal(table, got, &got_kind, reason));
    assert_true(*reason);
    assert_string_equal(got, id);
    assert_int_equal(got_kind, kind);
}

static void s_expect_no_heal(hms_table_t *table)
{
    char got[HMS_ID_MAX + 1];
    hms_heal_t kind;
    assert_false(hms_table_next_heal(table, got, &kind, NULL));
}

static hms_container_t s_content_of(hms_table_t *table, const char *name)
{
    hms_container_t content[8];
    size_t count = hms_table_content(table, content, 8);
    for (size_t i = 0; i < count; i++)
        if (strcmp(content[i].name, name) == 0)
            return content[i];
    fail_msg("no %s", name);
    return content[0];
}

static uint64_t s_restarts(hms_table_t *table, const char *name)
{
    return s_content_of(table, name).restarts;
}

static void test_discovery(void **state)
{
    (void)state;
    hms_table_t *table = s_discovered();
    assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_ACTIVE);
    //  Stopped before HMS saw it run: not resurrected.
    assert_int_equal(hms_table_status(table, ID_OLD), HMS_STATUS_STOPPED);
    assert_int_equal(hms_table_status(table, ID_LBL), HMS_STATUS_IGNORED);
    assert_int_equal(hms_table_size(table), 4);
    assert_int_equal(hms_table_monitored(table), 2);
    s_expect_no_heal(table);
    assert_true(hms_table_changed(table, NULL));
    assert_false(hms_table_changed(table, NULL));
    hms_table_destroy(&table);
    assert_null(table);
    hms_table_destroy(&table);
}

static void test_die_heals_once(void **state)
{
    (void)state;
    hms_table_t *table = s_discovered();
    hms_table_changed(table, NULL);
    hms_table_on_die(table, ID_WEB, 5000000000, 5000);
    assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_RESTARTING);
    char reason[HMS_TEXT_MAX + 1];
    assert_true(hms_table_changed(table, reason));
    assert_string_equal(reason, "web restarting");
    s_expect_heal(table, ID_WEB, HMS_HEAL_START);
    s_expect_no_heal(table);
    //  A second die (e.g. docker stop's kill-die-stop) while in flight: nothing.
    hms_table_on_die(table, ID_WEB, 5000100000, 5001);
    s_expect_no_heal(table);
    hms_table_heal_done(table, ID_WEB, true, 204, 5600000000, 5600);
    assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_ACTIVE);
    assert_int_equal(s_restarts(table, "web"), 1);
    assert_int_equal(
        s_content_of(table, "web").loss_heals + s_content_of(table, "web").health_heals, 0);
    //  Events of HMS's own heal, delivered late, are not new failures.
    hms_table_on_die(table, ID_WEB, 5500000000, 5700);
    s_expect_no_heal(table);
    assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_ACTIVE);
    //  A real failure later is healed again.
    hms_table_on_die(table, ID_WEB, 30000000000, 30000);
    s_expect_heal(table, ID_WEB, HMS_HEAL_START);
    //  Unknown containers and stopped ones are left alone.
    hms_table_on_die(table, "ffff", 1, 30001);
    hms_table_on_die(table, ID_OLD, 30000000001, 30001);
    s_expect_no_heal(table);
    hms_table_destroy(&table);
}

static void test_loss(void **state)
{
    (void)state;
    hms_table_t *table = s_discovered();
    const char *ids[8], *ips[8];
    assert_int_equal(hms_table_probe_targets(table, ids, ips, 8, 2000), 2);
    hms_table_changed(table, NULL);
    //  At the threshold is fine; above it restarts.
    hms_table_on_probe(table, ID_DB, 60, 0.1, 2000 - 300, 2000);
    s_expect_no_heal(table);
    assert_true(hms_table_changed(table, NULL));
    hms_table_on_probe(table, ID_DB, 59.8, 0.1, 3000 - 300, 3000);
    assert_false(hms_table_changed(table, NULL)); //  same whole percent
    hms_table_on_probe(table, ID_WEB, 85, 0.1, 3000 - 300, 3000);
    s_expect_heal(table, ID_WEB, HMS_HEAL_RESTART);
    //  Not probed while restarting, nor during the grace period after.
    assert_int_equal(hms_table_probe_targets(table, ids, ips, 8, 3001), 1);
    hms_table_on_probe(table, ID_WEB, 90, 0.1, 3002 - 300, 3002);
    s_expect_no_heal(table);
    hms_table_heal_done(table, ID_WEB, true, 204, 3500000000, 3500);
    //  Counted as a heal for loss.
    hms_container_t entry = s_content_of(table, "web");
    assert_int_equal(entry.restarts, 1);
    assert_int_equal(entry.loss_heals, 1);
    assert_int_equal(entry.health_heals, 0);
    assert_int_equal(hms_table_probe_targets(table, ids, ips, 8, 4000), 1);
    //  Past the grace, web waits for its address, which the restart may
    //  have changed: a view asked for before the heal ended does not count.
    assert_int_equal(hms_table_probe_targets(table, ids, ips, 8, 4500), 1);
    hms_table_docker_t web = {ID_WEB, "web", "img", "172.17.0.9", "running", false, false, 0};
    hms_table_update(table, &web, 3499);
    assert_int_equal(hms_table_probe_targets(table, ids, ips, 8, 4500), 1);
    hms_table_update(table, &web, 3500);
    assert_int_equal(hms_table_probe_targets(table, ids, ips, 8, 4500), 2);
    size_t k = strcmp(ids[0], ID_WEB) == 0 ? 0 : 1;
    assert_string_equal(ids[k], ID_WEB);
    assert_string_equal(ips[k], "172.17.0.9");
    //  The same after a start the engine reports.
    hms_table_on_start(table, ID_WEB, 4600);
    assert_int_equal(hms_table_probe_targets(table, ids, ips, 8, 4700), 1);
    hms_table_update(table, &web, 4650);
    assert_int_equal(hms_table_probe_targets(table, ids, ips, 8, 4700), 2);
    //  The loss shown is cleared by the heal.
    hms_container_t content[8];
    hms_table_content(table, content, 8);
    assert_true(isnan(content[3].loss)); //  web, sorted last
    //  A new threshold applies to the next decision and is a change.
    hms_table_policy_t policy = s_policy;
    policy.threshold = 90;
    hms_table_changed(table, NULL);
    hms_table_set_policy(table, &policy);
    assert_true(hms_table_changed(table, NULL));
    hms_table_on_probe(table, ID_DB, 85, 0.1, 20000 - 300, 20000);
    s_expect_no_heal(table);
    hms_table_destroy(&table);
}

//  A round that spans a death and a heal saw the container down: its loss
//  is not the restarted container's, and must not restart it again.
static void test_round_across_heal(void **state)
{
    (void)state;
    hms_table_t *table = s_discovered();
    hms_table_on_die(table, ID_WEB, 5000000000, 5000);
    s_expect_heal(table, ID_WEB, HMS_HEAL_START);
    hms_table_heal_done(table, ID_WEB, true, 204, 5200000000, 5200);
    assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_ACTIVE);
    //  The round began at 4900, before the death, and ends after the heal.
    hms_table_on_probe(table, ID_WEB, 80, NAN, 4900, 5300);
    s_expect_no_heal(table);
    assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_ACTIVE);
    hms_container_t content[8];
    hms_table_content(table, content, 8);
    assert_true(isnan(content[3].loss)); //  web: nothing measured yet
    //  A round begun after the heal counts.
    hms_table_on_probe(table, ID_WEB, 80, NAN, 6300, 6600);
    s_expect_heal(table, ID_WEB, HMS_HEAL_RESTART);
    hms_table_destroy(&table);
}

static void test_backoff(void **state)
{
    (void)state;
    hms_table_t *table = s_discovered();
    uint64_t now = 100000;
    //  backoff_after = 2: the first heal and two quick failures go at once.
    for (int i = 0; i < 3; i++) {
        hms_table_on_die(table, ID_WEB, now * 1000000, now);
        s_expect_heal(table, ID_WEB, HMS_HEAL_START);
        now += 100;
        hms_table_heal_done(table, ID_WEB, true, 204, now * 1000000, now);
        now += 1000;
    }
    //  The third quick failure waits 1 s, then 2 s, then 4 s, then the cap.
    uint64_t waits[] = {1000, 2000, 4000, 8000, 8000};
    for (int i = 0; i < 5; i++) {
        hms_table_on_die(table, ID_WEB, now * 1000000, now);
        assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_BACKOFF);
        s_expect_no_heal(table);
        hms_table_tick(table, now + waits[i] - 1);
        s_expect_no_heal(table);
        hms_table_tick(table, now + waits[i]);
        assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_RESTARTING);
        s_expect_heal(table, ID_WEB, HMS_HEAL_START);
        now += waits[i] + 100;
        hms_table_heal_done(table, ID_WEB, true, 204, now * 1000000, now);
        now += 1000;
    }
    //  Up for longer than the window: the next failure is healed at once.
    now += 10000;
    hms_table_on_die(table, ID_WEB, now * 1000000, now);
    s_expect_heal(table, ID_WEB, HMS_HEAL_START);
    hms_table_destroy(&table);
}

//  Loss heals back off only when the restarts do not help: a round under
//  the threshold after a restart makes the next loss a new failure.
static void test_backoff_loss(void **state)
{
    (void)state;
    hms_table_t *table = s_discovered();
    uint64_t now = 100000;
    //  Each restart works (a good round follows): healed at once every time,
    //  though every loss comes within the window of the last heal.
    for (int i = 0; i < 6; i++) {
        hms_table_on_probe(table, ID_WEB, 85, 0.1, now - 300, now);
        assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_RESTARTING);
        s_expect_heal(table, ID_WEB, HMS_HEAL_RESTART);
        now += 300;
        hms_table_heal_done(table, ID_WEB, true, 204, now * 1000000, now);
        now += 500;
        hms_table_on_probe(table, ID_WEB, 0, 0.1, now - 300, now);
        now += 500;
    }
    //  Restarts that do not help (the first round after each shows the
    //  loss again): the third in a row backs off (backoff_after = 2).
    for (int i = 0; i < 3; i++) {
        hms_table_on_probe(table, ID_WEB, 85, 0.1, now - 300, now);
        assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_RESTARTING);
        s_expect_heal(table, ID_WEB, HMS_HEAL_RESTART);
        now += 300;
        hms_table_heal_done(table, ID_WEB, true, 204, now * 1000000, now);
        now += 500;
    }
    hms_table_on_probe(table, ID_WEB, 85, 0.1, now - 300, now);
    assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_BACKOFF);
    s_expect_no_heal(table);
    hms_table_destroy(&table);
}

//  A container stopped or killed through the engine's API (a kill event
//  before its die) is healed at once however often it happens, and those
//  heals do not count towards backoff; a die of its own still does.
static void test_stops_from_outside(void **state)
{
    (void)state;
    hms_table_t *table = s_discovered();
    uint64_t now = 100000;
    for (int i = 0; i < 10; i++) {
        hms_table_on_kill(table, ID_WEB, now * 1000000);
        hms_table_on_die(table, ID_WEB, now * 1000000 + 1, now);
        assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_RESTARTING);
        s_expect_heal(table, ID_WEB, HMS_HEAL_START);
        now += 100;
        hms_table_heal_done(table, ID_WEB, true, 204, now * 1000000, now);
        hms_table_on_start(table, ID_WEB, now);
        now += 1000;
    }
    //  A kill seen while HMS's own heal is in flight is HMS's own.
    hms_table_on_die(table, ID_WEB, now * 1000000, now);
    s_expect_heal(table, ID_WEB, HMS_HEAL_START);
    hms_table_on_kill(table, ID_WEB, now * 1000000 + 5);
    now += 100;
    hms_table_heal_done(table, ID_WEB, true, 204, now * 1000000, now);
    now += 1000;
    //  Its own failures (1 s after a start: quick ones): that one was the
    //  first (backoff_after = 2), one more goes at once, the next backs off.
    for (int i = 0; i < 1; i++) {
        hms_table_on_die(table, ID_WEB, now * 1000000, now);
        s_expect_heal(table, ID_WEB, HMS_HEAL_START);
        now += 100;
        hms_table_heal_done(table, ID_WEB, true, 204, now * 1000000, now);
        now += 1000;
    }
    hms_table_on_die(table, ID_WEB, now * 1000000, now);
    assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_BACKOFF);
    s_expect_no_heal(table);
    hms_table_destroy(&table);
}

static void test_backoff_cancelled_by_start(void **state)
{
    (void)state;
    hms_table_policy_t policy = s_policy;
    policy.backoff_after = 0;
    hms_table_t *table = hms_table_new(&policy);
    hms_table_docker_t web = {ID_WEB, "web", "img", "172.17.0.2", "running", false, false, 0};
    hms_table_sync(table, &web, 1, 1000);
    hms_table_on_die(table, ID_WEB, 2000000000, 2000);
    s_expect_heal(table, ID_WEB, HMS_HEAL_START);
    hms_table_heal_done(table, ID_WEB, true, 204, 2100000000, 2100);
    hms_table_on_die(table, ID_WEB, 3000000000, 3000);
    assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_BACKOFF);
    //  Someone else started it: nothing left to do.
    hms_table_on_start(table, ID_WEB, 3100);
    assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_ACTIVE);
    hms_table_tick(table, 10000);
    s_expect_no_heal(table);
    //  backoff_max_ms = 0 turns backoff off.
    policy.backoff_max_ms = 0;
    hms_table_set_policy(table, &policy);
    hms_table_on_die(table, ID_WEB, 3200000000, 3200);
    s_expect_heal(table, ID_WEB, HMS_HEAL_START);
    hms_table_destroy(&table);
}

static void test_heal_failures(void **state)
{
    (void)state;
    hms_table_t *table = s_discovered();
    hms_table_on_die(table, ID_WEB, 5000000000, 5000);
    s_expect_heal(table, ID_WEB, HMS_HEAL_START);
    //  Engine unreachable: down, retried after retry_ms.
    hms_table_heal_done(table, ID_WEB, false, 0, 5010000000, 5010);
    assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_DOWN);
    hms_table_tick(table, 5400);
    s_expect_no_heal(table);
    hms_table_tick(table, 5510);
    s_expect_heal(table, ID_WEB, HMS_HEAL_START);
    //  Gone: dropped from the table.
    hms_table_heal_done(table, ID_WEB, false, 404, 5600000000, 5600);
    assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_NONE);
    assert_int_equal(hms_table_size(table), 3);
    hms_table_destroy(&table);
}

static void test_ignore_and_watch(void **state)
{
    (void)state;
    hms_table_t *table = s_discovered();
    //  Ignoring cancels a heal not yet handed out.
    hms_table_on_die(table, ID_WEB, 5000000000, 5000);
    assert_int_equal(hms_table_ignore(table, ID_WEB, 5001), HMS_STATUS_IGNORED);
    s_expect_no_heal(table);
    hms_table_on_die(table, ID_WEB, 6000000000, 6000);
    s_expect_no_heal(table);
    //  Watching again starts it, at once.
    assert_int_equal(hms_table_watch(table, ID_WEB, 7000), HMS_STATUS_RESTARTING);
    s_expect_heal(table, ID_WEB, HMS_HEAL_START);
    //  A labelled container can be watched, and that is remembered.
    assert_int_equal(hms_table_watch(table, ID_LBL, 7000), HMS_STATUS_ACTIVE);
    const char **watch = hms_table_watch_list(table);
    assert_string_equal(watch[0], ID_LBL);
    assert_null(watch[1]);
    free(watch);
    //  A container that never ran can be added: it is started.
    assert_int_equal(hms_table_watch(table, ID_OLD, 7000), HMS_STATUS_RESTARTING);
    s_expect_heal(table, ID_OLD, HMS_HEAL_START);
    hms_table_ignore(table, ID_DB, 7000);
    const char **ignore = hms_table_ignore_list(table);
    assert_string_equal(ignore[0], ID_DB);
    assert_null(ignore[1]);
    free(ignore);
    hms_table_destroy(&table);
}

static void test_lists_loaded(void **state)
{
    (void)state;
    hms_table_t *table = hms_table_new(&s_policy);
    const char *ignore[] = {ID_WEB, ID_OLD};
    const char *watch[] = {ID_LBL};
    hms_table_set_lists(table, ignore, 2, watch, 1);
    hms_table_docker_t list[] = {
        {ID_WEB, "web", "img", "172.17.0.2", "running", false, false, 0},
        {ID_LBL, "lbl", "img", "172.17.0.5", "running", true, false, 0},
    };
    hms_table_sync(table, list, 2, 1000);
    assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_IGNORED);
    assert_int_equal(hms_table_status(table, ID_LBL), HMS_STATUS_ACTIVE);
    //  ID_OLD no longer exists in Docker: pruned from the list.
    const char **ids = hms_table_ignore_list(table);
    assert_string_equal(ids[0], ID_WEB);
    assert_null(ids[1]);
    free(ids);
    hms_table_destroy(&table);
}

static void test_resolve(void **state)
{
    (void)state;
    hms_table_t *table = s_discovered();
    int code = 0;
    assert_string_equal(hms_table_resolve(table, ID_DB, &code), ID_DB);
    assert_string_equal(hms_table_resolve(table, "db", &code), ID_DB);
    assert_string_equal(hms_table_resolve(table, "aaaa9", &code), ID_DB);
    assert_null(hms_table_resolve(table, "aaaa", &code)); //  web and db
    assert_int_equal(code, HMS_CODE_CONFLICT);
    assert_null(hms_table_resolve(table, "ccc", &code)); //  too short for a prefix
    assert_int_equal(code, HMS_CODE_NOT_FOUND);
    assert_null(hms_table_resolve(table, "nothing", &code));
    assert_int_equal(code, HMS_CODE_NOT_FOUND);
    hms_table_destroy(&table);
}

static void test_content(void **state)
{
    (void)state;
    hms_table_t *table = s_discovered();
    hms_table_on_probe(table, ID_DB, 5, 0.25, 2000 - 300, 2000);
    hms_container_t content[8];
    assert_int_equal(hms_table_content(table, content, 8), 4);
    assert_string_equal(content[0].name, "db");
    assert_true(content[0].loss == 5.0);
    assert_string_equal(content[0].ip, "172.17.0.3");
    assert_string_equal(content[0].image, "img");
    assert_int_equal(content[0].since_ms, s_wall);
    assert_string_equal(content[1].name, "lbl");
    //  Ignored: the short id and the status, nothing else.
    assert_string_equal(content[1].id, "dddd0000bbbb");
    assert_int_equal(content[1].status, HMS_STATUS_IGNORED);
    assert_string_equal(content[1].ip, "");
    assert_string_equal(content[2].name, "old");
    assert_int_equal(content[2].status, HMS_STATUS_STOPPED);
    assert_true(isnan(content[3].loss));
    assert_int_equal(hms_table_content(table, content, 2), 2);
    hms_table_destroy(&table);
}

static void test_sync(void **state)
{
    (void)state;
    hms_table_t *table = s_discovered();
    //  web stopped without an event reaching HMS: the next listing heals it.
    hms_table_docker_t list[] = {
        {ID_WEB, "web", "img", "172.17.0.2", "exited", false, false, 0},
        {ID_DB, "db", "img", "172.17.0.3", "exited", false, false, 0},
        {ID_OLD, "old", "img", "", "exited", false, false, 0},
    };
    //  db had an event after the listing was asked for: the listing is stale.
    hms_table_on_start(table, ID_DB, 11000);
    hms_table_sync(table, list, 3, 10000);
    s_expect_heal(table, ID_WEB, HMS_HEAL_START);
    s_expect_no_heal(table);
    assert_int_equal(hms_table_status(table, ID_DB), HMS_STATUS_ACTIVE);
    //  lbl is gone from Docker: gone from the table.
    assert_int_equal(hms_table_status(table, ID_LBL), HMS_STATUS_NONE);
    //  A container created and started later is watched.
    //  Its inspect answer was audited: the findings are in its entry, and a
    //  list entry (no configuration in it) keeps them.
    hms_table_docker_t fresh = {"eeee", "fresh", "img", "172.17.0.9", "running", false, true, 5};
    assert_false(hms_table_audited(table, "eeee"));
    hms_table_update(table, &fresh, 12000);
    assert_int_equal(hms_table_status(table, "eeee"), HMS_STATUS_ACTIVE);
    assert_true(hms_table_audited(table, "eeee"));
    assert_int_equal(s_content_of(table, "fresh").risks, 5);
    hms_table_changed(table, NULL);
    hms_table_docker_t listed = fresh;
    listed.audited = false;
    listed.risks = 0;
    hms_table_update(table, &listed, 12001);
    assert_int_equal(s_content_of(table, "fresh").risks, 5);
    assert_false(hms_table_changed(table, NULL));
    //  A new audit (docker update) that finds otherwise is a change.
    fresh.risks = 1;
    hms_table_update(table, &fresh, 12002);
    assert_true(hms_table_changed(table, NULL));
    assert_int_equal(s_content_of(table, "fresh").risks, 1);
    hms_table_on_destroy(table, "eeee", 13000);
    assert_int_equal(hms_table_status(table, "eeee"), HMS_STATUS_NONE);
    hms_table_destroy(&table);
}

//  A listing is answered late when the engine is busy (a burst of starts):
//  it must not undo what events and inspects taught since it was asked for.
static void test_stale_listing(void **state)
{
    (void)state;
    hms_table_t *table = s_discovered();
    hms_table_docker_t created = {"eeee", "new", "img", "", "created", false, true, 0};
    hms_table_update(table, &created, 2000);
    assert_int_equal(hms_table_status(table, "eeee"), HMS_STATUS_STOPPED);
    //  Asked for at 2500 before a start at 3000, then in the millisecond of a
    //  start at 4000; answered after the start event and the start's inspect.
    hms_table_docker_t list[] = {
        {ID_WEB, "web", "img", "172.17.0.2", "running", false, false, 0},
        {ID_DB, "db", "img", "172.17.0.3", "running", false, false, 0},
        {ID_OLD, "old", "img", "", "exited", false, false, 0},
        {ID_LBL, "lbl", "img", "172.17.0.5", "running", true, false, 0},
        {"eeee", "new", "img", "", "created", false, false, 0},
    };
    const uint64_t listed_at[] = {2500, 4000}, later_at[] = {2501, 4000};
    for (int pass = 0; pass < 2; pass++) {
        uint64_t start = 3000 + 1000 * (uint64_t)pass;
        hms_table_on_start(table, "eeee", start);
        hms_table_docker_t running = {"eeee",    "new", "img", "172.17.0.20",
                                      "running", false, true,  0};
        hms_table_update(table, &running, start);
        //  Created after the listing was asked for: not in it.
        hms_table_docker_t later = {"ffff", "later", "img", "", "created", false, true, 0};
        hms_table_update(table, &later, later_at[pass]);
        hms_table_sync(table, list, 5, listed_at[pass]);
        hms_container_t entry = s_content_of(table, "new");
        assert_string_equal(entry.state, "running");
        assert_int_equal(entry.status, HMS_STATUS_ACTIVE);
        assert_string_equal(entry.ip, "172.17.0.20");
        s_expect_no_heal(table);
        const char *ids[8], *ips[8];
        assert_int_equal(hms_table_probe_targets(table, ids, ips, 8, start + 2000), 3);
        assert_int_equal(hms_table_status(table, "ffff"), HMS_STATUS_STOPPED);
    }
    //  A listing asked for later speaks for the present: ffff is gone.
    list[4].ip = "172.17.0.20";
    list[4].state = "running";
    hms_table_sync(table, list, 5, 6000);
    assert_int_equal(hms_table_status(table, "ffff"), HMS_STATUS_NONE);
    assert_string_equal(s_content_of(table, "new").ip, "172.17.0.20");
    hms_table_destroy(&table);
}

//  A container removed while a listing or an inspect was under way is not
//  brought back by their late answers.
static void test_late_answers_after_destroy(void **state)
{
    (void)state;
    hms_table_t *table = s_discovered();
    hms_table_docker_t list[] = {
        {ID_WEB, "web", "img", "172.17.0.2", "running", false, false, 0},
        {ID_DB, "db", "img", "172.17.0.3", "running", false, false, 0},
    };
    hms_table_on_destroy(table, ID_DB, 2500);
    assert_int_equal(hms_table_status(table, ID_DB), HMS_STATUS_NONE);
    hms_table_sync(table, list, 2, 2000); //  asked for before the destroy
    assert_int_equal(hms_table_status(table, ID_DB), HMS_STATUS_NONE);
    hms_table_sync(table, list, 2, 2500); //  in its millisecond
    assert_int_equal(hms_table_status(table, ID_DB), HMS_STATUS_NONE);
    hms_table_docker_t inspected = {ID_DB, "db", "img", "172.17.0.3", "running", false, true, 0};
    hms_table_update(table, &inspected, 2499);
    assert_int_equal(hms_table_status(table, ID_DB), HMS_STATUS_NONE);
    assert_int_equal(hms_table_status(table, ID_WEB), HMS_STATUS_ACTIVE);
    //  A listing asked for after it speaks for the present.
    hms_table_sync(table, list, 1, 3000);
    assert_int_equal(hms_table_status(table, ID_DB), HMS_STATUS_NONE);
    hms_table_destroy(&table);
}

static void test_unhealthy(void **state)
{
    (void)state;
    hms_table_t *table = s_discovered();
    hms_table_on_unhealthy(table, ID_DB, 5000000000, 5000);
    s_expect_heal(table, ID_DB, HMS_HEAL_RESTART);
    hms_table_heal_done(table, ID_DB, true, 204, 6000000000, 6000);
    hms_container_t entry = s_content_of(table, "db");
    assert_int_equal(entry.health_heals, 1);
    assert_int_equal(entry.loss_heals, 0);
    //  The health status of before the restart does not count.
    hms_table_on_unhealthy(table, ID_DB, 5900000000, 6100);
    s_expect_no_heal(table);
    hms_table_destroy(&table);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discovery),
        cmocka_unit_test(test_die_heals_once),
        cmocka_unit_test(test_loss),
        cmocka_unit_test(test_round_across_heal),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_backoff_loss),
        cmocka_unit_test(test_stops_from_outside),
        cmocka_unit_test(test_backoff_cancelled_by_start),
        cmocka_unit_test(test_heal_failures),
        cmocka_unit_test(test_ignore_and_watch),
        cmocka_unit_test(test_lists_loaded),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_content),
        cmocka_unit_test(test_sync),
        cmocka_unit_test(test_stale_listing),
        cmocka_unit_test(test_late_answers_after_destroy),
        cmocka_unit_test(test_unhealthy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
