/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* download_folder.h - the output folder: created if missing, proved writable before any transfer, and whether
 * it takes unnamed temporary files. */
#ifndef DOWNLOAD_FOLDER_H
#define DOWNLOAD_FOLDER_H

#include <stdbool.h>

#include "status.h"

/* Open the folder path (created if missing, as mkdir -p) into *dir_fd and prove a file can be created in it,
 * before any transfer: an unwritable folder is the user's to fix (MT_ERR_USAGE), and nothing should be fetched
 * for nothing. *unnamed_files: whether the transfers write unnamed files there (download_unnamed_files_work;
 * DOWNLOAD_NAMED_TEMPORARIES=1 asks for named ones even where unnamed ones work). */
mt_status download_folder_open(const char *path, int *dir_fd, bool *unnamed_files, mt_error *err);

/* Whether the folder dir_fd takes unnamed files: O_TMPFILE, then a link into place through /proc/self/fd.
 * Tried once before the runs; where it fails (a filesystem without O_TMPFILE, no /proc), the transfers write
 * hidden named files .download-PID-INDEX-ATTEMPT.part instead, renamed into place. */
bool download_unnamed_files_work(int dir_fd);

#endif
