/*  hms_mpcheck: validates a msgpack buffer before anything unpacks it.  */

#include "hms_mpcheck.h"

#include <stdint.h>

#define HMS_MPCHECK_STACK 64

//  Reads a big-endian unsigned integer of width bytes.
static uint64_t s_read_be(const uint8_t *p, int width)
{
    uint64_t value = 0;
    for (int i = 0; i < width; i++)
        value = (value << 8) | p[i];
    return value;
}

hms_mpcheck_result_t hms_mpcheck(const void *data, size_t size, int max_depth, size_t max_objects)
{
    const uint8_t *buffer = data;
    if (max_depth > HMS_MPCHECK_STACK)
        max_depth = HMS_MPCHECK_STACK;
    //  pending[d] = elements still expected at depth d; depth 0 is the
    //  single top-level object.
    uint64_t pending[HMS_MPCHECK_STACK + 1];
    int depth = 0;
    pending[0] = 1;
    size_t pos = 0;
    size_t objects = 0;

    while (depth >= 0) {
        if (pos >= size)
            return HMS_MPCHECK_TRUNCATED;
        if (++objects > max_objects)
            return HMS_MPCHECK_TOO_MANY;
        uint8_t byte = buffer[pos++];
        size_t left = size - pos;
        uint64_t skip = 0;     //  payload bytes after the header
        uint64_t declared = 0; //  the part of skip that a length field declared
        uint64_t children = 0; //  elements of an array or map
        int header = 0;        //  width of the length field that follows

        if (byte <= 0x7f || byte >= 0xe0 || byte == 0xc0 || byte == 0xc2 || byte == 0xc3)
            ; //  fixint, nil, bool: nothing follows
        else if (byte <= 0x8f)
            children = 2 * (uint64_t)(byte & 0x0f);
        else if (byte <= 0x9f)
            children = byte & 0x0f;
        else if (byte <= 0xbf)
            declared = byte & 0x1f;
        else if (byte == 0xc1)
            return HMS_MPCHECK_BAD_BYTE;
        else {
            switch (byte) {
            case 0xc4:
            case 0xd9: header = 1; break; //  bin8, str8
            case 0xc5:
            case 0xda: header = 2; break; //  bin16, str16
            case 0xc6:
            case 0xdb: header = 4; break; //  bin32, str32
            case 0xc7:
                header = 1;
                skip = 1;
                break; //  ext8: len, type
            case 0xc8:
                header = 2;
                skip = 1;
                break; //  ext16
            case 0xc9:
                header = 4;
                skip = 1;
                break;                  //  ext32
            case 0xca: skip = 4; break; //  float32
            case 0xcb: skip = 8; break; //  float64
            case 0xcc:
            case 0xd0: skip = 1; break; //  uint8, int8
            case 0xcd:
            case 0xd1: skip = 2; break; //  uint16, int16
            case 0xce:
            case 0xd2: skip = 4; break; //  uint32, int32
            case 0xcf:
            case 0xd3: skip = 8; break;  //  uint64, int64
            case 0xd4: skip = 2; break;  //  fixext1: type + 1
            case 0xd5: skip = 3; break;  //  fixext2
            case 0xd6: skip = 5; break;  //  fixext4
            case 0xd7: skip = 9; break;  //  fixext8
            case 0xd8: skip = 17; break; //  fixext16
            case 0xdc:
            case 0xdd: header = byte == 0xdc ? 2 : 4; break; //  array16/32
            case 0xde:
            case 0xdf: header = byte == 0xde ? 2 : 4; break; //  map16/32
            }
            if (header) {
                if (left < (size_t)header)
                    return HMS_MPCHECK_TRUNCATED;
                uint64_t length = s_read_be(buffer + pos, header);
                pos += header;
                left -= header;
                if (byte >= 0xdc && byte <= 0xdd)
                    children = length;
                else if (byte >= 0xde)
                    children = 2 * length;
                else
                    declared = length;
            }
        }
        skip += declared;
        //  A length no buffer of this size could hold is a lie (BAD_LENGTH);
        //  one that only overruns the end is a cut (TRUNCATED).
        if (skip > left)
            return declared > size ? HMS_MPCHECK_BAD_LENGTH : HMS_MPCHECK_TRUNCATED;
        pos += skip;
        left -= skip;

        pending[depth]--;
        if (children > 0) {
            //  Each element takes one byte at least.
            if (children > left)
                return children > size ? HMS_MPCHECK_BAD_LENGTH : HMS_MPCHECK_TRUNCATED;
            if (depth + 1 > max_depth)
                return HMS_MPCHECK_TOO_DEEP;
            pending[++depth] = children;
        } else if ((byte & 0xf0) == 0x80 || (byte & 0xf0) == 0x90 || byte == 0xdc || byte == 0xdd ||
                   byte == 0xde || byte == 0xdf) {
            //  An empty array or map still counts as a level.
            if (depth + 1 > max_depth)
                return HMS_MPCHECK_TOO_DEEP;
        }
        while (depth >= 0 && pending[depth] == 0)
            depth--;
    }
    return pos == size ? HMS_MPCHECK_OK : HMS_MPCHECK_TRAILING;
}
