#include "download_urls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "download_name.h"

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

static mt_status read_file(const char *path, download_url_list *list, size_t *capacity, mt_error *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *shown = is_stdin ? "standard input" : path;
    FILE *in = is_stdin ? stdin : fopen(path, "r");
    if (in == NULL) return mt_fail(err, MT_ERR_USAGE, "cannot read '%s': %s", path, strerror(errno));
    char *line = NULL;
    size_t size = 0;
    ssize_t length;
    unsigned long number = 0;
    mt_status status = MT_OK;
    errno = 0;
    while (status == MT_OK && (length = getline(&line, &size, in)) != -1) {
        number++;
        char *start = line, *end = line + length;
        while (start < end && (*start == ' ' || *start == '\t'))
            start++;
        while (end > start && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (start == end || *start == '#') continue;
        if ((size_t)(end - start) > DOWNLOAD_MAX_URL_LENGTH)
            status = mt_fail(err, MT_ERR_USAGE, "%s, line %lu: a URL longer than %d characters", shown, number,
                             DOWNLOAD_MAX_URL_LENGTH);
        else if (memchr(start, '\0', (size_t)(end - start)) != NULL)
            status = mt_fail(err, MT_ERR_USAGE, "%s, line %lu: a NUL byte in the URL", shown, number);
        else
            status = list_add(list, capacity, start, (size_t)(end - start), err);
    }
    if (status == MT_OK && ferror(in))
        status = mt_fail(err, MT_ERR_USAGE, "cannot read '%s': %s", path, strerror(errno ? errno : EIO));
    free(line);
    if (!is_stdin) fclose(in);
    if (status == MT_OK && list->count == 0)
        status = mt_fail(err, MT_ERR_USAGE, "%s holds no URL", is_stdin ? "standard input" : path);
    return status;
}

mt_status download_urls_read(const download_settings *settings, const mt_options *options, download_url_list *list,
                             mt_error *err)
{
    *list = (download_url_list){0};
    size_t capacity = 0;
    mt_status status = MT_OK;
    if (settings->input_path != NULL) {
        status = read_file(settings->input_path, list, &capacity, err);
    } else if (options->operand_count > 0) {
        for (int i = 0; status == MT_OK && i < options->operand_count; i++)
            status = list_add(list, &capacity, options->operands[i], strlen(options->operands[i]), err);
    } else {
        for (int time = 0; time < DOWNLOAD_ORIGINAL_TIMES; time++)
            for (size_t i = 0; status == MT_OK && i < 6; i++)
                status = list_add(list, &capacity, download_original_urls[i], strlen(download_original_urls[i]), err);
    }
    for (size_t i = 0; status == MT_OK && i < list->count; i++)
        status = download_url_check(list->items[i], i + 1, err);
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
