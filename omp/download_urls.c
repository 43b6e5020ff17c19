/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "download_urls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "download_name.h"
#include "numbers.h"

const char *const download_original_urls[6] = {
    "https://images.unsplash.com/photo-1509718443690-d8e2fb3474b7",
    "https://images.unsplash.com/photo-1587620962725-abab7fe55159",
    "https://images.unsplash.com/photo-1493119508027-2b584f234d6c",
    "https://images.unsplash.com/photo-1482062364825-616fd23b8fc1",
    "https://images.unsplash.com/photo-1521185496955-15097b20c5fe",
    "https://images.unsplash.com/photo-1510915228340-29c85a43dcfe",
};

static mt_status list_add(download_url_list *list, size_t *capacity, const char *url, size_t length, mt_error *err)
{
    if (list->count >= DOWNLOAD_MAX_URLS)
        return mt_fail(err, MT_ERR_USAGE, "more than %d URLs: split the list", DOWNLOAD_MAX_URLS);
    if (list->count == *capacity) {
        size_t grown = *capacity ? 2 * *capacity : 64;
        char **items = realloc(list->items, grown * sizeof *items);
        if (items == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory for the URL list");
        list->items = items;
        *capacity = grown;
    }
    char *copy = malloc(length + 1);
    if (copy == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory for the URL list");
    memcpy(copy, url, length);
    copy[length] = '\0';
    list->items[list->count++] = copy;
    return MT_OK;
}

/* A URL holds no control byte or invisible character: one would be sent as it is, or hide what the URL says;
 * the message shows it escaped. Bytes that are not UTF-8 (a Latin-1 name from a shell) are kept: libcurl sends
 * them percent-encoded. where is "FILE, line N: " or "". */
static mt_status check_printable(const char *url, size_t length, const char *where, size_t position, mt_error *err)
{
    size_t plain = mt_plain_prefix_as(url, length, MT_SHOW_UNSEEN);
    if (plain == length) return MT_OK;
    enum { SHOWN = 80 };
    char *copy = malloc(length + 1), *masked = NULL;
    if (copy != NULL) {
        memcpy(copy, url, length);
        copy[length] = '\0';
        masked = mt_mask_passwords(copy); /* its password hidden; a NUL byte (never in a list) ends it early */
    }
    free(copy);
    if (masked == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory for the URL list");
    size_t masked_length = strlen(masked);
    char shown[4 * SHOWN + 1];
    size_t taken = mt_show_bytes(shown, sizeof shown, masked, masked_length < SHOWN ? masked_length : SHOWN);
    mt_status status =
        mt_fail(err, MT_ERR_USAGE, "%sURL %zu, '%s%s', holds a byte that is not printable text (\\x%02X at byte %zu)",
                where, position, shown, taken < masked_length ? "..." : "", (unsigned char)url[plain], plain + 1);
    free(masked);
    return status;
}

/* One line of a list file (its newline dropped): a URL, or blank, or a comment. */
static mt_status take_line(const char *line, size_t length, const char *name, unsigned long number,
                           download_url_list *list, size_t *capacity, mt_error *err)
{
    const char *start = line, *end = line + length;
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    while (end > start && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (start == end || *start == '#') return MT_OK;
    if ((size_t)(end - start) > DOWNLOAD_MAX_URL_LENGTH)
        return mt_fail(err, MT_ERR_USAGE, "%s, line %lu: a URL longer than %d characters", name, number,
                       DOWNLOAD_MAX_URL_LENGTH);
    char where[320];
    snprintf(where, sizeof where, "%s, line %lu: ", name, number);
    mt_status status = check_printable(start, (size_t)(end - start), where, list->count + 1, err);
    if (status != MT_OK) return status;
    return list_add(list, capacity, start, (size_t)(end - start), err);
}

enum { READ_BLOCK = 65536 };

/* Line by line through a buffer that holds one line past the limit and a block to read into: whatever the
 * input, the reader never holds more. A NUL byte is an error where it stands, a line past the limit as soon as
 * its limit is passed: neither waits for a newline that may never come. */
static mt_status read_lines(int fd, const char *name, size_t max_line, size_t read_max, download_url_list *list,
                            size_t *capacity, mt_error *err)
{
    size_t size = max_line + 1 + READ_BLOCK;
    char *buffer = malloc(size);
    if (buffer == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory for the URL list");
    size_t start = 0, end = 0, checked = 0; /* held: [start, end); no newline nor NUL in [start, start + checked) */
    unsigned long line = 1;
    bool at_end = false;
    mt_status status = MT_OK;
    while (status == MT_OK) {
        char *from = buffer + start;
        size_t held = end - start, look = held < max_line + 1 ? held : max_line + 1;
        char *newline = memchr(from + checked, '\n', look - checked);
        size_t span = newline != NULL ? (size_t)(newline - from) : look;
        char *nul = memchr(from + checked, '\0', span - checked);
        if (nul != NULL) {
            status = mt_fail(err, MT_ERR_USAGE, "%s, line %lu (URL %zu): a NUL byte: a URL list is text", name, line,
                             list->count + 1);
            break;
        }
        checked = span;
        if (newline == NULL && span > max_line) {
            status =
                mt_fail(err, MT_ERR_USAGE, "%s, line %lu: longer than %zu bytes: one URL a line", name, line, max_line);
            break;
        }
        if (newline != NULL || at_end) {
            if (newline == NULL && held == 0) break;
            status = take_line(from, span, name, line, list, capacity, err);
            line++;
            start += span + (newline != NULL);
            checked = 0;
            continue;
        }
        /* The line goes on past what is held: keep its start, read after it. */
        if (start > 0) {
            memmove(buffer, from, held);
            start = 0;
            end = held;
        }
        size_t room = size - end;
        if (read_max != 0 && read_max < room) room = read_max;
        ssize_t got;
        do
            got = read(fd, buffer + end, room);
        while (got < 0 && errno == EINTR);
        if (got < 0) {
            status = mt_fail(err, MT_ERR_USAGE, "cannot read '%s': %s", name, strerror(errno));
            break;
        }
        end += (size_t)got;
        at_end = got == 0;
    }
    free(buffer);
    if (status == MT_OK && list->count == 0) status = mt_fail(err, MT_ERR_USAGE, "%s holds no URL", name);
    return status;
}

static mt_status check_all(download_url_list *list, mt_error *err)
{
    mt_status status = MT_OK;
    for (size_t i = 0; status == MT_OK && i < list->count; i++) {
        status = check_printable(list->items[i], strlen(list->items[i]), "", i + 1, err);
        if (status == MT_OK) status = download_url_check(list->items[i], i + 1, err);
    }
    return status;
}

mt_status download_urls_read_fd(int fd, const char *name, size_t max_line, size_t read_max, download_url_list *list,
                                mt_error *err)
{
    *list = (download_url_list){0};
    size_t capacity = 0;
    mt_status status =
        read_lines(fd, name, max_line != 0 ? max_line : DOWNLOAD_MAX_LINE, read_max, list, &capacity, err);
    if (status == MT_OK) status = check_all(list, err);
    if (status != MT_OK) download_urls_free(list);
    return status;
}

mt_status download_urls_read(const download_settings *settings, const mt_options *options, download_url_list *list,
                             mt_error *err)
{
    const char *path = settings->input_path;
    if (path != NULL) {
        bool is_stdin = strcmp(path, "-") == 0;
        int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY);
        if (fd < 0) return mt_fail(err, MT_ERR_USAGE, "cannot read '%s': %s", path, strerror(errno));
        mt_status status = download_urls_read_fd(fd, is_stdin ? "standard input" : path, 0, 0, list, err);
        if (!is_stdin) close(fd);
        return status;
    }
    *list = (download_url_list){0};
    size_t capacity = 0;
    mt_status status = MT_OK;
    if (options->operand_count > 0) {
        for (int i = 0; status == MT_OK && i < options->operand_count; i++)
            status = list_add(list, &capacity, options->operands[i], strlen(options->operands[i]), err);
    } else {
        for (int time = 0; time < DOWNLOAD_ORIGINAL_TIMES; time++)
            for (size_t i = 0; status == MT_OK && i < 6; i++)
                status = list_add(list, &capacity, download_original_urls[i], strlen(download_original_urls[i]), err);
    }
    if (status == MT_OK) status = check_all(list, err);
    if (status != MT_OK) download_urls_free(list);
    return status;
}

void download_urls_free(download_url_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    *list = (download_url_list){0};
}
