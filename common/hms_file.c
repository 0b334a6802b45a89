/*  hms_file: small files read and replaced safely.  */

#include "hms_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

//  Creates dir and its missing parents, 0700: only the daemon (root) needs
//  to look inside. Returns 0, or -1 with errno set.
static int s_mkdirs(const char *dir)
{
    struct stat info;
    if (stat(dir, &info) == 0)
        return S_ISDIR(info.st_mode) ? 0 : (errno = ENOTDIR, -1);
    char *copy = strdup(dir);
    if (!copy)
        return -1;
    int rc = strcmp(dir, "/") == 0 || strcmp(dir, ".") == 0 ? 0 : s_mkdirs(dirname(copy));
    free(copy);
    if (rc == 0 && mkdir(dir, 0700) != 0 && errno != EEXIST)
        rc = -1;
    return rc;
}

//  Writes all size bytes of data to fd. Returns 0, or -1 with errno set.
static int s_write_all(int fd, const char *data, size_t size)
{
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -1 : (errno = EIO, -1);
        data += n;
        size -= (size_t)n;
    }
    return 0;
}

int hms_file_replace(const char *path, const void *data, size_t size, char *error,
                     size_t error_size)
{
    char temporary[4096];
    if (snprintf(temporary, sizeof temporary, "%s.XXXXXX", path) >= (int)sizeof temporary) {
        snprintf(error, error_size, "%s: path too long", path);
        return -1;
    }
    char *copy = strdup(path);
    if (!copy || s_mkdirs(dirname(copy)) != 0) {
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
    int failed = s_write_all(fd, data, size) != 0 || fsync(fd) != 0;
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

//  Reads path into *data and *size. A secret may be reached through a
//  symlink (as systemd and secret stores hand them out), but the file read
//  must belong to root or to us and be closed to everyone else; any other
//  file is read only when path itself is not a symlink.
static int s_read(const char *path, size_t max_size, bool secret, char **data, size_t *size,
                  char *error, size_t error_size)
{
    *data = NULL;
    *size = 0;
    int fd = open(path, O_RDONLY | (secret ? 0 : O_NOFOLLOW) | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        snprintf(error, error_size, "%s: %s", path,
                 errno == ELOOP ? "a symbolic link (refused)" : strerror(errno));
        return -1;
    }
    struct stat info;
    const char *problem = NULL;
    char mode[64];
    if (fstat(fd, &info) != 0)
        problem = strerror(errno);
    else if (!S_ISREG(info.st_mode))
        problem = "not a regular file";
    else if ((size_t)info.st_size > max_size)
        problem = "too large";
    else if (secret && info.st_uid != 0 && info.st_uid != geteuid())
        problem = "a secret owned by another user";
    else if (secret && (info.st_mode & (S_IRWXG | S_IRWXO))) {
        snprintf(mode, sizeof mode, "open to others (mode %o): chmod 600 it",
                 (unsigned)(info.st_mode & 07777));
        problem = mode;
    }
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

int hms_file_read(const char *path, size_t max_size, char **data, size_t *size, char *error,
                  size_t error_size)
{
    return s_read(path, max_size, false, data, size, error, error_size);
}

int hms_file_read_secret(const char *path, size_t max_size, char **data, size_t *size, char *error,
                         size_t error_size)
{
    return s_read(path, max_size, true, data, size, error, error_size);
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
