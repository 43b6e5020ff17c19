/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* fuzz_url_name.c - the URL name decoder: whatever a path segment holds, the name it gives looks like what it is.
 *
 * The input is a path segment as written in a URL (%XX escapes decoded by download_name_decode), and the same
 * bytes percent-encoded whole after "http://h/" (download_file_name, whose name is then the bytes themselves or
 * url-HASH). Every name given, the URL's own or its replacement, is never empty nor only blanks, never '.' or
 * '..', holds no '/' or '\', and no character a reader cannot see or that moves the text: a C0 or C1 control,
 * DEL, U+200B-U+200F, U+202A-U+202E, U+2066-U+2069 or U+FEFF (checked by a decoder of its own here, not by the
 * one in common/status.c), nor a byte 0x80-0x9F outside UTF-8. A name kept as the URL's own is exactly the
 * decoded segment. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "download_name.h"
#include "fuzz.h"

static bool listed_invisible(uint32_t c)
{
    return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || (c >= 0x200B && c <= 0x200F) ||
           (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF;
}

/* The code point of the well-formed UTF-8 sequence at s (n bytes left) and its length, or length 0. */
static size_t utf8_at(const unsigned char *s, size_t n, uint32_t *code)
{
    size_t length = s[0] < 0x80             ? 1
                    : (s[0] & 0xE0) == 0xC0 ? 2
                    : (s[0] & 0xF0) == 0xE0 ? 3
                    : (s[0] & 0xF8) == 0xF0 ? 4
                                            : 0;
    if (length == 0 || length > n) return 0;
    uint32_t c = length == 1 ? s[0] : s[0] & (0x7F >> length);
    for (size_t i = 1; i < length; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    static const uint32_t smallest[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < smallest[length] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    *code = c;
    return length;
}

static void check_name(const char *name, const char *what)
{
    size_t length = strnlen(name, DOWNLOAD_NAME_SIZE);
    if (length == 0 || length == DOWNLOAD_NAME_SIZE) fuzz_fail("%s: a name of %zu bytes", what, length);
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) fuzz_fail("%s: the name '%s'", what, name);
    if (name[0] == '-' || name[0] == '.') fuzz_fail("%s: the name '%s' starts with '%c'", what, name, name[0]);
    if (strspn(name, " ") == length) fuzz_fail("%s: a name of blanks only", what);
    if (strchr(name, '/') != NULL || strchr(name, '\\') != NULL) fuzz_fail("%s: a separator in '%s'", what, name);
    const unsigned char *s = (const unsigned char *)name;
    for (size_t i = 0; i < length;) {
        uint32_t code;
        size_t n = utf8_at(s + i, length - i, &code);
        if (n == 0) { /* not UTF-8: a Latin-1 byte may stay, but not one of its C1 controls */
            if (s[i] >= 0x80 && s[i] <= 0x9F) fuzz_fail("%s: the byte 0x%02X at %zu", what, s[i], i);
            i++;
            continue;
        }
        if (listed_invisible(code)) fuzz_fail("%s: U+%04X at byte %zu", what, (unsigned)code, i);
        i += n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool started = false;
    if (!started && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) abort();
    started = true;
    char name[DOWNLOAD_NAME_SIZE + 1];
    name[DOWNLOAD_NAME_SIZE] = 'X';
    int own = download_name_decode((const char *)data, size, name);
    if (name[DOWNLOAD_NAME_SIZE] != 'X') fuzz_fail("the decoder ran past DOWNLOAD_NAME_SIZE");
    if (own != 0 && own != 1) fuzz_fail("download_name_decode returned %d", own);
    if (own) check_name(name, "download_name_decode");

    /* The bytes themselves as the last segment of a URL, each percent-encoded. */
    static const char prefix[] = "http://h/";
    char *url = malloc(sizeof prefix + 3 * size);
    if (url == NULL) abort();
    memcpy(url, prefix, sizeof prefix - 1);
    char *o = url + sizeof prefix - 1;
    for (size_t i = 0; i < size; i++, o += 3)
        snprintf(o, 4, "%%%02X", data[i]);
    *o = '\0';
    own = download_file_name(url, name);
    check_name(name, "download_file_name");
    if (own && (strlen(name) != size || memcmp(name, data, size) != 0))
        fuzz_fail("the URL's own name '%s' is not its segment decoded", name);
    free(url);
    return 0;
}
