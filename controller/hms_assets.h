/*  hms_assets: the files the controller serves, compiled into the binary
    (cmake/embed.cmake writes the table from controller/web and the OpenAPI
    document).
*/
#ifndef HMS_ASSETS_H_INCLUDED
#define HMS_ASSETS_H_INCLUDED

#include <stddef.h>

typedef struct {
    const char *path;          //  URL path; NULL ends the table
    const char *type;          //  Content-Type
    const unsigned char *data; //  the file's bytes
    size_t size;
} hms_asset_t;

extern const hms_asset_t hms_assets[];

#endif
