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

/* text made safe to show or to store: every byte that is not part of valid UTF-8 becomes "\xHH"; with
 * controls true, so do control characters (C0, DEL, C1) and a byte-order mark, which a terminal would act on
 * or hide. The result, cut to fit, goes to out (size bytes, NUL-terminated). Returns out. */
char *mt_escape_text(const char *text, bool controls, char *out, size_t size);
/* mt_escape_text of the whole text, controls escaped, in a new string (NULL when out of memory): free it. */
char *mt_escape_copy(const char *text);

/* Print "PROGRAM: error: MESSAGE" as one line on stderr, its control bytes and invalid UTF-8 escaped. */
void mt_print_error(const char *program, const mt_error *err);

/* Print "PROGRAM: warning: MESSAGE" as one line on stderr, escaped as errors are. */
void mt_print_warning(const char *program, const char *format, ...) __attribute__((format(printf, 2, 3)));

#endif
