/*  hms_file: durable replacement of a small file.  */

#include "hms_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

//  mkdir -p of the directory that holds path.
static int s_make_parent(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return -1;
    char *dir = dirname(copy);
    int rc = 0;
    for (char *slash = dir + 1; rc == 0; slash++) {
        if (*slash == '/' || *slash == '\0') {
            char saved = *slash;
            *slash = '\0';
            if (mkdir(dir, 0755) != 0 && errno != EEXIST)
                rc = -1;
            *slash = saved;
            if (saved == '\0')
                break;
        }
    }
    free(copy);
    return rc;
}

int hms_file_replace(const char *path, const void *data, size_t size, char *error,
                     size_t error_size)
{
    char temporary[4096];
    if (snprintf(temporary, sizeof temporary, "%s.tmp", path) >= (int)sizeof temporary) {
        snprintf(error, error_size, "%s: path too long", path);
        return -1;
    }
    if (s_make_parent(path) != 0) {
        snprintf(error, error_size, "%s: cannot create its directory: %s", path, strerror(errno));
        return -1;
    }
    int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(error, error_size, "%s: %s", temporary, strerror(errno));
        return -1;
    }
    errno = 0;
    int failed = write(fd, data, size) != (ssize_t)size || fsync(fd) != 0;
    failed |= close(fd) != 0;
    if (failed) {
        snprintf(error, error_size, "%s: %s", temporary, strerror(errno ? errno : EIO));
        unlink(temporary);
        return -1;
    }
    if (rename(temporary, path) != 0) {
        snprintf(error, error_size, "%s: %s", path, strerror(errno));
        unlink(temporary);
        return -1;
    }
    //  Make the rename itself durable.
    char *copy = strdup(path);
    int dir = copy ? open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dir >= 0) {
        fsync(dir);
        close(dir);
    }
    free(copy);
    return 0;
}
