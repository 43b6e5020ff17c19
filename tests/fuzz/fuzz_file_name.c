/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* fuzz_file_name.c - download_file_name: whatever the URL, the file name it gives is one plain, safe name.
 *
 * The input is a URL (to its first NUL). Whether or not download_url_check accepts it, the name must be
 * non-empty, NUL-terminated within DOWNLOAD_NAME_SIZE, at most DOWNLOAD_NAME_MAX bytes, free of '/', '\' and
 * control bytes, not '.' or '..' and not starting with '-' or '.', the same on a second call, and when it
 * is not the URL's own, "url-" and 16 hex digits. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "download_name.h"
#include "fuzz.h"

static void check_name(const char *url)
{
    char name[DOWNLOAD_NAME_SIZE + 1], again[DOWNLOAD_NAME_SIZE];
    name[DOWNLOAD_NAME_SIZE] = 'X';
    int own = download_file_name(url, name);
    if (name[DOWNLOAD_NAME_SIZE] != 'X') fuzz_fail("the name ran past DOWNLOAD_NAME_SIZE");
    size_t length = strnlen(name, DOWNLOAD_NAME_SIZE);
    if (length == 0 || length == DOWNLOAD_NAME_SIZE || length > DOWNLOAD_NAME_MAX)
        fuzz_fail("a name of %zu bytes", length);
    if (name[0] == '-' || name[0] == '.') fuzz_fail("the name '%s' starts with '%c'", name, name[0]);
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '/' || c == '\\' || c < 0x20 || c == 0x7F) fuzz_fail("byte 0x%02X in the name", c);
    }
    if (own != 0 && own != 1) fuzz_fail("download_file_name returned %d", own);
    if (!own) {
        if (length != 20 || strncmp(name, "url-", 4) != 0) fuzz_fail("a replaced name '%s'", name);
        for (size_t i = 4; i < 20; i++)
            if (!isxdigit((unsigned char)name[i]) || isupper((unsigned char)name[i])) fuzz_fail("'%s'", name);
    }
    if (download_file_name(url, again) != own || strcmp(name, again) != 0) fuzz_fail("a second call differs");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool started = false;
    if (!started && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) abort();
    started = true;
    char *url = malloc(size + 1);
    if (url == NULL) abort();
    memcpy(url, data, size);
    url[size] = '\0';
    mt_error err;
    if (download_url_check(url, 1, &err) == MT_OK) check_name(url);
    check_name(url); /* the contract wants a checked URL; any other must not break it either */
    free(url);
    return 0;
}
