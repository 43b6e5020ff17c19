/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

mt_status mt_output_file_check(const char *path, bool *regular, mt_error *err)
{
    struct stat info;
    if (path[0] == '\0') return mt_fail(err, MT_ERR_USAGE, "--output: the file name is empty");
    if (stat(path, &info) != 0) {
        *regular = true; /* it will be made, by the rename */
        if (errno == ENOENT) return MT_OK;
        return mt_fail(err, MT_ERR_USAGE, "--output: cannot write '%s': %s", path, strerror(errno));
    }
    if (S_ISDIR(info.st_mode)) return mt_fail(err, MT_ERR_USAGE, "--output: '%s' is a folder, not a file", path);
    *regular = S_ISREG(info.st_mode);
    if (access(path, W_OK) != 0)
        return mt_fail(err, MT_ERR_USAGE, "--output: cannot write '%s': %s", path, strerror(errno));
    return MT_OK;
}

/* The temporary a signal must not leave behind: set while it exists. A signal handler may read only what was
 * written before it was installed, so this is a fixed buffer, not a pointer that changes. */
static char pending_temporary[4096];
static volatile sig_atomic_t pending = 0;

static void remove_pending(int signal_number)
{
    if (pending) unlink(pending_temporary); /* async-signal-safe */
    signal(signal_number, SIG_DFL);
    raise(signal_number);
}

/* Remove the temporary on the signals that end a run from outside, unless the program handles them itself. */
static void guard(const char *temporary)
{
    static const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    if (strlen(temporary) >= sizeof pending_temporary) return;
    pending = 0;
    memcpy(pending_temporary, temporary, strlen(temporary) + 1);
    pending = 1;
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction now;
        if (sigaction(signals[i], NULL, &now) == 0 && now.sa_handler == SIG_DFL) {
            struct sigaction action = {.sa_handler = remove_pending};
            sigemptyset(&action.sa_mask);
            sigaction(signals[i], &action, NULL);
        }
    }
}

void mt_output_file_forget(void)
{
    pending = 0;
}

/* A temporary not put in place: removed, and no longer the signal handler's to remove. */
static void discard_temporary(const char *temporary)
{
    unlink(temporary);
    mt_output_file_forget();
}

mt_status mt_output_file_make_temporary(const char *path, char **temporary, mt_error *err)
{
    size_t size = strlen(path) + 48;
    char *name = malloc(size);
    if (name == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    /* O_EXCL with mode 0666: the umask applies, and no other file of that name is ever taken over. */
    int fd = -1;
    for (unsigned attempt = 0; fd < 0 && attempt < 100; attempt++) {
        snprintf(name, size, "%s.%ld-%u.tmp", path, (long)getpid(), attempt);
        fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        mt_status status = mt_fail(err, MT_ERR_USAGE, "--output: cannot write '%s': %s", path, strerror(errno));
        free(name);
        return status;
    }
    guard(name);
    /* A FILE replaced keeps its permissions, as a shell's '>' keeps them (and as a trace replaced does). */
    struct stat existing;
    if (stat(path, &existing) == 0 && S_ISREG(existing.st_mode) && fchmod(fd, existing.st_mode & 07777) != 0) {
        mt_status status = mt_fail(err, MT_ERR_USAGE, "--output: cannot write '%s': %s", path, strerror(errno));
        close(fd);
        unlink(name);
        mt_output_file_forget();
        free(name);
        return status;
    }
    if (close(fd) != 0) {
        mt_status status = mt_fail(err, MT_ERR_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
        unlink(name);
        mt_output_file_forget();
        free(name);
        return status;
    }
    *temporary = name;
    return MT_OK;
}

mt_status mt_output_file_rename(const char *temporary, const char *path, mt_error *err)
{
    mt_status status = MT_OK;
    if (rename(temporary, path) != 0) {
        status = mt_fail(err, MT_ERR_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
        unlink(temporary);
    }
    mt_output_file_forget();
    return status;
}

mt_status mt_output_file_open(mt_output_file *out, const char *path, mt_error *err)
{
    *out = (mt_output_file){0};
    bool regular = false;
    mt_status status = mt_output_file_check(path, &regular, err);
    if (status != MT_OK) return status;
    out->path = strdup(path);
    if (out->path == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    if (regular && (status = mt_output_file_make_temporary(path, &out->temporary, err)) != MT_OK) {
        mt_output_file_discard(out);
        return status;
    }
    /* "w" truncates the temporary (empty already) or the device; a FIFO waits here for its reader. */
    out->file = fopen(regular ? out->temporary : path, "w");
    if (out->file == NULL) {
        status = mt_fail(err, MT_ERR_USAGE, "--output: cannot write '%s': %s", path, strerror(errno));
        mt_output_file_discard(out);
        return status;
    }
    mt_output_init(&out->output, out->file, out->path);
    return MT_OK;
}

mt_status mt_output_file_commit(mt_output_file *out, mt_error *err)
{
    if (out->file == NULL) return MT_OK;
    mt_status status = mt_output_finish(&out->output, err);
    errno = 0;
    int closed = fclose(out->file);
    out->file = NULL;
    if (status == MT_OK && closed != 0)
        status = mt_fail(err, MT_ERR_RUNTIME, "cannot write %s: %s", out->path, strerror(errno ? errno : EIO));
    if (out->temporary != NULL) {
        if (status == MT_OK)
            status = mt_output_file_rename(out->temporary, out->path, err);
        else
            discard_temporary(out->temporary);
        free(out->temporary);
        out->temporary = NULL;
    }
    free(out->path);
    out->path = NULL;
    return status;
}

void mt_output_file_discard(mt_output_file *out)
{
    if (out->file != NULL) fclose(out->file);
    out->file = NULL;
    if (out->temporary != NULL) discard_temporary(out->temporary);
    free(out->temporary);
    free(out->path);
    out->temporary = NULL;
    out->path = NULL;
}
