/*  hms_mpcheck: validates a msgpack buffer before anything unpacks it.

    msgpack-c allocates from declared array, map and string lengths before
    any element exists: five bytes (dd 01 00 00 00) ask for hundreds of MB.
    This walk allocates nothing and accepts a buffer only when it holds
    exactly one object, every declared length fits in the bytes that
    remain (one byte at least per element), nesting and the number of
    objects stay within limits and the reserved byte 0xc1 does not appear.
    The object limit matters because each element costs msgpack-c a
    24-byte object: a 4 MB message of one-byte elements would unpack into
    about 100 MB.
*/
#ifndef HMS_MPCHECK_H_INCLUDED
#define HMS_MPCHECK_H_INCLUDED

#include <stddef.h>

//  Results of hms_mpcheck; also the first decode errors of hms_msg.
typedef enum {
    HMS_MPCHECK_OK = 0,
    HMS_MPCHECK_TRUNCATED,  //  the buffer ends inside the object (or is empty)
    HMS_MPCHECK_TRAILING,   //  bytes remain after the object
    HMS_MPCHECK_BAD_LENGTH, //  a declared count or length exceeds the bytes left
    HMS_MPCHECK_TOO_DEEP,   //  arrays and maps nest deeper than the limit
    HMS_MPCHECK_BAD_BYTE,   //  0xc1, which msgpack never uses
    HMS_MPCHECK_TOO_MANY    //  more objects in all than the limit
} hms_mpcheck_result_t;

//  Checks that data[0..size) is exactly one well-formed msgpack object whose
//  arrays and maps nest at most max_depth levels (a top-level map is 1) and
//  that holds at most max_objects objects in all (each key, value and
//  element counts: msgpack-c allocates an object for each).
hms_mpcheck_result_t hms_mpcheck(const void *data, size_t size, int max_depth, size_t max_objects);

#endif
