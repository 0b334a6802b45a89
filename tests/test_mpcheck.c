/*  test_mpcheck: the msgpack pre-validator, format by format, and against
    msgpack-c itself: what hms_mpcheck accepts msgpack-c unpacks whole, and
    every well-formed object within the depth limit is accepted.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hms_mpcheck.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(result, ...)                                                                         \
    do {                                                                                           \
        const uint8_t bytes_[] = {__VA_ARGS__};                                                    \
        assert_int_equal(hms_mpcheck(bytes_, sizeof bytes_, 8, 1000), result);                     \
    } while (0)

static void test_scalars(void **state)
{
    (void)state;
    CHECK(HMS_MPCHECK_OK, 0x00);
    CHECK(HMS_MPCHECK_OK, 0x7f);
    CHECK(HMS_MPCHECK_OK, 0xe0);
    CHECK(HMS_MPCHECK_OK, 0xff);
    CHECK(HMS_MPCHECK_OK, 0xc0);
    CHECK(HMS_MPCHECK_OK, 0xc2);
    CHECK(HMS_MPCHECK_OK, 0xc3);
    CHECK(HMS_MPCHECK_OK, 0xcc, 0x01);
    CHECK(HMS_MPCHECK_OK, 0xcd, 0x01, 0x02);
    CHECK(HMS_MPCHECK_OK, 0xce, 1, 2, 3, 4);
    CHECK(HMS_MPCHECK_OK, 0xcf, 1, 2, 3, 4, 5, 6, 7, 8);
    CHECK(HMS_MPCHECK_OK, 0xd0, 0x80);
    CHECK(HMS_MPCHECK_OK, 0xd1, 1, 2);
    CHECK(HMS_MPCHECK_OK, 0xd2, 1, 2, 3, 4);
    CHECK(HMS_MPCHECK_OK, 0xd3, 1, 2, 3, 4, 5, 6, 7, 8);
    CHECK(HMS_MPCHECK_OK, 0xca, 1, 2, 3, 4);
    CHECK(HMS_MPCHECK_OK, 0xcb, 1, 2, 3, 4, 5, 6, 7, 8);
    //  Fixed-width payloads cut short.
    CHECK(HMS_MPCHECK_TRUNCATED, 0xcc);
    CHECK(HMS_MPCHECK_TRUNCATED, 0xcd, 0x01);
    CHECK(HMS_MPCHECK_TRUNCATED, 0xcb, 1, 2, 3, 4, 5, 6, 7);
    CHECK(HMS_MPCHECK_TRUNCATED, 0xd3, 1);
    assert_int_equal(hms_mpcheck("", 0, 8, 1000), HMS_MPCHECK_TRUNCATED);
    CHECK(HMS_MPCHECK_BAD_BYTE, 0xc1);
    CHECK(HMS_MPCHECK_TRAILING, 0x01, 0x02);
}

static void test_strings_and_ext(void **state)
{
    (void)state;
    CHECK(HMS_MPCHECK_OK, 0xa3, 'a', 'b', 'c');
    CHECK(HMS_MPCHECK_OK, 0xa0);
    CHECK(HMS_MPCHECK_OK, 0xd9, 0x02, 'a', 'b');
    CHECK(HMS_MPCHECK_OK, 0xda, 0x00, 0x01, 'a');
    CHECK(HMS_MPCHECK_OK, 0xdb, 0x00, 0x00, 0x00, 0x01, 'a');
    CHECK(HMS_MPCHECK_OK, 0xc4, 0x01, 0x00);
    CHECK(HMS_MPCHECK_OK, 0xc5, 0x00, 0x01, 0x00);
    CHECK(HMS_MPCHECK_OK, 0xc6, 0x00, 0x00, 0x00, 0x01, 0x00);
    CHECK(HMS_MPCHECK_OK, 0xc7, 0x01, 0x05, 0xaa);
    CHECK(HMS_MPCHECK_OK, 0xc8, 0x00, 0x01, 0x05, 0xaa);
    CHECK(HMS_MPCHECK_OK, 0xc9, 0x00, 0x00, 0x00, 0x01, 0x05, 0xaa);
    CHECK(HMS_MPCHECK_OK, 0xd4, 0x05, 0xaa);
    CHECK(HMS_MPCHECK_OK, 0xd5, 0x05, 0xaa, 0xbb);
    CHECK(HMS_MPCHECK_OK, 0xd6, 0x05, 1, 2, 3, 4);
    CHECK(HMS_MPCHECK_OK, 0xd7, 0x05, 1, 2, 3, 4, 5, 6, 7, 8);
    CHECK(HMS_MPCHECK_TRUNCATED, 0xd8, 0x05, 1, 2, 3);
    //  A cut string, and lengths no buffer this size could hold.
    CHECK(HMS_MPCHECK_TRUNCATED, 0xa9, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
    CHECK(HMS_MPCHECK_TRAILING, 0xa5, 'a', 'b', 'c', 'd', 'e', 'f');
    CHECK(HMS_MPCHECK_TRUNCATED, 0xa3, 'a', 'b');
    CHECK(HMS_MPCHECK_BAD_LENGTH, 0xdb, 0xff, 0xff, 0xff, 0xff, 'a');
    CHECK(HMS_MPCHECK_BAD_LENGTH, 0xc6, 0x7f, 0xff, 0xff, 0xff);
    CHECK(HMS_MPCHECK_BAD_LENGTH, 0xc9, 0x7f, 0xff, 0xff, 0xff, 0x01);
    CHECK(HMS_MPCHECK_TRUNCATED, 0xdb, 0x00, 0x00);
}

static void test_containers(void **state)
{
    (void)state;
    CHECK(HMS_MPCHECK_OK, 0x90);
    CHECK(HMS_MPCHECK_OK, 0x80);
    CHECK(HMS_MPCHECK_OK, 0x92, 0x01, 0x02);
    CHECK(HMS_MPCHECK_OK, 0x81, 0xa1, 'k', 0x92, 0x01, 0x90);
    CHECK(HMS_MPCHECK_OK, 0xdc, 0x00, 0x02, 0x01, 0x02);
    CHECK(HMS_MPCHECK_OK, 0xdd, 0x00, 0x00, 0x00, 0x01, 0xc0);
    CHECK(HMS_MPCHECK_OK, 0xde, 0x00, 0x01, 0x01, 0x02);
    CHECK(HMS_MPCHECK_OK, 0xdf, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02);
    //  The famous five bytes, and their map cousins.
    CHECK(HMS_MPCHECK_BAD_LENGTH, 0xdd, 0x01, 0x00, 0x00, 0x00);
    CHECK(HMS_MPCHECK_BAD_LENGTH, 0xdf, 0x01, 0x00, 0x00, 0x00);
    CHECK(HMS_MPCHECK_BAD_LENGTH, 0xdc, 0xff, 0xff);
    //  A map needs two objects per pair.
    CHECK(HMS_MPCHECK_TRUNCATED, 0x84, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07);
    CHECK(HMS_MPCHECK_TRAILING, 0x82, 0x01, 0x02, 0x03, 0x04, 0x05);
    CHECK(HMS_MPCHECK_TRUNCATED, 0x93, 0x01, 0x02);
    CHECK(HMS_MPCHECK_BAD_BYTE, 0x92, 0x01, 0xc1);
    CHECK(HMS_MPCHECK_TRAILING, 0x91, 0x01, 0x01);
}

static void test_depth(void **state)
{
    (void)state;
    const uint8_t three[] = {0x91, 0x91, 0x91, 0x01};
    assert_int_equal(hms_mpcheck(three, sizeof three, 3, 1000), HMS_MPCHECK_OK);
    assert_int_equal(hms_mpcheck(three, sizeof three, 2, 1000), HMS_MPCHECK_TOO_DEEP);
    //  Empty containers count as a level.
    const uint8_t empty[] = {0x91, 0x91, 0x90};
    assert_int_equal(hms_mpcheck(empty, sizeof empty, 3, 1000), HMS_MPCHECK_OK);
    assert_int_equal(hms_mpcheck(empty, sizeof empty, 2, 1000), HMS_MPCHECK_TOO_DEEP);
    //  Depth returns after a nested container closes: [[1],[1]] is 2 deep.
    const uint8_t siblings[] = {0x92, 0x91, 0x01, 0x91, 0x01};
    assert_int_equal(hms_mpcheck(siblings, sizeof siblings, 2, 1000), HMS_MPCHECK_OK);
    //  Deeper than the internal stack is still just too deep.
    uint8_t deep[200];
    memset(deep, 0x91, sizeof deep);
    deep[sizeof deep - 1] = 0x01;
    assert_int_equal(hms_mpcheck(deep, sizeof deep, 1000, 1000), HMS_MPCHECK_TOO_DEEP);
}

//  Each key, value and element is an object; the limit counts them all.
static void test_objects(void **state)
{
    (void)state;
    //  [1, 2, {3: 4}]: the array, 1, 2, the map, 3, 4 = 6 objects.
    const uint8_t six[] = {0x93, 0x01, 0x02, 0x81, 0x03, 0x04};
    assert_int_equal(hms_mpcheck(six, sizeof six, 8, 6), HMS_MPCHECK_OK);
    assert_int_equal(hms_mpcheck(six, sizeof six, 8, 5), HMS_MPCHECK_TOO_MANY);
    //  One megabyte of one-byte elements: legal msgpack, too many objects.
    size_t size = 5 + 1000000;
    uint8_t *many = malloc(size);
    assert_non_null(many);
    many[0] = 0xdd;
    many[1] = 0x00;
    many[2] = 0x0f;
    many[3] = 0x42;
    many[4] = 0x40; //  array32 of 1,000,000
    memset(many + 5, 0xc0, size - 5);
    assert_int_equal(hms_mpcheck(many, size, 8, SIZE_MAX), HMS_MPCHECK_OK);
    assert_int_equal(hms_mpcheck(many, size, 8, 65536), HMS_MPCHECK_TOO_MANY);
    free(many);
}

//  A random object packed with msgpack-c, at most depth levels deep.
static void s_random_object(msgpack_packer *pk, int depth, unsigned *seed)
{
    int kind = rand_r(seed) % (depth > 0 ? 12 : 9);
    char text[300];
    memset(text, 'x', sizeof text);
    switch (kind) {
    case 0: msgpack_pack_nil(pk); break;
    case 1: msgpack_pack_true(pk); break;
    case 2: msgpack_pack_uint64(pk, (uint64_t)rand_r(seed) << (rand_r(seed) % 40)); break;
    case 3:
        msgpack_pack_int64(pk, -(int64_t)((uint64_t)rand_r(seed) << (rand_r(seed) % 30)));
        break;
    case 4: msgpack_pack_double(pk, rand_r(seed) / 7.0); break;
    case 5: msgpack_pack_float(pk, (float)rand_r(seed)); break;
    case 6: msgpack_pack_str_with_body(pk, text, rand_r(seed) % sizeof text); break;
    case 7: msgpack_pack_bin_with_body(pk, text, rand_r(seed) % sizeof text); break;
    case 8: msgpack_pack_ext_with_body(pk, text, rand_r(seed) % 20, 3); break;
    case 9:
    case 10: {
        int count = rand_r(seed) % 20;
        msgpack_pack_array(pk, count);
        for (int i = 0; i < count; i++)
            s_random_object(pk, depth - 1, seed);
        break;
    }
    default: {
        int count = rand_r(seed) % 10;
        msgpack_pack_map(pk, count);
        for (int i = 0; i < count; i++) {
            msgpack_pack_str_with_body(pk, text, i + 1);
            s_random_object(pk, depth - 1, seed);
        }
    }
    }
}

//  Accepted by hms_mpcheck implies unpacked whole by msgpack-c.
static void s_agree(const uint8_t *data, size_t size)
{
    if (hms_mpcheck(data, size, 8, SIZE_MAX) != HMS_MPCHECK_OK)
        return;
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    size_t offset = 0;
    assert_int_equal(msgpack_unpack_next(&unpacked, (const char *)data, size, &offset),
                     MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(offset, size);
    msgpack_unpacked_destroy(&unpacked);
}

static void test_agrees_with_msgpack_c(void **state)
{
    (void)state;
    unsigned seed = 12345;
    int accepted_mutants = 0;
    for (int round = 0; round < 2000; round++) {
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init(&buffer);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &buffer, msgpack_sbuffer_write);
        s_random_object(&pk, 1 + rand_r(&seed) % 6, &seed);
        //  Well-formed within the limit: accepted, and msgpack-c agrees.
        assert_int_equal(hms_mpcheck(buffer.data, buffer.size, 8, SIZE_MAX), HMS_MPCHECK_OK);
        s_agree((uint8_t *)buffer.data, buffer.size);
        //  Cut anywhere: never accepted.
        if (buffer.size > 1)
            assert_int_not_equal(
                hms_mpcheck(buffer.data, 1 + rand_r(&seed) % (buffer.size - 1), 8, SIZE_MAX),
                HMS_MPCHECK_OK);
        //  Flip a byte: whatever is accepted, msgpack-c unpacks whole.
        for (int flip = 0; flip < 5; flip++) {
            size_t at = rand_r(&seed) % buffer.size;
            uint8_t saved = (uint8_t)buffer.data[at];
            buffer.data[at] = (char)(rand_r(&seed) & 0xff);
            if (hms_mpcheck(buffer.data, buffer.size, 8, SIZE_MAX) == HMS_MPCHECK_OK)
                accepted_mutants++;
            s_agree((uint8_t *)buffer.data, buffer.size);
            buffer.data[at] = (char)saved;
        }
        msgpack_sbuffer_destroy(&buffer);
    }
    //  Some mutants stay well-formed, so the agreement was exercised.
    assert_true(accepted_mutants > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),    cmocka_unit_test(test_strings_and_ext),
        cmocka_unit_test(test_containers), cmocka_unit_test(test_depth),
        cmocka_unit_test(test_objects),    cmocka_unit_test(test_agrees_with_msgpack_c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
