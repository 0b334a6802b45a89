/*  msg_samples: one filled-in example of every HMS/1 message.

    Shared by the codec tests, the vector generator (hms_vectors) and the
    fuzz target's seed corpus. proto/vectors.txt holds their encodings.
*/
#ifndef MSG_SAMPLES_H_INCLUDED
#define MSG_SAMPLES_H_INCLUDED

#include "hms_msg.h"

typedef struct {
    const char *name;    //  name of the vector in proto/vectors.txt
    hms_msg_type_t type; //  command
    hms_msg_type_t re;   //  for ok replies: the request answered
} msg_sample_t;

//  Every message of the spec, NULL-terminated.
extern const msg_sample_t msg_samples[];

//  Fills msg with the example for sample. Arrays point to static storage:
//  do not hms_msg_reset such a msg.
void msg_sample_fill(const msg_sample_t *sample, hms_msg_t *msg);

#endif
