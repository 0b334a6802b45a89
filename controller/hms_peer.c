/*  hms_peer: where a followed host's manager and antagonist are. */

#include "hms_peer.h"
#include "hms_address.h"

#include <stdio.h>
#include <string.h>

int hms_peer_resolve(hms_peer_t *peer, const hms_follower_spec_t *spec, hms_transport_t *transport,
                     char *why, size_t size)
{
    char host_name[HMS_ADDRESS_MAX + 1];
    int port;
    const char *antagonist = spec->antagonist && *spec->antagonist ? spec->antagonist : NULL;
    if (strlen(spec->address) > HMS_ADDRESS_MAX ||
        hms_address_endpoints(spec->address, HMS_MANAGER_PORT, peer->pub, peer->router,
                              sizeof peer->pub) != 0 ||
        hms_address_parse(spec->address, HMS_MANAGER_PORT, host_name, sizeof host_name, &port)) {
        snprintf(why, size, "'%.300s' is not an address (host or host:port)", spec->address);
        return -1;
    }
    snprintf(peer->address, sizeof peer->address, "%s", spec->address);
    snprintf(peer->antagonist, sizeof peer->antagonist, "%s", antagonist ? antagonist : host_name);
    if (strlen(peer->antagonist) > HMS_ADDRESS_MAX ||
        hms_address_endpoints_antagonist(peer->antagonist, HMS_ANTAGONIST_PORT,
                                         peer->antagonist_pub, peer->antagonist_router,
                                         sizeof peer->antagonist_pub) != 0) {
        snprintf(why, size, "antagonist '%.300s' is not an address", peer->antagonist);
        return -1;
    }
    const char *keys[] = {spec->public_key, spec->antagonist_key};
    for (int i = 0; i < 2; i++)
        if (keys[i] && *keys[i] && !hms_key_valid(keys[i])) {
            snprintf(why, size, "'%.60s' is not a public key (40 Z85 characters)", keys[i]);
            return -1;
        }
    snprintf(peer->public_key, sizeof peer->public_key, "%s",
             spec->public_key ? spec->public_key : "");
    peer->antagonist_key_given = spec->antagonist_key && *spec->antagonist_key;
    snprintf(peer->antagonist_key, sizeof peer->antagonist_key, "%s",
             peer->antagonist_key_given ? spec->antagonist_key : peer->public_key);
    if (*peer->public_key && !hms_transport_secure(transport)) {
        snprintf(why, size,
                 "this controller has no key pair (--curve-secret): it cannot speak "
                 "CURVE to %.300s",
                 spec->address);
        return -1;
    }
    if (!*peer->public_key && !hms_transport_plaintext(transport, peer->pub)) {
        snprintf(why, size, "%.300s is not on loopback: add it with its public key", spec->address);
        return -1;
    }
    return 0;
}

json_t *hms_peer_saved(const hms_peer_t *peer)
{
    json_t *entry =
        json_pack("{s:s, s:s}", "address", peer->address, "antagonist", peer->antagonist);
    if (entry && *peer->public_key)
        json_object_set_new(entry, "public_key", json_string(peer->public_key));
    if (entry && peer->antagonist_key_given)
        json_object_set_new(entry, "antagonist_key", json_string(peer->antagonist_key));
    return entry;
}

void hms_peer_parse(char *entry, hms_follower_spec_t *spec)
{
    *spec = (hms_follower_spec_t){entry, NULL, NULL, NULL};
    char *keys = strchr(entry, '@');
    if (keys) {
        *keys++ = '\0';
        spec->public_key = keys;
        if (strlen(keys) == 2 * HMS_KEY_LENGTH + 1 && keys[HMS_KEY_LENGTH] == '@') {
            keys[HMS_KEY_LENGTH] = '\0';
            spec->antagonist_key = keys + HMS_KEY_LENGTH + 1;
        }
    }
    char *antagonist = strchr(entry, '=');
    if (antagonist) {
        *antagonist++ = '\0';
        spec->antagonist = antagonist;
    }
}
