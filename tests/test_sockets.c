/*  test_sockets: a zloop reads many sockets through one epoll set
    (controller/hms_sockets).

    Real ZeroMQ sockets over inproc pairs: every message sent is read once,
    in order per socket, however many sockets and messages; a socket with
    more than a turn's worth does not starve the others; a socket removed
    from within a handler (its own or another) is never read again; a send
    on a watched socket does not lose the signal of its reply.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hms_sockets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAIRS 300

typedef struct {
    zsock_t *in, *out; //  read through the set; written by the test
    int read;          //  messages read from in
    int last;          //  the last number read
    bool ordered;      //  every number was the one after the last
    int remove;        //  index of a pair to remove when this one reads; -1: none
} pair_t;

static pair_t s_pairs[PAIRS];
static hms_sockets_t *s_set;
static int s_total, s_expected;

static int s_handler(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    pair_t *pair = arg;
    char *text = zstr_recv(sock);
    int number = text ? atoi(text) : -1;
    zstr_free(&text);
    pair->ordered = pair->ordered && number == pair->last + 1;
    pair->last = number;
    pair->read++;
    if (pair->remove >= 0) {
        hms_sockets_remove(s_set, s_pairs[pair->remove].in);
        pair->remove = -1;
    }
    return ++s_total == s_expected ? -1 : 0; //  all read: the loop ends
}

static int s_timeout(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    (void)arg;
    return -1;
}

static zloop_t *s_setup(int pairs)
{
    zloop_t *loop = zloop_new();
    s_set = hms_sockets_new(loop);
    assert_non_null(s_set);
    for (int i = 0; i < pairs; i++) {
        char endpoint[64];
        //  Names never used before: a closed socket's may not be free yet.
        static int made;
        snprintf(endpoint, sizeof endpoint, "@inproc://test-sockets-%d", made++);
        s_pairs[i] = (pair_t){zsock_new_pair(endpoint), NULL, 0, 0, true, -1};
        endpoint[0] = '>';
        s_pairs[i].out = zsock_new_pair(endpoint);
        assert_non_null(s_pairs[i].in);
        assert_non_null(s_pairs[i].out);
        assert_int_equal(hms_sockets_add(s_set, s_pairs[i].in, s_handler, &s_pairs[i]), 0);
    }
    //  A loop that would wait forever for a lost signal ends here instead.
    zloop_timer(loop, 10000, 1, s_timeout, NULL);
    s_total = 0;
    return loop;
}

static void s_teardown(zloop_t **loop, int pairs)
{
    hms_sockets_destroy(&s_set);
    zloop_destroy(loop);
    for (int i = 0; i < pairs; i++) {
        zsock_destroy(&s_pairs[i].in);
        zsock_destroy(&s_pairs[i].out);
    }
}

static void test_every_message_once(void **state)
{
    (void)state;
    zloop_t *loop = s_setup(PAIRS);
    //  Pair 0 has 1,000 messages (many turns' worth), the others 3 each;
    //  some are sent before the loop starts, so before any signal is read.
    s_expected = 1000 + 3 * (PAIRS - 1);
    for (int n = 1; n <= 1000; n++)
        zstr_sendf(s_pairs[0].out, "%d", n);
    for (int i = 1; i < PAIRS; i++)
        for (int n = 1; n <= 3; n++)
            zstr_sendf(s_pairs[i].out, "%d", n);
    zloop_start(loop);
    assert_int_equal(s_total, s_expected);
    for (int i = 0; i < PAIRS; i++) {
        assert_int_equal(s_pairs[i].read, i == 0 ? 1000 : 3);
        assert_true(s_pairs[i].ordered);
    }
    s_teardown(&loop, PAIRS);
}

static void test_remove_in_handler(void **state)
{
    (void)state;
    zloop_t *loop = s_setup(3);
    //  Pair 0's first message removes pair 1, whose messages are then never
    //  read, and pair 0 itself goes with its second message.
    s_pairs[0].remove = 1;
    s_expected = 1;
    zstr_send(s_pairs[0].out, "1");
    zloop_start(loop);
    s_expected = 1 + 1 + 2;
    for (int n = 1; n <= 2; n++) {
        zstr_sendf(s_pairs[1].out, "%d", n);
        zstr_sendf(s_pairs[2].out, "%d", n);
    }
    zstr_send(s_pairs[0].out, "2");
    s_pairs[0].remove = 0;
    zstr_send(s_pairs[0].out, "3"); //  never read: pair 0 went at "2"
    zloop_start(loop);
    assert_int_equal(s_pairs[0].read, 2);
    assert_int_equal(s_pairs[1].read, 0);
    assert_int_equal(s_pairs[2].read, 2);
    s_teardown(&loop, 3);
}

//  A message that arrives just before the watched socket sends (as a
//  controller sends a request from a timer) may have its signal taken by
//  the send: with the check after each send, none is left unread.
static int s_count(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    pair_t *pair = arg;
    char *text = zstr_recv(sock);
    zstr_free(&text);
    return ++pair->read == 200 ? -1 : 0;
}

static int s_send_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    pair_t *pair = arg;
    zstr_send(pair->out, "message");
    zstr_send(pair->in, "request");
    hms_sockets_check(s_set, pair->in);
    char *request = zstr_recv(pair->out);
    zstr_free(&request);
    return 0;
}

static void test_check_after_send(void **state)
{
    (void)state;
    zloop_t *loop = s_setup(1);
    hms_sockets_remove(s_set, s_pairs[0].in);
    assert_int_equal(hms_sockets_add(s_set, s_pairs[0].in, s_count, &s_pairs[0]), 0);
    zloop_timer(loop, 1, 200, s_send_timer, &s_pairs[0]);
    zloop_start(loop);
    assert_int_equal(s_pairs[0].read, 200);
    s_teardown(&loop, 1);
}

int main(void)
{
    zsys_set_max_sockets(0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_message_once),
        cmocka_unit_test(test_remove_in_handler),
        cmocka_unit_test(test_check_after_send),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
