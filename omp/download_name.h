/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* download_name.h - what download accepts as a URL, and the file name each URL is saved under. */
#ifndef DOWNLOAD_NAME_H
#define DOWNLOAD_NAME_H

#include <stddef.h>

#include "status.h"

enum {
    DOWNLOAD_NAME_MAX = 200,  /* longer names are replaced: room for the temporary file's affixes */
    DOWNLOAD_NAME_SIZE = 256, /* a buffer that holds any name download_file_name gives */
};

/* url as messages, the record and the trace show it: its password masked (user:***@, mt_mask_passwords), then
 * escaped (mt_escape_copy). A new string (NULL when out of memory): free it. The real URL is for the transfer
 * only. */
char *download_shown_url(const char *url);

/* MT_OK when url parses and its scheme is http or https; otherwise MT_ERR_USAGE naming the URL and its
 * 1-based position in the list (the URL shown as download_shown_url shows it), or when libcurl finds a
 * password in it that mt_mask_passwords would not hide. Needs nothing from curl_global_init. */
mt_status download_url_check(const char *url, size_t position, mt_error *err);

/* The file name for url (already checked): its last path segment as given (query and fragment dropped,
 * %XX decoded) when that is safe, else "url-" and the 16 hex digits of the FNV-1a 64-bit hash of the URL with its
 * password masked (mt_mask_passwords). Safe, once decoded: not empty, not only blanks, not '.' or '..', no '/' or '\',
 * not starting with '-' or '.', at most DOWNLOAD_NAME_MAX bytes, and no character a reader cannot see or that moves the
 * text (mt_text_has_unseen: C0 and C1 controls, DEL, U+200B-U+200F, U+202A-U+202E, U+2066-U+2069, U+FEFF and the other
 * invisible ones); bytes that are not UTF-8 (a Latin-1 name) are kept, but for 0x80-0x9F. Never a path: always one
 * plain name. Returns 1 when the name is the URL's own, 0 when it was replaced. */
int download_file_name(const char *url, char name[DOWNLOAD_NAME_SIZE]);

/* The name a path segment (length bytes, as written in the URL) decodes to (%XX decoded), in name: 1 when it is
 * safe (the rule above), 0 when it is not (name then holds anything, NUL-terminated: the caller replaces it). */
int download_name_decode(const char *segment, size_t length, char name[DOWNLOAD_NAME_SIZE]);

#endif
