/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* output_file.h - the results file of --output FILE: whole or absent. A regular FILE (or one that does not
 * exist yet) is written under a temporary name in its folder and renamed over FILE only when every write
 * has succeeded; anything else there (a device, a FIFO) is written in place, in order, by one writer.
 * The temporary is created with mode 0666 less the umask, as the shell's '>' creates a file. */
#ifndef MT_OUTPUT_FILE_H
#define MT_OUTPUT_FILE_H

#include <stdbool.h>
#include <stdio.h>

#include "report.h"
#include "status.h"

/* Whether FILE can take the results, before any work: a folder, or a file no writer can open, or a folder
 * where no temporary can be made, is MT_ERR_USAGE naming it. *regular: written under a temporary and renamed
 * (false: written in place, not a regular file). */
mt_status mt_output_file_check(const char *path, bool *regular, mt_error *err);

/* A new, empty temporary beside path (its name into *temporary, malloc'd, free it), created exclusively with
 * mode 0666 less the umask, and closed. It is removed if the program is ended by SIGINT, SIGTERM or SIGHUP
 * before mt_output_file_forget. MT_ERR_USAGE naming path when it cannot be made. */
mt_status mt_output_file_make_temporary(const char *path, char **temporary, mt_error *err);
/* The temporary is renamed or removed: a signal no longer removes it. */
void mt_output_file_forget(void);

/* Put the finished temporary in place of path (rename), or remove it: MT_ERR_RUNTIME naming path when the
 * rename fails (the temporary is then removed). */
mt_status mt_output_file_rename(const char *temporary, const char *path, mt_error *err);

typedef struct {
    char *path;      /* FILE as given (a copy) */
    char *temporary; /* the temporary written in its place; NULL: FILE written in place */
    FILE *file;      /* NULL: closed */
    mt_output output;
} mt_output_file;

/* Check path and open it for the results (its temporary, or itself in place); out->output writes to it.
 * MT_ERR_USAGE naming path when it cannot take them. */
mt_status mt_output_file_open(mt_output_file *out, const char *path, mt_error *err);
/* Close it, every write checked, and put it in place: MT_ERR_RUNTIME naming FILE and why when a write failed,
 * and then no temporary is left. */
mt_status mt_output_file_commit(mt_output_file *out, mt_error *err);
/* Close it and remove the temporary, if any (a run that failed); nothing when already committed. */
void mt_output_file_discard(mt_output_file *out);

#endif
