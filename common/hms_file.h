/*  hms_file: small files read and replaced safely.

    A reader of path sees the old content or the new, never a mix: the new
    content goes to a fresh temporary file in the same directory (mkstemp:
    created, never opened through an existing name or a symlink), is
    flushed to disk, renamed over path (which replaces a symlink there
    rather than following it), and the rename itself is flushed (fsync of
    the directory). Reading refuses a symlink, and anything but a regular
    file of bounded size.
*/
#ifndef HMS_FILE_H_INCLUDED
#define HMS_FILE_H_INCLUDED

#include <stddef.h>

//  Replaces path with size bytes of data (mode 0600), creating missing
//  directories (mode 0700). Returns 0, or -1 with error set; the old file, if any, is
//  then intact.
int hms_file_replace(const char *path, const void *data, size_t size, char *error,
                     size_t error_size);

//  Reads the regular file at path, at most max_size bytes, into *data (NUL
//  terminated; the caller frees it) and *size. Returns 0, 1 when there is
//  no such file, or -1 with error set (a symlink, not a regular file, too
//  large, unreadable).
int hms_file_read(const char *path, size_t max_size, char **data, size_t *size, char *error,
                  size_t error_size);

//  The same for a secret (a key, a token): path may be a symlink, but the
//  file must belong to root or to this process's user, and neither its
//  group nor others may have any access to it (as ssh wants of its keys).
int hms_file_read_secret(const char *path, size_t max_size, char **data, size_t *size, char *error,
                         size_t error_size);

//  Writes a daemon's ready file: `key=value` lines from the NULL-terminated
//  list of key, value, key, value, ..., replaced atomically, so that a
//  reader sees it whole once the daemon serves. Returns 0, or -1 with
//  error set.
int hms_file_ready(const char *path, char *error, size_t error_size, ...) __attribute__((sentinel));

#endif
