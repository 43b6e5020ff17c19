#include "status.h"

#include <stdarg.h>
#include <stdio.h>

mt_status mt_fail(mt_error *err, mt_status status, const char *format, ...)
{
    if (err != NULL) {
        va_list args;
        va_start(args, format);
        vsnprintf(err->message, sizeof err->message, format, args);
        va_end(args);
    }
    return status;
}

void mt_print_error(const char *program, const mt_error *err)
{
    /* One fprintf call, so the line is never torn by another thread's output. */
    fprintf(stderr, "%s: error: %s\n", program, err->message);
}

void mt_print_warning(const char *program, const char *format, ...)
{
    char line[MT_ERROR_MESSAGE_SIZE];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    fprintf(stderr, "%s: warning: %s\n", program, line);
}
