#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The length of the valid UTF-8 sequence at s (1 to 4), or 0 when s does not start one. */
static size_t utf8_length(const unsigned char *s)
{
    if (s[0] < 0x80) return 1;
    size_t length = s[0] >= 0xc2 && s[0] <= 0xdf   ? 2
                    : s[0] >= 0xe0 && s[0] <= 0xef ? 3
                    : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
                                                   : 0;
    for (size_t i = 1; i < length; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    /* no overlong forms, no surrogates, nothing past U+10FFFF */
    if (length == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))) return 0;
    if (length == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))) return 0;
    return length;
}

static bool is_control(const unsigned char *s, size_t length)
{
    if (length == 1) return s[0] < 0x20 || s[0] == 0x7f;
    if (length == 2) return s[0] == 0xc2 && s[1] < 0xa0;                /* C1: U+0080 to U+009F */
    return length == 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf; /* a byte-order mark, U+FEFF */
}

char *mt_escape_text(const char *text, bool controls, char *out, size_t size)
{
    size_t used = 0;
    for (const unsigned char *s = (const unsigned char *)text; *s != '\0' && used + 1 < size;) {
        size_t length = utf8_length(s);
        if (length == 0 || (controls && is_control(s, length))) {
            size_t bytes = length ? length : 1;
            for (size_t i = 0; i < bytes; i++) {
                if (used + 5 > size) goto done;
                snprintf(out + used, 5, "\\x%02x", s[i]);
                used += 4;
            }
            s += bytes;
            continue;
        }
        if (used + length + 1 > size) break;
        memcpy(out + used, s, length);
        used += length, s += length;
    }
done:
    out[used] = '\0';
    return out;
}

char *mt_escape_copy(const char *text)
{
    size_t size = 4 * strlen(text) + 1; /* every byte escaped */
    char *copy = malloc(size);
    return copy != NULL ? mt_escape_text(text, true, copy, size) : NULL;
}

void mt_print_error(const char *program, const mt_error *err)
{
    char shown[4 * MT_ERROR_MESSAGE_SIZE];
    /* One fprintf call, so the line is never torn by another thread's output. */
    fprintf(stderr, "%s: error: %s\n", program, mt_escape_text(err->message, true, shown, sizeof shown));
}

void mt_print_warning(const char *program, const char *format, ...)
{
    char line[MT_ERROR_MESSAGE_SIZE];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    char shown[4 * MT_ERROR_MESSAGE_SIZE];
    fprintf(stderr, "%s: warning: %s\n", program, mt_escape_text(line, true, shown, sizeof shown));
}
