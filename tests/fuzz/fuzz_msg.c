/*  fuzz_msg: libFuzzer target for the HMS/1 decoder (scripts/fuzz runs it).

    Whatever the input, decoding must not crash, leak or allocate more than
    a small multiple of the input (the run sets -malloc_limit_mb). What
    decodes must encode, and decode again to the same encoding.
*/
#include "hms_log.h"
#include "hms_msg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hms_log_init("fuzz", HMS_LOG_ERROR, false);
    hms_msg_t msg;
    hms_msg_init(&msg, HMS_MSG_NONE);
    if (hms_msg_decode(&msg, data, size) != 0) {
        if (msg.decode_error == HMS_DECODE_OK || msg.owned)
            abort();
        return 0;
    }
    msgpack_sbuffer first;
    msgpack_sbuffer_init(&first);
    if (hms_msg_encode(&msg, &first) != 0)
        abort();
    hms_msg_t again;
    hms_msg_init(&again, HMS_MSG_NONE);
    if (hms_msg_decode(&again, first.data, first.size) != 0)
        abort();
    msgpack_sbuffer second;
    msgpack_sbuffer_init(&second);
    if (hms_msg_encode(&again, &second) != 0 || second.size != first.size ||
        memcmp(first.data, second.data, first.size) != 0)
        abort();
    msgpack_sbuffer_destroy(&first);
    msgpack_sbuffer_destroy(&second);
    hms_msg_reset(&msg);
    hms_msg_reset(&again);
    return 0;
}
