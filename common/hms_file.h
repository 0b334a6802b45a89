/*  hms_file: durable replacement of a small file.

    A reader of path sees the old content or the new, never a mix: the new
    content goes to path.tmp, is flushed to disk, renamed over path, and
    the rename itself is flushed (fsync of the directory).
*/
#ifndef HMS_FILE_H_INCLUDED
#define HMS_FILE_H_INCLUDED

#include <stddef.h>

//  Replaces path with size bytes of data, creating missing directories.
//  Returns 0, or -1 with error set; the old file, if any, is then intact.
int hms_file_replace(const char *path, const void *data, size_t size, char *error,
                     size_t error_size);

#endif
