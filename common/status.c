/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "status.h"

#include <stdarg.h>
#include <stdint.h>
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

/* Whether the character c is one a reader cannot see or that moves the text: C1 controls, no-break and other
 * spaces, zero-width characters, direction marks and isolates, the byte-order mark, tags. */
static bool invisible(uint32_t c)
{
    return (c >= 0x80 && c <= 0xA0) || c == 0xAD || c == 0x034F || c == 0x061C || c == 0x115F || c == 0x1160 ||
           c == 0x1680 || c == 0x180E || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
           (c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0x3164 || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF ||
           c == 0xFFA0 || (c >= 0xFFF0 && c <= 0xFFFB) || (c >= 0xE0000 && c <= 0xE0FFF);
}

typedef enum { PLAIN, UNSEEN, INVALID, BACKSLASH } char_kind;

/* The character at bytes (length bytes left, at least 1): how many bytes it takes, and what kind it is. A
 * byte that does not start valid UTF-8 (RFC 3629: no overlong form, no surrogate, at most U+10FFFF) is one
 * INVALID byte. */
static size_t classify(const unsigned char *bytes, size_t length, char_kind *kind)
{
    unsigned char c = bytes[0];
    if (c < 0x80) {
        *kind = c == '\\' ? BACKSLASH : c < 0x20 || c == 0x7F ? UNSEEN : PLAIN;
        return 1;
    }
    size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    *kind = INVALID;
    if (n == 0 || n > length) return 1;
    uint32_t code = c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((bytes[i] & 0xC0) != 0x80) return 1;
        code = code << 6 | (bytes[i] & 0x3F);
    }
    static const uint32_t smallest[5] = {0, 0, 0x80, 0x800, 0x10000}; /* shorter forms are overlong */
    if (code < smallest[n] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 1;
    *kind = invisible(code) ? UNSEEN : PLAIN;
    return n;
}

static bool escaped(char_kind kind, unsigned how)
{
    return (kind == INVALID && (how & MT_SHOW_INVALID)) || (kind == UNSEEN && (how & MT_SHOW_UNSEEN)) ||
           (kind == BACKSLASH && (how & MT_SHOW_BACKSLASH));
}

size_t mt_show_bytes_as(char *out, size_t size, const char *bytes, size_t length, unsigned how)
{
    const unsigned char *in = (const unsigned char *)bytes;
    size_t o = 0, i = 0;
    while (i < length) {
        char_kind kind;
        size_t n = classify(in + i, length - i, &kind);
        if (!escaped(kind, how)) {
            if (o + n >= size) break;
            memcpy(out + o, in + i, n);
            o += n;
            i += n;
        } else if (kind == BACKSLASH) {
            if (o + 2 >= size) break;
            out[o++] = '\\';
            out[o++] = '\\';
            i++;
        } else { /* each of its bytes as \xHH, never half of one */
            if (o + 4 * n >= size) break;
            for (size_t k = 0; k < n; k++, i++, o += 4)
                snprintf(out + o, 5, "\\x%02X", in[i]);
        }
    }
    if (size > 0) out[o < size ? o : size - 1] = '\0';
    return i;
}

size_t mt_show_bytes(char *out, size_t size, const char *bytes, size_t length)
{
    return mt_show_bytes_as(out, size, bytes, length, MT_SHOW_INVALID | MT_SHOW_UNSEEN | MT_SHOW_BACKSLASH);
}

size_t mt_plain_prefix_as(const char *bytes, size_t length, unsigned how)
{
    const unsigned char *in = (const unsigned char *)bytes;
    size_t i = 0;
    while (i < length) {
        char_kind kind;
        size_t n = classify(in + i, length - i, &kind);
        if (kind != BACKSLASH && escaped(kind, how)) break;
        i += n;
    }
    return i;
}

size_t mt_plain_prefix(const char *bytes, size_t length)
{
    return mt_plain_prefix_as(bytes, length, MT_SHOW_INVALID | MT_SHOW_UNSEEN);
}

char *mt_escape_text(const char *text, bool controls, char *out, size_t size)
{
    mt_show_bytes_as(out, size, text, strlen(text), MT_SHOW_INVALID | (controls ? MT_SHOW_UNSEEN : 0));
    return out;
}

char *mt_escape_copy(const char *text)
{
    size_t size = 4 * strlen(text) + 1; /* every byte escaped */
    char *copy = malloc(size);
    return copy != NULL ? mt_escape_text(text, true, copy, size) : NULL;
}

bool mt_text_has_unseen(const char *bytes, size_t length)
{
    const unsigned char *in = (const unsigned char *)bytes;
    for (size_t i = 0; i < length;) {
        char_kind kind;
        size_t n = classify(in + i, length - i, &kind);
        if (kind == UNSEEN || (kind == INVALID && in[i] >= 0x80 && in[i] <= 0x9F)) return true;
        i += n;
    }
    return false;
}

static bool scheme_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
           c == '.';
}

/* The next password in text from *from: its first byte and length (0 when there is none), and *from moved past
 * the URL's authority. */
static size_t next_password(const char *text, size_t *from, size_t *start)
{
    for (;;) {
        const char *bound = text + *from, *colon = strstr(bound, ":/");
        if (colon == NULL) return 0;
        *from = (size_t)(colon + 1 - text);
        const char *scheme = colon;
        while (scheme > bound && scheme_char(scheme[-1]))
            scheme--;
        /* a scheme starts with a letter: what comes before it ("1http", "-http") is not part of it */
        while (scheme < colon && !((*scheme >= 'a' && *scheme <= 'z') || (*scheme >= 'A' && *scheme <= 'Z')))
            scheme++;
        if (scheme == colon) continue;
        const char *authority = colon + 1;
        while (*authority == '/')
            authority++;
        size_t length = strcspn(authority, "/?# \t\r\n\v\f"); /* a URL holds no blank: one ends it */
        *from = (size_t)(authority + length - text);
        const char *at = NULL;
        for (size_t i = 0; i < length; i++)
            if (authority[i] == '@') at = authority + i;
        if (at == NULL) continue;
        const char *separator = memchr(authority, ':', (size_t)(at - authority));
        if (separator == NULL || separator + 1 == at) continue; /* no password, or an empty one */
        *start = (size_t)(separator + 1 - text);
        return (size_t)(at - separator - 1);
    }
}

bool mt_has_password(const char *text)
{
    size_t from = 0, start;
    return next_password(text, &from, &start) > 0;
}

char *mt_mask_passwords(const char *text)
{
    static const char mask[] = "***";
    size_t length = strlen(text), count = 0, from = 0, start;
    while (next_password(text, &from, &start) > 0)
        count++;
    char *out = malloc(length + count * (sizeof mask - 1) + 1); /* each password at least 1 byte: room to spare */
    if (out == NULL) return NULL;
    size_t copied = 0, o = 0, password;
    from = 0;
    while ((password = next_password(text, &from, &start)) > 0) {
        memcpy(out + o, text + copied, start - copied);
        o += start - copied;
        memcpy(out + o, mask, sizeof mask - 1);
        o += sizeof mask - 1;
        copied = start + password;
    }
    memcpy(out + o, text + copied, length - copied + 1);
    return out;
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
