/*  hms_file: small files read and replaced safely.  */

#include "hms_file.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int hms_file_replace(const char *path, const void *data, size_t size, char *error,
                     size_t error_size)
{
    char temporary[4096];
    if (snprintf(temporary, sizeof temporary, "%s.XXXXXX", path) >= (int)sizeof temporary) {
        snprintf(error, error_size, "%s: path too long", path);
        return -1;
    }
    char *copy = strdup(path);
    if (!copy || zsys_dir_create("%s", dirname(copy)) != 0) {
        snprintf(error, error_size, "%s: cannot create its directory: %s", path,
                 copy ? strerror(errno) : "out of memory");
        free(copy);
        return -1;
    }
    free(copy);
    //  O_CREAT | O_EXCL under a fresh name: nothing planted is followed.
    int fd = mkostemp(temporary, O_CLOEXEC);
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
    copy = strdup(path);
    int dir = copy ? open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dir >= 0) {
        fsync(dir);
        close(dir);
    }
    free(copy);
    return 0;
}

int hms_file_read(const char *path, size_t max_size, char **data, size_t *size, char *error,
                  size_t error_size)
{
    *data = NULL;
    *size = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        snprintf(error, error_size, "%s: %s", path,
                 errno == ELOOP ? "a symbolic link (refused)" : strerror(errno));
        return -1;
    }
    struct stat info;
    const char *problem = NULL;
    if (fstat(fd, &info) != 0)
        problem = strerror(errno);
    else if (!S_ISREG(info.st_mode))
        problem = "not a regular file";
    else if ((size_t)info.st_size > max_size)
        problem = "too large";
    char *buffer = problem ? NULL : malloc((size_t)info.st_size + 1);
    if (!problem && !buffer)
        problem = "out of memory";
    size_t got = 0;
    while (!problem && got < (size_t)info.st_size) {
        ssize_t n = read(fd, buffer + got, (size_t)info.st_size - got);
        if (n <= 0)
            problem = n < 0 ? strerror(errno) : "changed while read";
        else
            got += (size_t)n;
    }
    close(fd);
    if (problem) {
        snprintf(error, error_size, "%s: %s", path, problem);
        free(buffer);
        return -1;
    }
    buffer[got] = '\0';
    *data = buffer;
    *size = got;
    return 0;
}

int hms_file_ready(const char *path, char *error, size_t error_size, ...)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out) {
        snprintf(error, error_size, "%s: out of memory", path);
        return -1;
    }
    va_list args;
    va_start(args, error_size);
    for (const char *key = va_arg(args, const char *); key; key = va_arg(args, const char *))
        fprintf(out, "%s=%s\n", key, va_arg(args, const char *));
    va_end(args);
    fclose(out);
    int rc = text ? hms_file_replace(path, text, size, error, error_size) : -1;
    free(text);
    return rc;
}
