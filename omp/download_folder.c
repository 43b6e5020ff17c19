/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#define _GNU_SOURCE /* O_TMPFILE, beside POSIX */
#include "download_folder.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p: create each missing folder of path. */
static mt_status make_folder(const char *path, mt_error *err)
{
    size_t length = strlen(path);
    char *copy = malloc(length + 1);
    if (copy == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    memcpy(copy, path, length + 1);
    mt_status status = MT_OK;
    for (size_t i = 1; i <= length && status == MT_OK; i++) {
        if (copy[i] != '/' && copy[i] != '\0') continue;
        char kept = copy[i];
        copy[i] = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST)
            status = mt_fail(err, MT_ERR_USAGE, "cannot create the output folder '%s': %s", copy, strerror(errno));
        copy[i] = kept;
    }
    free(copy);
    return status;
}

mt_status download_folder_open(const char *path, int *dir_fd, bool *unnamed_files, mt_error *err)
{
    mt_status status = make_folder(path, err);
    if (status != MT_OK) return status;
    int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return mt_fail(err, MT_ERR_USAGE, "cannot open the output folder '%s': %s", path, strerror(errno));
    char probe[64];
    snprintf(probe, sizeof probe, ".download-%ld-probe", (long)getpid());
    int fd = openat(dir, probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) {
        int error = errno;
        close(dir);
        return mt_fail(err, MT_ERR_USAGE, "cannot write in the output folder '%s': %s", path, strerror(error));
    }
    close(fd);
    unlinkat(dir, probe, 0);
    *dir_fd = dir;
    /* DOWNLOAD_NAMED_TEMPORARIES=1: the named files even where unnamed ones work (a filesystem whose O_TMPFILE
     * misbehaves; the tests of that path). */
    const char *named = getenv("DOWNLOAD_NAMED_TEMPORARIES");
    *unnamed_files = !(named != NULL && strcmp(named, "1") == 0) && download_unnamed_files_work(dir);
    return MT_OK;
}

bool download_unnamed_files_work(int dir_fd)
{
#ifdef O_TMPFILE
    int fd = openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (fd < 0) return false;
    char path[64], probe[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    snprintf(probe, sizeof probe, ".download-%ld-probe-link", (long)getpid());
    bool linked = linkat(AT_FDCWD, path, dir_fd, probe, AT_SYMLINK_FOLLOW) == 0;
    if (linked) unlinkat(dir_fd, probe, 0);
    close(fd);
    return linked;
#else
    (void)dir_fd;
    return false;
#endif
}
