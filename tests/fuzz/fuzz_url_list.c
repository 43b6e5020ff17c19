/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* fuzz_url_list.c - the URL-list reader (download_urls_read_fd) against a plain reference and against itself.
 *
 * The list is read from a memory file with a small line limit (1 to 128 bytes, or the real one) and read(2)s
 * of 1 to 16 bytes, then again with whole blocks: both must agree. The reference splits the text at '\n' and
 * says which URLs a good list gives, or that the list must be refused (a NUL byte, a line past the limit, a
 * URL past its limit, a control or invisible character, no URL). Every URL given back is plain text, trimmed,
 * within its limit; every message one printable line. */
#define _GNU_SOURCE /* memfd_create */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "download_urls.h"
#include "fuzz.h"
#include "numbers.h"

/* The URLs of a list, or false when it must be refused before the URLs themselves are checked by libcurl. */
static bool reference_urls(const char *text, size_t size, size_t max_line, download_url_list *urls)
{
    *urls = (download_url_list){.items = calloc(size + 1, sizeof(char *))};
    if (urls->items == NULL) abort();
    for (size_t start = 0; start < size;) {
        const char *newline = memchr(text + start, '\n', size - start);
        size_t end = newline != NULL ? (size_t)(newline - text) : size, length = end - start;
        size_t look = length < max_line + 1 ? length : max_line + 1;
        if (memchr(text + start, '\0', look) != NULL || length > max_line) return false;
        const char *a = text + start, *b = text + end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == '\r' || b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (a < b && *a != '#') {
            if ((size_t)(b - a) > DOWNLOAD_MAX_URL_LENGTH ||
                mt_plain_prefix_as(a, (size_t)(b - a), MT_SHOW_UNSEEN) < (size_t)(b - a))
                return false;
            urls->items[urls->count++] = strndup(a, (size_t)(b - a));
        }
        start = end + 1;
    }
    return urls->count > 0;
}

static mt_status read_list(const char *text, size_t size, size_t max_line, size_t read_max, download_url_list *list,
                           mt_error *err)
{
    int fd = memfd_create("fuzz_url_list", 0);
    if (fd < 0 || write(fd, text, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) abort();
    mt_status status = download_urls_read_fd(fd, "list", max_line, read_max, list, err);
    close(fd);
    return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    size_t max_line = data[0] & 0x80 ? DOWNLOAD_MAX_LINE : (size_t)(data[0] & 0x7F) + 1;
    size_t read_max = (size_t)(data[1] & 0x0F) + 1;
    const char *text = (const char *)data + 2;
    size -= 2;

    download_url_list small, whole, expected;
    mt_error err_small = {{0}}, err_whole = {{0}};
    mt_status status = read_list(text, size, max_line, read_max, &small, &err_small);
    if (read_list(text, size, max_line, 0, &whole, &err_whole) != status)
        fuzz_fail("small reads and whole blocks disagree: '%s' | '%s'", err_small.message, err_whole.message);
    bool good = reference_urls(text, size, max_line, &expected);
    if (!good && status == MT_OK) fuzz_fail("a list the reference refuses was accepted");
    if (status != MT_OK) {
        if (strcmp(err_small.message, err_whole.message) != 0)
            fuzz_fail("messages differ: '%s' | '%s'", err_small.message, err_whole.message);
        fuzz_check_message(err_small.message);
    } else {
        if (small.count != expected.count || whole.count != expected.count)
            fuzz_fail("%zu and %zu URLs, the reference %zu", small.count, whole.count, expected.count);
        for (size_t i = 0; i < small.count; i++) {
            if (strcmp(small.items[i], expected.items[i]) != 0 || strcmp(whole.items[i], expected.items[i]) != 0)
                fuzz_fail("URL %zu differs from the reference's", i + 1);
            size_t length = strlen(small.items[i]);
            if (length == 0 || length > DOWNLOAD_MAX_URL_LENGTH ||
                mt_plain_prefix_as(small.items[i], length, MT_SHOW_UNSEEN) != length)
                fuzz_fail("URL %zu is not a plain, bounded URL", i + 1);
        }
    }
    download_urls_free(&small), download_urls_free(&whole);
    for (size_t i = 0; i < expected.count; i++)
        free(expected.items[i]);
    free(expected.items);
    return 0;
}
