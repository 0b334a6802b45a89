/*  test_msg: the HMS/2 codec against the spec's test vectors and hostile input.

    Every message of the spec round-trips; every vector of proto/vectors.txt
    decodes and re-encodes byte for byte; every malformed case is rejected
    with its own error, and a rejected decode leaves nothing behind.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hms_mpcheck.h"
#include "msg_samples.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  A buffer of bytes, owned.
typedef struct {
    uint8_t *data;
    size_t size;
} bytes_t;

static bytes_t s_encode(const hms_msg_t *msg)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    assert_int_equal(hms_msg_encode(msg, &buffer), 0);
    bytes_t bytes = {(uint8_t *)buffer.data, buffer.size};
    return bytes;
}

static bytes_t s_hex(const char *hex)
{
    size_t length = strlen(hex);
    bytes_t bytes = {malloc(length / 2 + 1), length / 2};
    for (size_t i = 0; i < bytes.size; i++) {
        unsigned value;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &value), 1);
        bytes.data[i] = (uint8_t)value;
    }
    return bytes;
}

//  The vector named name from proto/vectors.txt.
static bytes_t s_vector(const char *name)
{
    FILE *file = fopen(HMS_SOURCE_DIR "/proto/vectors.txt", "r");
    assert_non_null(file);
    char line[8192];
    bytes_t found = {NULL, 0};
    while (!found.data && fgets(line, sizeof line, file)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *space = strchr(line, ' ');
        if (line[0] == '#' || !space)
            continue;
        *space = '\0';
        if (strcmp(line, name) == 0)
            found = s_hex(space + 1);
    }
    fclose(file);
    if (!found.data)
        fail_msg("no vector '%s' in proto/vectors.txt", name);
    return found;
}

//  Decodes and expects failure with error; returns the message for more checks.
static void s_expect(const void *data, size_t size, hms_decode_error_t error, hms_msg_t *msg)
{
    int rc = hms_msg_decode(msg, data, size);
    if (rc != -2 || msg->decode_error != error)
        fail_msg("expected '%s', got rc %d '%s' (%s)", hms_decode_error_name(error), rc,
                 hms_decode_error_name(msg->decode_error), msg->decode_text);
    //  A failed decode keeps nothing but the error and corr_id.
    assert_int_equal(msg->type, HMS_MSG_NONE);
    assert_null(msg->owned);
}

static void s_expect_bytes(bytes_t bytes, hms_decode_error_t error)
{
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_NONE);
    s_expect(bytes.data, bytes.size, error, &msg);
    hms_msg_reset(&msg);
    free(bytes.data);
}

//  Every sample encodes, decodes to the same type and re-encodes identically.
static void test_round_trip_every_message(void **state)
{
    (void)state;
    int count = 0;
    for (const msg_sample_t *sample = msg_samples; sample->name; sample++, count++) {
        hms_msg_t msg;
        msg_sample_fill(sample, &msg);
        bytes_t first = s_encode(&msg);
        hms_msg_t decoded;
        hms_msg_init(&decoded, HMS_MSG_NONE);
        if (hms_msg_decode(&decoded, first.data, first.size))
            fail_msg("%s: %s", sample->name, decoded.decode_text);
        assert_int_equal(decoded.type, sample->type);
        assert_int_equal(decoded.re, sample->re);
        bytes_t second = s_encode(&decoded);
        assert_int_equal(first.size, second.size);
        assert_memory_equal(first.data, second.data, first.size);
        hms_msg_reset(&decoded);
        free(first.data);
        free(second.data);
    }
    //  Every request has an ok reply sample, plus the PUB messages (an update
    //  as a delta and as a notice, two attacks, metrics, an alert) and error.
    assert_int_equal(count, 38);
}

//  The decoded fields are the ones sent, including optional and NAN fields.
//  Metrics: the readings, the rollups and the seconds decode as sent, a
//  series without a value as NAN; a bad rollup is named by its path, and
//  more containers than a message may carry are refused both ways.
static void test_metrics_fields(void **state)
{
    (void)state;
    hms_msg_t msg;
    bytes_t bytes = s_vector("metrics");
    hms_msg_init(&msg, HMS_MSG_NONE);
    assert_int_equal(hms_msg_decode(&msg, bytes.data, bytes.size), 0);
    assert_int_equal(msg.type, HMS_MSG_METRICS);
    assert_int_equal(msg.metrics.seq, 4);
    assert_int_equal(msg.metrics.interval_ms, 10000);
    assert_int_equal(msg.metrics.count, 2);
    const hms_metrics_entry_t *web = &msg.metrics.entries[0], *db = &msg.metrics.entries[1];
    assert_int_equal(web->seconds, 10);
    assert_int_equal(web->reading.cpu_usage_ns, 84172430000ull);
    assert_int_equal(web->reading.cpu_quota_us, 50000);
    assert_int_equal(web->reading.net_tx_dropped, 4);
    assert_true(web->rollups[HMS_METRIC_CPU].mean == 0.5f);
    assert_true(web->rollups[HMS_METRIC_RTT].max == 0.0625f);
    assert_true(isnan(web->rollups[HMS_METRIC_IO_READ].mean));
    assert_int_equal(db->reading.have, 6);
    assert_int_equal(db->reading.net_rx_bytes, 0);
    assert_int_equal(db->reading.cpu_quota_us, 0);
    assert_true(isnan(db->rollups[HMS_METRIC_CPU].min));
    assert_true(db->rollups[HMS_METRIC_PIDS].mean == 1);
    hms_msg_reset(&msg);
    free(bytes.data);

    bytes = s_vector("ok_give_metrics");
    assert_int_equal(hms_msg_decode(&msg, bytes.data, bytes.size), 0);
    assert_int_equal(msg.range.count, 3);
    assert_int_equal(msg.range.step_ms, 1000);
    assert_true(isnan(msg.range.rows[0].values[HMS_METRIC_CPU]));
    assert_true(msg.range.rows[1].values[HMS_METRIC_CPU] == 0.5f);
    assert_true(msg.range.rows[2].values[HMS_METRIC_LOSS] == 0);
    hms_msg_reset(&msg);
    free(bytes.data);

    //  [2, "metrics", 1, 0, 10000, [[id, 1, [31], [-1.0]]]]
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 6);
    msgpack_pack_uint8(&pk, 2);
    msgpack_pack_str_with_body(&pk, "metrics", 7);
    msgpack_pack_uint8(&pk, 1);
    msgpack_pack_uint8(&pk, 0);
    msgpack_pack_uint16(&pk, 10000);
    msgpack_pack_array(&pk, 1);
    msgpack_pack_array(&pk, 4);
    msgpack_pack_bin_with_body(&pk, "0123456789abcdef0123456789abcdef", 32);
    msgpack_pack_uint8(&pk, 1);
    msgpack_pack_array(&pk, 1);
    msgpack_pack_uint8(&pk, 31);
    msgpack_pack_array(&pk, 1);
    msgpack_pack_double(&pk, -1.0);
    assert_int_equal(hms_msg_decode(&msg, buffer.data, buffer.size), -2);
    assert_int_equal(msg.decode_error, HMS_DECODE_RANGE);
    assert_non_null(strstr(msg.decode_text, "entries[0].rollups.cpu.min"));
    hms_msg_reset(&msg);
    msgpack_sbuffer_destroy(&buffer);

    hms_metrics_entry_t entries[HMS_METRICS_ENTRIES_MAX + 1];
    memset(entries, 0, sizeof entries);
    //  Every entry at its longest: each counter and each value of 9 and 5 bytes.
    for (int i = 0; i <= HMS_METRICS_ENTRIES_MAX; i++) {
        snprintf(entries[i].id, sizeof entries[i].id, "%064x", i);
        entries[i].seconds = HMS_METRICS_ROWS_MAX;
        uint64_t *counter = &entries[i].reading.have;
        entries[i].reading.have = 31;
        for (size_t c = 1; c < sizeof entries[i].reading / sizeof *counter; c++)
            counter[c] = UINT64_MAX;
        for (int m = 0; m < HMS_METRIC_COUNT; m++)
            entries[i].rollups[m] = (hms_rollup_t){1.5f, 1.5f, 1.5f};
        for (int f = 0; f < HMS_FORECASTS; f++)
            entries[i].forecasts[f] = 1.5f;
    }
    hms_msg_init(&msg, HMS_MSG_METRICS);
    msg.metrics.seq = 1;
    msg.metrics.interval_ms = 10000;
    msg.metrics.entries = entries;
    msg.metrics.count = HMS_METRICS_ENTRIES_MAX + 1;
    msgpack_sbuffer_init(&buffer);
    assert_int_equal(hms_msg_encode(&msg, &buffer), -1);
    msg.metrics.count = HMS_METRICS_ENTRIES_MAX;
    assert_int_equal(hms_msg_encode(&msg, &buffer), 0);
    printf("24 entries at their longest: %zu bytes\n", buffer.size);
    assert_true(buffer.size <= 13000 && buffer.size <= HMS_PUB_MAX);
    msgpack_sbuffer_destroy(&buffer);
}

static void test_fields_survive(void **state)
{
    (void)state;
    hms_msg_t msg;
    bytes_t bytes = s_vector("ok_give_content");
    hms_msg_init(&msg, HMS_MSG_NONE);
    assert_int_equal(hms_msg_decode(&msg, bytes.data, bytes.size), 0);
    assert_int_equal(msg.corr_id, 7);
    assert_string_equal(msg.content.address, "10.0.0.5");
    assert_int_equal(msg.content.count, 3);
    assert_string_equal(msg.content.content[0].name, "web-1");
    assert_string_equal(msg.content.content[0].ip, "172.17.0.2");
    assert_int_equal(msg.content.content[0].status, HMS_STATUS_ACTIVE);
    assert_true(msg.content.content[0].loss == 5.0);
    assert_int_equal(msg.content.content[0].restarts, 2);
    assert_true(isnan(msg.content.content[1].loss));
    assert_int_equal(msg.content.content[1].status, HMS_STATUS_RESTARTING);
    //  The seed: an ignored container shows its short id and "ignored".
    assert_string_equal(msg.content.content[2].id, "0123456789ab");
    assert_int_equal(msg.content.content[2].status, HMS_STATUS_IGNORED);
    assert_string_equal(msg.content.content[2].image, "");
    hms_msg_reset(&msg);
    free(bytes.data);

    bytes = s_vector("set_config");
    assert_int_equal(hms_msg_decode(&msg, bytes.data, bytes.size), 0);
    assert_int_equal(msg.settings.present,
                     (1u << HMS_SETTING_THRESHOLD) | (1u << HMS_SETTING_PROBE_PERIOD_MS));
    assert_true(msg.settings.threshold == 75.0);
    assert_int_equal(msg.settings.probe_period_ms, 500);
    hms_msg_reset(&msg);
    free(bytes.data);

    bytes = s_vector("conf_antagonist");
    assert_int_equal(hms_msg_decode(&msg, bytes.data, bytes.size), 0);
    assert_string_equal(msg.antagonist.name, "test_low_low");
    assert_true(msg.antagonist.frequency == 1.0 && msg.antagonist.duration == 5.0);
    assert_true(isnan(msg.antagonist.sigma));
    assert_int_equal(msg.antagonist.mode, HMS_MODE_STOP);
    hms_msg_reset(&msg);
    free(bytes.data);
}

//  Every vector decodes and re-encodes byte for byte, and every sample has
//  a vector: the file and the code describe the same protocol.
static void test_vectors(void **state)
{
    (void)state;
    for (const msg_sample_t *sample = msg_samples; sample->name; sample++) {
        bytes_t bytes = s_vector(sample->name);
        hms_msg_t msg;
        hms_msg_init(&msg, HMS_MSG_NONE);
        if (hms_msg_decode(&msg, bytes.data, bytes.size))
            fail_msg("vector %s: %s", sample->name, msg.decode_text);
        assert_int_equal(msg.type, sample->type);
        bytes_t again = s_encode(&msg);
        assert_int_equal(again.size, bytes.size);
        assert_memory_equal(again.data, bytes.data, bytes.size);
        //  And the sample encodes to the vector: the encoder has not drifted.
        hms_msg_t fresh;
        msg_sample_fill(sample, &fresh);
        bytes_t expected = s_encode(&fresh);
        assert_int_equal(expected.size, bytes.size);
        assert_memory_equal(expected.data, bytes.data, bytes.size);
        hms_msg_reset(&msg);
        free(bytes.data);
        free(again.data);
        free(expected.data);
    }
}

//  A hand-checked encoding, independent of the encoder: ping, corr_id 7.
static void test_ping_bytes(void **state)
{
    (void)state;
    bytes_t bytes = s_vector("ping");
    //  {"v": 2, "command": "ping", "corr_id": 7}
    const uint8_t expected[] = {0x83, 0xa1, 'v', 0x02, 0xa7, 'c', 'o', 'm', 'm',
                                'a',  'n',  'd', 0xa4, 'p',  'i', 'n', 'g', 0xa7,
                                'c',  'o',  'r', 'r',  '_',  'i', 'd', 0x07};
    assert_int_equal(bytes.size, sizeof expected);
    assert_memory_equal(bytes.data, expected, sizeof expected);
    free(bytes.data);
}

//  Mutations of a vector, re-packed with msgpack-c.

typedef enum { REMOVE, WRONG_TYPE, REPLACE, DUPLICATE } mutation_t;
typedef void(pack_fn)(msgpack_packer *pk);

static void s_pack_value(msgpack_packer *pk, const msgpack_object *original, mutation_t how,
                         pack_fn *replacement)
{
    if (how == REPLACE) {
        replacement(pk);
        return;
    }
    //  WRONG_TYPE: a string where anything else was, a number where a string was.
    if (original->type == MSGPACK_OBJECT_STR)
        msgpack_pack_int(pk, 7);
    else
        msgpack_pack_str_with_body(pk, "x", 1);
}

//  Re-packs the top-level map of bytes with key (a "a.b" path reaches into a
//  nested map; "content.0.x" into an array entry) mutated.
static void s_pack_mutated(msgpack_packer *pk, const msgpack_object *object, const char *path,
                           mutation_t how, pack_fn *replacement)
{
    const char *dot = strchr(path, '.');
    size_t length = dot ? (size_t)(dot - path) : strlen(path);
    if (object->type == MSGPACK_OBJECT_ARRAY) {
        //  An index; the last one names a value of a tuple (REMOVE: nil).
        size_t index = (size_t)atoi(path);
        assert_true(index < object->via.array.size);
        msgpack_pack_array(pk, object->via.array.size);
        for (size_t i = 0; i < object->via.array.size; i++)
            if (i != index)
                msgpack_pack_object(pk, object->via.array.ptr[i]);
            else if (dot)
                s_pack_mutated(pk, &object->via.array.ptr[i], dot + 1, how, replacement);
            else if (how == REMOVE)
                msgpack_pack_nil(pk);
            else
                s_pack_value(pk, &object->via.array.ptr[i], how, replacement);
        return;
    }
    assert_int_equal(object->type, MSGPACK_OBJECT_MAP);
    uint32_t size = object->via.map.size;
    bool found = false;
    for (uint32_t i = 0; i < size; i++) {
        const msgpack_object_str *key = &object->via.map.ptr[i].key.via.str;
        if (key->size == length && memcmp(key->ptr, path, length) == 0)
            found = true;
    }
    if (!found)
        fail_msg("no key %.*s", (int)length, path);
    uint32_t keys = size + (how == DUPLICATE && !dot) - (how == REMOVE && !dot);
    msgpack_pack_map(pk, keys);
    for (uint32_t i = 0; i < size; i++) {
        const msgpack_object_kv *kv = &object->via.map.ptr[i];
        bool match =
            kv->key.via.str.size == length && memcmp(kv->key.via.str.ptr, path, length) == 0;
        if (!match) {
            msgpack_pack_object(pk, kv->key);
            msgpack_pack_object(pk, kv->val);
        } else if (dot) {
            msgpack_pack_object(pk, kv->key);
            s_pack_mutated(pk, &kv->val, dot + 1, how, replacement);
        } else if (how == DUPLICATE) {
            msgpack_pack_object(pk, kv->key);
            msgpack_pack_object(pk, kv->val);
            msgpack_pack_object(pk, kv->key);
            msgpack_pack_object(pk, kv->val);
        } else if (how != REMOVE) {
            msgpack_pack_object(pk, kv->key);
            s_pack_value(pk, &kv->val, how, replacement);
        }
    }
}

static bytes_t s_mutate(const char *vector, const char *path, mutation_t how, pack_fn *replacement)
{
    bytes_t original = s_vector(vector);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    assert_int_equal(
        msgpack_unpack_next(&unpacked, (const char *)original.data, original.size, NULL),
        MSGPACK_UNPACK_SUCCESS);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buffer, msgpack_sbuffer_write);
    s_pack_mutated(&pk, &unpacked.data, path, how, replacement);
    msgpack_unpacked_destroy(&unpacked);
    free(original.data);
    bytes_t bytes = {(uint8_t *)buffer.data, buffer.size};
    return bytes;
}

//  Top-level keys of a vector (positions of a tuple), for the generic
//  mutation tests.
static int s_keys(const char *vector, char keys[][32], int max)
{
    bytes_t bytes = s_vector(vector);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init(&unpacked);
    assert_int_equal(msgpack_unpack_next(&unpacked, (const char *)bytes.data, bytes.size, NULL),
                     MSGPACK_UNPACK_SUCCESS);
    int count = 0;
    if (unpacked.data.type == MSGPACK_OBJECT_ARRAY) //  a tuple: its positions
        for (uint32_t i = 0; i < unpacked.data.via.array.size && count < max; i++, count++)
            snprintf(keys[count], 32, "%u", i);
    else
        for (uint32_t i = 0; i < unpacked.data.via.map.size && count < max; i++, count++) {
            const msgpack_object_str *key = &unpacked.data.via.map.ptr[i].key.via.str;
            snprintf(keys[count], 32, "%.*s", (int)key->size, key->ptr);
        }
    msgpack_unpacked_destroy(&unpacked);
    free(bytes.data);
    return count;
}

//  Keys the spec makes optional, per vector ("" = none).
static bool s_optional(const char *vector, const char *key)
{
    static const char *optional[][2] = {
        {"update", "5"},
        {"update", "6"},
        {"metrics", "5"},
        {"give_metrics", "from_ms"},
        {"give_metrics", "to_ms"},
        {"attack_start", "name"},
        {"attack_start", "loss"},
        {"attack_start", "duration_ms"},
        {"attack_end", "name"},
        {"conf_antagonist", "name"},
        {"conf_antagonist", "seed"},
        {"conf_antagonist", "mode"},
        {"alert", "name"},
        {"alert", "value"},
        {"alert", "summary"},
    };
    for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++)
        if (strcmp(optional[i][0], vector) == 0 && strcmp(optional[i][1], key) == 0)
            return true;
    return false;
}

//  Removing a required key fails with MISSING; removing an optional one does not.
static void test_missing_key_of_every_message(void **state)
{
    (void)state;
    for (const msg_sample_t *sample = msg_samples; sample->name; sample++) {
        char keys[16][32];
        int count = s_keys(sample->name, keys, 16);
        for (int k = 0; k < count; k++) {
            bytes_t bytes = s_mutate(sample->name, keys[k], REMOVE, NULL);
            hms_msg_t msg;
            hms_msg_init(&msg, HMS_MSG_NONE);
            int rc = hms_msg_decode(&msg, bytes.data, bytes.size);
            if (s_optional(sample->name, keys[k])) {
                if (rc)
                    fail_msg("%s without optional %s: %s", sample->name, keys[k], msg.decode_text);
            } else if (rc != -2 || msg.decode_error != HMS_DECODE_MISSING) {
                fail_msg("%s without %s: expected missing key, got %s", sample->name, keys[k],
                         rc ? msg.decode_text : "success");
            } else if (!isdigit((unsigned char)keys[k][0])) {
                assert_non_null(strstr(msg.decode_text, keys[k]));
            }
            hms_msg_reset(&msg);
            free(bytes.data);
        }
    }
}

//  A value of the wrong type in any key of any message fails with TYPE.
static void test_wrong_type_of_every_field(void **state)
{
    (void)state;
    int checked = 0;
    for (const msg_sample_t *sample = msg_samples; sample->name; sample++) {
        char keys[16][32];
        int count = s_keys(sample->name, keys, 16);
        for (int k = 0; k < count; k++, checked++)
            s_expect_bytes(s_mutate(sample->name, keys[k], WRONG_TYPE, NULL), HMS_DECODE_TYPE);
    }
    assert_true(checked > 100);
    //  Nested fields: an entry of give_content, the settings map, the
    //  antagonist's config inside its status.
    const char *nested[][2] = {
        {"ok_give_content", "content.0.0"},       {"ok_give_content", "content.0.4"},
        {"ok_give_content", "content.0.6"},       {"ok_give_content", "content.1.8"},
        {"ok_get_config", "config.probe_count"},  {"ok_get_config", "config.threshold"},
        {"set_config", "config.threshold"},       {"ok_antagonist_status", "config.heavy"},
        {"ok_antagonist_status", "config.mode"},  {"ok_list_hosts", "hosts.1.status"},
        {"ok_list_hosts", "hosts.0.last_seen_ms"}};
    for (size_t i = 0; i < sizeof nested / sizeof nested[0]; i++)
        s_expect_bytes(s_mutate(nested[i][0], nested[i][1], WRONG_TYPE, NULL), HMS_DECODE_TYPE);
}

//  A key twice in one map is rejected, in the envelope and in a body.
static void test_duplicate_keys(void **state)
{
    (void)state;
    s_expect_bytes(s_mutate("ping", "command", DUPLICATE, NULL), HMS_DECODE_DUPLICATE);
    s_expect_bytes(s_mutate("container_threshold", "threshold", DUPLICATE, NULL),
                   HMS_DECODE_DUPLICATE);
    s_expect_bytes(s_mutate("ok_list_hosts", "hosts.0.status", DUPLICATE, NULL),
                   HMS_DECODE_DUPLICATE);
}

static void s_pack_150(msgpack_packer *pk)
{
    msgpack_pack_int(pk, 150);
}
static void s_pack_minus_1(msgpack_packer *pk)
{
    msgpack_pack_int(pk, -1);
}
static void s_pack_just_over(msgpack_packer *pk)
{
    msgpack_pack_double(pk, 100.000001);
}
static void s_pack_nan(msgpack_packer *pk)
{
    msgpack_pack_double(pk, NAN);
}
static void s_pack_abc(msgpack_packer *pk)
{
    msgpack_pack_str_with_body(pk, "abc", 3);
}
static void s_pack_100(msgpack_packer *pk)
{
    msgpack_pack_int(pk, 100);
}
static void s_pack_zero_float32(msgpack_packer *pk)
{
    msgpack_pack_float(pk, 0.0f);
}
static void s_pack_zero(msgpack_packer *pk)
{
    msgpack_pack_int(pk, 0);
}
static void s_pack_long_address(msgpack_packer *pk)
{
    char text[HMS_ADDRESS_MAX + 1];
    memset(text, 'a', sizeof text);
    msgpack_pack_str_with_body(pk, text, sizeof text);
}
static void s_pack_longest_address(msgpack_packer *pk)
{
    char text[HMS_ADDRESS_MAX];
    memset(text, 'a', sizeof text);
    msgpack_pack_str_with_body(pk, text, sizeof text);
}
static void s_pack_nul(msgpack_packer *pk)
{
    msgpack_pack_str_with_body(pk, "we\0b", 4);
}
//  Valid UTF-8 (é, 中, 😀), then a stray continuation byte, an overlong
//  '/', a surrogate, a lead byte past U+10FFFF and a truncated sequence.
static const char s_mixed_utf8[] =
    "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80|\x80|\xc0\xaf|\xed\xa0\x80|"
    "\xf5\x80\x80\x80|\xe4\xb8";
static void s_pack_mixed_utf8(msgpack_packer *pk)
{
    msgpack_pack_str_with_body(pk, s_mixed_utf8, sizeof s_mixed_utf8 - 1);
}
static void s_pack_empty(msgpack_packer *pk)
{
    msgpack_pack_str_with_body(pk, "", 0);
}
static void s_pack_zombie(msgpack_packer *pk)
{
    msgpack_pack_str_with_body(pk, "zombie", 6);
}
static void s_pack_version_3(msgpack_packer *pk)
{
    msgpack_pack_int(pk, 3);
}
static void s_pack_2_32(msgpack_packer *pk)
{
    msgpack_pack_uint64(pk, 1ull << 32);
}
static void s_pack_reboot(msgpack_packer *pk)
{
    msgpack_pack_str_with_body(pk, "reboot", 6);
}
static void s_pack_ping(msgpack_packer *pk)
{
    msgpack_pack_str_with_body(pk, "ping", 4);
}
static void s_pack_hb(msgpack_packer *pk)
{
    msgpack_pack_str_with_body(pk, "hb", 2);
}

static void s_expect_ok(bytes_t bytes)
{
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_NONE);
    if (hms_msg_decode(&msg, bytes.data, bytes.size))
        fail_msg("expected success: %s", msg.decode_text);
    hms_msg_reset(&msg);
    free(bytes.data);
}

//  The seed's threshold cases and other bounds.
static void test_ranges(void **state)
{
    (void)state;
    const char *t = "container_threshold";
    s_expect_bytes(s_mutate(t, "threshold", REPLACE, s_pack_150), HMS_DECODE_RANGE);
    s_expect_bytes(s_mutate(t, "threshold", REPLACE, s_pack_minus_1), HMS_DECODE_RANGE);
    s_expect_bytes(s_mutate(t, "threshold", REPLACE, s_pack_just_over), HMS_DECODE_RANGE);
    s_expect_bytes(s_mutate(t, "threshold", REPLACE, s_pack_nan), HMS_DECODE_RANGE);
    s_expect_bytes(s_mutate(t, "threshold", REPLACE, s_pack_abc), HMS_DECODE_TYPE);
    s_expect_bytes(s_mutate(t, "threshold", REMOVE, NULL), HMS_DECODE_MISSING);
    //  Bounds are inclusive, and integers or float32 are numbers too.
    s_expect_ok(s_mutate(t, "threshold", REPLACE, s_pack_100));
    s_expect_ok(s_mutate(t, "threshold", REPLACE, s_pack_zero_float32));

    const char *a = "conf_antagonist";
    s_expect_bytes(s_mutate(a, "loss", REPLACE, s_pack_minus_1), HMS_DECODE_RANGE);
    s_expect_bytes(s_mutate(a, "balance", REPLACE, s_pack_150), HMS_DECODE_RANGE);
    s_expect_bytes(s_mutate(a, "heavy", REPLACE, s_pack_abc), HMS_DECODE_TYPE);
    s_expect_bytes(s_mutate(a, "frequency", REPLACE, s_pack_zero), HMS_DECODE_RANGE);
    s_expect_bytes(s_mutate(a, "mode", REPLACE, s_pack_zombie), HMS_DECODE_RANGE);

    s_expect_bytes(s_mutate("set_config", "config.probe_period_ms", REPLACE, s_pack_zero),
                   HMS_DECODE_RANGE);
    //  An unsigned field that receives a negative number.
    s_expect_bytes(s_mutate("hb", "2", REPLACE, s_pack_minus_1), HMS_DECODE_RANGE);
    //  A digest has 32 bits; an update's sequence starts at 1.
    s_expect_bytes(s_mutate("hb", "3", REPLACE, s_pack_2_32), HMS_DECODE_RANGE);
    s_expect_bytes(s_mutate("update_notice", "2", REPLACE, s_pack_zero), HMS_DECODE_RANGE);
    //  An entry of an update: a container, or an id alone (removed).
    s_expect_bytes(s_mutate("update", "6.0.4", REPLACE, s_pack_zombie), HMS_DECODE_RANGE);
    s_expect_bytes(s_mutate("update", "6.1.0", REPLACE, s_pack_empty), HMS_DECODE_TYPE);
    //  Strings: length limit (inclusive), NUL bytes, empty where forbidden.
    s_expect_bytes(s_mutate("ok_ping", "address", REPLACE, s_pack_long_address), HMS_DECODE_RANGE);
    s_expect_ok(s_mutate("ok_ping", "address", REPLACE, s_pack_longest_address));
    s_expect_bytes(s_mutate("container_ignore", "container", REPLACE, s_pack_nul),
                   HMS_DECODE_RANGE);
    s_expect_bytes(s_mutate("container_ignore", "container", REPLACE, s_pack_empty),
                   HMS_DECODE_RANGE);
    s_expect_bytes(s_mutate("ok_give_content", "content.0.4", REPLACE, s_pack_zombie),
                   HMS_DECODE_RANGE);
}

//  A string that is not all UTF-8 decodes with each stray byte as '?' (the
//  same length), valid characters kept, so that it is valid in JSON; it
//  then encodes and decodes to itself.
static void test_utf8_repaired(void **state)
{
    (void)state;
    bytes_t bytes = s_mutate("ok_give_content", "content.0.1", REPLACE, s_pack_mixed_utf8);
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_NONE);
    if (hms_msg_decode(&msg, bytes.data, bytes.size) != 0)
        fail_msg("%s", msg.decode_text);
    free(bytes.data);
    assert_string_equal(msg.content.content[0].name,
                        "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80|?|??|???|????|??");
    bytes_t again = s_encode(&msg);
    hms_msg_t decoded;
    hms_msg_init(&decoded, HMS_MSG_NONE);
    assert_int_equal(hms_msg_decode(&decoded, again.data, again.size), 0);
    assert_string_equal(decoded.content.content[0].name, msg.content.content[0].name);
    free(again.data);
    hms_msg_reset(&msg);
    hms_msg_reset(&decoded);
}

//  Version, command and re checks, and corr_id kept for the error reply.
static void test_envelope(void **state)
{
    (void)state;
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_NONE);
    bytes_t bytes = s_mutate("container_threshold", "v", REPLACE, s_pack_version_3);
    s_expect(bytes.data, bytes.size, HMS_DECODE_VERSION, &msg);
    assert_int_equal(msg.corr_id, 7);
    assert_int_equal(hms_msg_error_code(msg.decode_error), HMS_CODE_BAD_VERSION);
    free(bytes.data);

    bytes = s_mutate("container_threshold", "command", REPLACE, s_pack_reboot);
    s_expect(bytes.data, bytes.size, HMS_DECODE_UNKNOWN, &msg);
    assert_int_equal(msg.corr_id, 7);
    assert_int_equal(hms_msg_error_code(msg.decode_error), HMS_CODE_NOT_IMPLEMENTED);
    assert_non_null(strstr(msg.decode_text, "reboot"));
    free(bytes.data);

    //  The same in a tuple; a tuple only for hb and update; hb only as a tuple.
    s_expect_bytes(s_mutate("hb", "0", REPLACE, s_pack_version_3), HMS_DECODE_VERSION);
    s_expect_bytes(s_mutate("hb", "1", REPLACE, s_pack_reboot), HMS_DECODE_UNKNOWN);
    s_expect_bytes(s_mutate("hb", "1", REPLACE, s_pack_ping), HMS_DECODE_NOT_MAP);
    s_expect_bytes(s_mutate("ping", "command", REPLACE, s_pack_hb), HMS_DECODE_TYPE);

    //  "ok" answers requests only.
    s_expect_bytes(s_mutate("ok_ping", "re", REPLACE, s_pack_hb), HMS_DECODE_UNKNOWN);
    //  A bad value maps to 400.
    bytes = s_mutate("container_threshold", "threshold", REPLACE, s_pack_150);
    s_expect(bytes.data, bytes.size, HMS_DECODE_RANGE, &msg);
    assert_int_equal(hms_msg_error_code(msg.decode_error), HMS_CODE_BAD_REQUEST);
    free(bytes.data);
    hms_msg_reset(&msg);

    //  Unknown keys are ignored (forward compatibility).
    const uint8_t extra[] = {0x84, 0xa1, 'v', 0x02, 0xa7, 'c', 'o',  'm', 'm', 'a', 'n',
                             'd',  0xa4, 'p', 'i',  'n',  'g', 0xa7, 'c', 'o', 'r', 'r',
                             '_',  'i',  'd', 0x07, 0xa3, 'n', 'e',  'w', 0xc0};
    assert_int_equal(hms_msg_decode(&msg, extra, sizeof extra), 0);
    assert_int_equal(msg.type, HMS_MSG_PING);
    hms_msg_reset(&msg);

    //  Neither a map nor a tuple at the top; a tuple without its command.
    const uint8_t text[] = {0xa1, 'x'};
    s_expect(text, sizeof text, HMS_DECODE_NOT_MAP, &msg);
    const uint8_t array[] = {0x91, 0x02};
    s_expect(array, sizeof array, HMS_DECODE_MISSING, &msg);
    //  The message size limit comes before anything else.
    uint8_t *big = calloc(HMS_MESSAGE_MAX + 1, 1);
    s_expect(big, HMS_MESSAGE_MAX + 1, HMS_DECODE_TOO_LARGE, &msg);
    free(big);
}

//  Malformed msgpack: each case with its error.
static void test_malformed(void **state)
{
    (void)state;
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_NONE);
    //  The five bytes that make msgpack-c allocate about 400 MB.
    const uint8_t huge_array[] = {0xdd, 0x01, 0x00, 0x00, 0x00};
    s_expect(huge_array, sizeof huge_array, HMS_DECODE_BAD_LENGTH, &msg);
    const uint8_t huge_map[] = {0xdf, 0xff, 0xff, 0xff, 0xff};
    s_expect(huge_map, sizeof huge_map, HMS_DECODE_BAD_LENGTH, &msg);
    const uint8_t huge_str[] = {0x81, 0xa1, 'v', 0xdb, 0xff, 0xff, 0xff, 0xf0, 'x'};
    s_expect(huge_str, sizeof huge_str, HMS_DECODE_BAD_LENGTH, &msg);
    const uint8_t reserved[] = {0x81, 0xa1, 'v', 0xc1};
    s_expect(reserved, sizeof reserved, HMS_DECODE_BAD_BYTE, &msg);
    s_expect("", 0, HMS_DECODE_TRUNCATED, &msg);

    //  Trailing bytes after a whole message.
    bytes_t ping = s_vector("ping");
    uint8_t *longer = malloc(ping.size + 1);
    memcpy(longer, ping.data, ping.size);
    longer[ping.size] = 0xc0;
    s_expect(longer, ping.size + 1, HMS_DECODE_TRAILING, &msg);
    free(longer);

    //  Every cut of a message is truncated. (Below 32 bytes a declared
    //  count may exceed the whole buffer, which is reported as a lie.)
    const char *names[] = {"ping", "container_threshold", "hb", "ok_give_content"};
    for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
        bytes_t bytes = s_vector(names[n]);
        for (size_t cut = 32; cut < bytes.size; cut++)
            s_expect(bytes.data, cut, HMS_DECODE_TRUNCATED, &msg);
        for (size_t cut = 1; cut < 32 && cut < bytes.size; cut++) {
            int rc = hms_msg_decode(&msg, bytes.data, cut);
            assert_int_equal(rc, -2);
            assert_true(msg.decode_error == HMS_DECODE_TRUNCATED ||
                        msg.decode_error == HMS_DECODE_BAD_LENGTH);
        }
        free(bytes.data);
    }
    free(ping.data);

    //  Nesting: {"v": [[[[1]]]]} is 5 deep, one more than the protocol allows;
    //  {"v": [[[1]]]} is 4 deep and passes the check (then fails on type).
    const uint8_t deep[] = {0x81, 0xa1, 'v', 0x91, 0x91, 0x91, 0x91, 0x01};
    s_expect(deep, sizeof deep, HMS_DECODE_TOO_DEEP, &msg);
    const uint8_t deep_enough[] = {0x81, 0xa1, 'v', 0x91, 0x91, 0x91, 0x01};
    s_expect(deep_enough, sizeof deep_enough, HMS_DECODE_TYPE, &msg);
    uint8_t very_deep[1000];
    very_deep[0] = 0x81;
    very_deep[1] = 0xa1;
    very_deep[2] = 'v';
    memset(very_deep + 3, 0x91, sizeof very_deep - 4);
    very_deep[sizeof very_deep - 1] = 0x01;
    s_expect(very_deep, sizeof very_deep, HMS_DECODE_TOO_DEEP, &msg);

    //  {"v": [nil x 100,000]}: 300 KB, well under the size limit, but more
    //  objects than any HMS message has (msgpack-c would allocate 2.4 MB).
    size_t count = 100000, size = 3 + 5 + count;
    uint8_t *many = malloc(size);
    assert_non_null(many);
    memcpy(many, "\x81\xa1v\xdd\x00\x01\x86\xa0", 8);
    memset(many + 8, 0xc0, count);
    s_expect(many, size, HMS_DECODE_TOO_MANY, &msg);
    free(many);
    hms_msg_reset(&msg);
}

//  Arrays: a count over the limit, or more entries than the bytes can hold.
static void test_array_limits(void **state)
{
    (void)state;
    //  {"v":2,"command":"ok","corr_id":1,"re":"give_content","address":"a",
    //   "update_seq":1,"threshold":1,"content":[nil x n]}
    for (int pass = 0; pass < 2; pass++) {
        size_t entries = pass == 0 ? HMS_CONTENT_MAX + 1 : 1000;
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init(&buffer);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &buffer, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, 8);
        msgpack_pack_str_with_body(&pk, "v", 1);
        msgpack_pack_int(&pk, HMS_PROTOCOL_VERSION);
        msgpack_pack_str_with_body(&pk, "command", 7);
        msgpack_pack_str_with_body(&pk, "ok", 2);
        msgpack_pack_str_with_body(&pk, "corr_id", 7);
        msgpack_pack_int(&pk, 1);
        msgpack_pack_str_with_body(&pk, "re", 2);
        msgpack_pack_str_with_body(&pk, "give_content", 12);
        msgpack_pack_str_with_body(&pk, "address", 7);
        msgpack_pack_str_with_body(&pk, "a", 1);
        msgpack_pack_str_with_body(&pk, "update_seq", 10);
        msgpack_pack_int(&pk, 1);
        msgpack_pack_str_with_body(&pk, "threshold", 9);
        msgpack_pack_int(&pk, 1);
        msgpack_pack_str_with_body(&pk, "content", 7);
        msgpack_pack_array(&pk, entries);
        for (size_t i = 0; i < entries; i++)
            msgpack_pack_nil(&pk);
        hms_msg_t msg;
        hms_msg_init(&msg, HMS_MSG_NONE);
        s_expect(buffer.data, buffer.size, pass == 0 ? HMS_DECODE_RANGE : HMS_DECODE_BAD_LENGTH,
                 &msg);
        msgpack_sbuffer_destroy(&buffer);
    }
}

static void s_fill(char *text, size_t size, char c)
{
    memset(text, c, size - 1);
    text[size - 1] = '\0';
}

static size_t s_encoded_size(const hms_msg_t *msg)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    assert_int_equal(hms_msg_encode(msg, &buffer), 0);
    size_t size = buffer.size;
    hms_msg_t back;
    assert_int_equal(hms_msg_decode(&back, buffer.data, buffer.size), 0);
    hms_msg_reset(&back);
    msgpack_sbuffer_destroy(&buffer);
    return size;
}

//  The largest legitimate messages fit the limits subscribers and decoders
//  enforce: published ones HMS_PUB_MAX, the largest replies
//  HMS_ELEMENTS_MAX objects and HMS_MESSAGE_MAX bytes.
static void test_largest_messages(void **state)
{
    (void)state;
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_HB);
    msg.hb.update_seq = UINT64_MAX;
    msg.hb.digest = UINT32_MAX;
    msg.hb.interval_ms = HMS_PERIOD_MAX;
    size_t hb = s_encoded_size(&msg);
    //  A notice at its longest, and a delta of one entry at its longest.
    hms_msg_init(&msg, HMS_MSG_UPDATE);
    msg.update.update_seq = msg.update.started_ms = UINT64_MAX;
    msg.update.digest = UINT32_MAX;
    size_t notice = s_encoded_size(&msg);
    hms_container_t longest;
    memset(&longest, 0, sizeof longest);
    s_fill(longest.id, sizeof longest.id, 'f');
    s_fill(longest.name, sizeof longest.name, 'n');
    s_fill(longest.image, sizeof longest.image, 'i');
    s_fill(longest.ip, sizeof longest.ip, 'p');
    s_fill(longest.state, sizeof longest.state, 's');
    longest.status = HMS_STATUS_BACKOFF;
    longest.loss = 12.5;
    longest.rtt_ms = 0.25;
    longest.restarts = longest.since_ms = UINT64_MAX;
    msg.update.threshold = 50;
    msg.update.changes = &longest;
    msg.update.count = 1;
    size_t update = s_encoded_size(&msg);
    hms_msg_init(&msg, HMS_MSG_ATTACK);
    hms_attack_t *attack = &msg.attack;
    s_fill(attack->address, sizeof attack->address, 'a');
    s_fill(attack->container, sizeof attack->container, 'c');
    s_fill(attack->name, sizeof attack->name, 'n');
    attack->seq = attack->attack_id = attack->ts_ms = UINT64_MAX;
    attack->duration_ms = UINT64_MAX;
    attack->phase = HMS_PHASE_START;
    attack->kind = HMS_ATTACK_LOSS;
    attack->loss = 99.999;
    size_t attack_size = s_encoded_size(&msg);
    print_message("largest hb %zu, notice %zu, one-entry update %zu, attack %zu bytes (limit %d)\n",
                  hb, notice, update, attack_size, HMS_PUB_MAX);
    //  A heartbeat stays compact whatever its values: an idle host's traffic.
    assert_true(hb <= 32);
    assert_true(notice <= 64);
    assert_true(update <= HMS_PUB_MAX / 16 && attack_size <= HMS_PUB_MAX);

    //  give_content with every entry at its longest.
    hms_container_t *entries = calloc(HMS_CONTENT_MAX, sizeof *entries);
    assert_non_null(entries);
    for (size_t i = 0; i < HMS_CONTENT_MAX; i++) {
        hms_container_t *entry = &entries[i];
        s_fill(entry->id, sizeof entry->id, 'f');
        s_fill(entry->name, sizeof entry->name, 'n');
        s_fill(entry->image, sizeof entry->image, 'i');
        snprintf(entry->ip, sizeof entry->ip, "255.255.255.255");
        snprintf(entry->state, sizeof entry->state, "running");
        entry->status = HMS_STATUS_ACTIVE;
        entry->loss = 12.5;
        entry->rtt_ms = 0.25;
        entry->restarts = entry->since_ms = UINT64_MAX;
    }
    hms_msg_ok(&msg, HMS_MSG_GIVE_CONTENT, UINT64_MAX);
    s_fill(msg.content.address, sizeof msg.content.address, 'a');
    msg.content.content = entries;
    msg.content.count = HMS_CONTENT_MAX;
    msg.content.threshold = 50;
    size_t content = s_encoded_size(&msg);
    free(entries);
    //  list_hosts with as many hosts as it may carry.
    hms_host_t *hosts = calloc(HMS_HOSTS_MAX, sizeof *hosts);
    assert_non_null(hosts);
    for (size_t i = 0; i < HMS_HOSTS_MAX; i++) {
        s_fill(hosts[i].address, sizeof hosts[i].address, 'h');
        hosts[i].status = HMS_HOST_ONLINE;
        hosts[i].last_seen_ms = hosts[i].containers = UINT64_MAX;
    }
    hms_msg_ok(&msg, HMS_MSG_LIST_HOSTS, 1);
    msg.hosts.hosts = hosts;
    msg.hosts.count = HMS_HOSTS_MAX;
    size_t list = s_encoded_size(&msg);
    free(hosts);
    print_message("largest give_content %zu, list_hosts %zu bytes (limit %d)\n", content, list,
                  HMS_MESSAGE_MAX);
    assert_true(content <= HMS_MESSAGE_MAX && list <= HMS_MESSAGE_MAX);
}

static void s_pack_array_7(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    msgpack_pack_int(pk, 7);
}

//  Container entries are tuples: values by position, the id as raw bytes.
static void test_container_tuples(void **state)
{
    (void)state;
    //  The id travels as 32 bytes and comes back as the 64-digit hex text.
    bytes_t bytes = s_vector("ok_give_content");
    hms_msg_t msg;
    assert_int_equal(hms_msg_decode(&msg, bytes.data, bytes.size), 0);
    assert_string_equal(msg.content.content[0].id,
                        "4f2c9d0e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d");
    //  Trailing absent values are left out: the ignored entry has 5 values.
    assert_string_equal(msg.content.content[2].id, "0123456789ab");
    hms_msg_reset(&msg);
    free(bytes.data);
    //  Required values (id 0, name 1, status 4) cannot be nil; optional ones can.
    s_expect_bytes(s_mutate("ok_give_content", "content.0.0", REMOVE, NULL), HMS_DECODE_MISSING);
    s_expect_bytes(s_mutate("ok_give_content", "content.0.4", REMOVE, NULL), HMS_DECODE_MISSING);
    s_expect_ok(s_mutate("ok_give_content", "content.0.2", REMOVE, NULL));
    s_expect_ok(s_mutate("ok_give_content", "content.0.6", REMOVE, NULL));
    //  An entry whose id is a number instead of bytes.
    s_expect_bytes(s_mutate("ok_give_content", "content.0", REPLACE, s_pack_array_7),
                   HMS_DECODE_TYPE);
    //  Ids: bytes, not hex text; not empty.
    s_expect_bytes(s_mutate("ok_give_content", "content.0.0", REPLACE, s_pack_abc),
                   HMS_DECODE_TYPE);

    //  The encoder refuses an id that is not even-length lowercase hex.
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    hms_container_t entry = {.id = "ABCD", .name = "x", .status = HMS_STATUS_ACTIVE};
    entry.loss = entry.rtt_ms = NAN;
    hms_msg_ok(&msg, HMS_MSG_GIVE_CONTENT, 1);
    strcpy(msg.content.address, "a");
    msg.content.content = &entry;
    msg.content.count = 1;
    assert_int_equal(hms_msg_encode(&msg, &buffer), -1);
    strcpy(entry.id, "abc");
    assert_int_equal(hms_msg_encode(&msg, &buffer), -1);
    strcpy(entry.id, "abcd");
    assert_int_equal(hms_msg_encode(&msg, &buffer), 0);
    msgpack_sbuffer_destroy(&buffer);
}

//  The encoder refuses what the decoder would refuse, and leaves the buffer as it was.
static void test_encode_refuses_invalid(void **state)
{
    (void)state;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init(&buffer);
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_CONTAINER_THRESHOLD);
    msg.threshold = 150;
    assert_int_equal(hms_msg_encode(&msg, &buffer), -1);
    assert_int_equal(buffer.size, 0);
    hms_msg_init(&msg, HMS_MSG_HB); //  interval 0: out of range
    msg.hb.interval_ms = 0;
    assert_int_equal(hms_msg_encode(&msg, &buffer), -1);
    hms_msg_init(&msg, HMS_MSG_NONE);
    assert_int_equal(hms_msg_encode(&msg, &buffer), -1);
    hms_msg_ok(&msg, HMS_MSG_HB, 1); //  ok answers requests only
    assert_int_equal(hms_msg_encode(&msg, &buffer), -1);
    assert_int_equal(buffer.size, 0);
    msgpack_sbuffer_destroy(&buffer);
}

static void test_names(void **state)
{
    (void)state;
    for (int type = HMS_MSG_HB; type < HMS_MSG_COUNT; type++)
        assert_int_equal(hms_msg_type_from_name(hms_msg_type_name(type)), type);
    assert_int_equal(hms_msg_type_from_name("nope"), HMS_MSG_NONE);
    assert_string_equal(hms_status_name(HMS_STATUS_BACKOFF), "backoff");
    assert_string_equal(hms_status_name(HMS_STATUS_COUNT), "");
    for (int e = 0; e < HMS_DECODE_COUNT; e++)
        assert_true(*hms_decode_error_name(e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_message),
        cmocka_unit_test(test_fields_survive),
        cmocka_unit_test(test_metrics_fields),
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_ping_bytes),
        cmocka_unit_test(test_missing_key_of_every_message),
        cmocka_unit_test(test_wrong_type_of_every_field),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_utf8_repaired),
        cmocka_unit_test(test_envelope),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_array_limits),
        cmocka_unit_test(test_largest_messages),
        cmocka_unit_test(test_container_tuples),
        cmocka_unit_test(test_encode_refuses_invalid),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
