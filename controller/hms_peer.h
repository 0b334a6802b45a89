/*  hms_peer: where a followed host's manager and antagonist are, and how
    the controller speaks to them (the keys, or plaintext on loopback).
*/
#ifndef HMS_PEER_H_INCLUDED
#define HMS_PEER_H_INCLUDED

#include "hms_msg.h"
#include "hms_transport.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

//  What a host is added with.
typedef struct {
    const char *address;        //  host or host:port
    const char *antagonist;     //  its antagonist; NULL or "": the manager's host, port 7603
    const char *public_key;     //  the manager's key; NULL or "": plaintext
    const char *antagonist_key; //  the antagonist's; NULL or "": the manager's
} hms_follower_spec_t;

typedef struct {
    char address[HMS_ADDRESS_MAX + 1];       //  as added
    char router[300];                        //  its manager's ROUTER endpoint
    char pub[300];                           //  its manager's PUB endpoint
    char public_key[HMS_KEY_LENGTH + 1];     //  the manager's; "": plaintext
    char antagonist[HMS_ADDRESS_MAX + 1];    //  its antagonist's address (the /test endpoints)
    char antagonist_router[300];             //  its ROUTER endpoint
    char antagonist_pub[300];                //  its PUB endpoint (attacks)
    char antagonist_key[HMS_KEY_LENGTH + 1]; //  its key; "": plaintext
    bool antagonist_key_given;               //  not the manager's key by default
} hms_peer_t;

//  Checks spec (addresses, keys, and that transport can speak to them:
//  CURVE needs our key pair, plaintext needs loopback) and fills peer.
//  Returns 0, or -1 with why.
int hms_peer_resolve(hms_peer_t *peer, const hms_follower_spec_t *spec, hms_transport_t *transport,
                     char *why, size_t size);

//  Parses entry, an element of --hosts: ADDRESS[=ANTAGONIST][@KEY[@ANTAGONIST_KEY]]
//  (addresses hold no '@'; keys are 40 characters, which may hold '@' and
//  '='), into spec, whose fields then point into entry (cut into pieces).
void hms_peer_parse(char *entry, hms_follower_spec_t *spec);

//  Its saved form: {"address", "antagonist", "public_key", "antagonist_key"}.
json_t *hms_peer_saved(const hms_peer_t *peer);

#endif
