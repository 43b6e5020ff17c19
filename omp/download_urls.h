/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* download_urls.h - the list of URLs to fetch: from the arguments, a file or stdin, or the original lesson's,
 * each checked (http or https) before anything is fetched. */
#ifndef DOWNLOAD_URLS_H
#define DOWNLOAD_URLS_H

#include <stddef.h>

#include "cli.h"
#include "download_cli.h"
#include "status.h"

/* The original lesson's six images; with no URL given they are fetched five times each (30 transfers). */
extern const char *const download_original_urls[6];
enum { DOWNLOAD_ORIGINAL_TIMES = 5 };

/* A line of a list file holds at most DOWNLOAD_MAX_LINE bytes ('\n' not counted; --help says 64 KiB), its URL
 * at most DOWNLOAD_MAX_URL_LENGTH. The reader holds one line at a time, so neither a file without line breaks
 * nor an endless stream makes it grow: the first is refused after 64 KiB, a NUL byte (/dev/zero) at once. */
enum { DOWNLOAD_MAX_LINE = 65536 };

typedef struct {
    char **items; /* owned strings */
    size_t count;
} download_url_list;

/* The URLs the options name: the operands, the file's (one a line, blank lines and # comments skipped; "-"
 * is stdin), or the original's list; then each one checked. MT_ERR_USAGE when the file is unreadable or
 * empty, holds a NUL byte or a line past the limit, or a URL is not http or https or holds a control or
 * invisible character (shown escaped). */
mt_status download_urls_read(const download_settings *settings, const mt_options *options, download_url_list *list,
                             mt_error *err);
void download_urls_free(download_url_list *list);

/* The list in the open descriptor fd, named name in messages, as download_urls_read reads a file, each URL
 * checked. Tests give a smaller max_line (0: DOWNLOAD_MAX_LINE) and read_max, the most bytes one read asks
 * for (0: as many as fit). */
mt_status download_urls_read_fd(int fd, const char *name, size_t max_line, size_t read_max, download_url_list *list,
                                mt_error *err);

#endif
