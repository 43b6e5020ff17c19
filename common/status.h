/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* status.h - the one way library code in common/ reports failure.
 *
 * Library functions never print and never exit: they return an mt_status and, on failure, leave one
 * line of explanation in an mt_error. Only a program's main decides what to print and how to end.
 * The status values are the suite's exit codes. */
#ifndef MT_STATUS_H
#define MT_STATUS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    MT_OK = 0,          /* success */
    MT_ERR_RUNTIME = 1, /* the run failed: a transfer, an MPI call, a result that did not validate */
    MT_ERR_USAGE = 2,   /* bad option or bad input: the user can fix it */
} mt_status;

enum { MT_ERROR_MESSAGE_SIZE = 512 };

typedef struct {
    char message[MT_ERROR_MESSAGE_SIZE]; /* one line, no trailing newline */
} mt_error;

/* Fill err (if not NULL) with a printf-style message and return status, for `return mt_fail(...)`. */
mt_status mt_fail(mt_error *err, mt_status status, const char *format, ...) __attribute__((format(printf, 3, 4)));

/* Bytes made safe to show or to store. What is escaped, as \xHH for each of its bytes (a backslash as \\): */
enum {
    MT_SHOW_INVALID = 1 << 0, /* a byte that is not part of valid UTF-8 (jansson refuses them, terminals mangle them) */
    MT_SHOW_UNSEEN = 1 << 1,  /* a control character (C0, DEL, C1) or one a reader cannot see or that moves the
                               * text (a byte-order mark, a no-break or zero-width space, a direction mark) */
    MT_SHOW_BACKSLASH = 1 << 2, /* a backslash, so that the escapes cannot be read as the text's own */
};

/* The length bytes as how says, NUL-terminated in out (size bytes, at least 1); stops before what would not
 * fit whole; returns how many of the length bytes were shown. */
size_t mt_show_bytes_as(char *out, size_t size, const char *bytes, size_t length, unsigned how);
/* A token in a message: everything escaped (invalid, unseen, backslash). */
size_t mt_show_bytes(char *out, size_t size, const char *bytes, size_t length);
/* How many of the length bytes, from the first, stand as they are under how (a backslash always does). */
size_t mt_plain_prefix_as(const char *bytes, size_t length, unsigned how);
/* mt_plain_prefix_as with invalid UTF-8 and unseen characters escaped: length when the text is all plain. */
size_t mt_plain_prefix(const char *bytes, size_t length);

/* text with invalid UTF-8 escaped and, when controls, the unseen characters too (backslashes stay, so that
 * escaping twice changes nothing), cut to fit out (size bytes). Returns out. */
char *mt_escape_text(const char *text, bool controls, char *out, size_t size);
/* mt_escape_text of the whole text, controls escaped, in a new string (NULL when out of memory): free it. */
char *mt_escape_copy(const char *text);

/* Whether the length bytes hold a character a reader cannot see or that moves the text: an unseen character
 * (as MT_SHOW_UNSEEN: C0, DEL, C1, zero-width, direction and other invisible marks, the byte-order mark), or a
 * byte 0x80-0x9F outside valid UTF-8 (a C1 control where the bytes are read as Latin-1). */
bool mt_text_has_unseen(const char *bytes, size_t length);

/* text with the password of every URL in it masked: "scheme://user:PASSWORD@host" becomes
 * "scheme://user:***@host" (the password is everything from the first ':' of the authority's user part to its
 * last '@', so a password with a raw '@' is masked whole; 1 to 3 slashes after the scheme, as libcurl takes).
 * Text without a password is returned copied unchanged. A new string (NULL when out of memory): free it. */
char *mt_mask_passwords(const char *text);
/* Whether text holds a URL password that mt_mask_passwords would mask. */
bool mt_has_password(const char *text);

/* Print "PROGRAM: error: MESSAGE" as one line on stderr, its control bytes and invalid UTF-8 escaped. */
void mt_print_error(const char *program, const mt_error *err);

/* Print "PROGRAM: warning: MESSAGE" as one line on stderr, escaped as errors are. */
void mt_print_warning(const char *program, const char *format, ...) __attribute__((format(printf, 2, 3)));

#endif
