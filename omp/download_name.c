/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "download_name.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

char *download_shown_url(const char *url)
{
    char *masked = mt_mask_passwords(url);
    char *shown = masked != NULL ? mt_escape_copy(masked) : NULL;
    free(masked);
    return shown;
}

mt_status download_url_check(const char *url, size_t position, mt_error *err)
{
    char *shown = download_shown_url(url);
    if (shown == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory while checking URL %zu", position);
    CURLU *parsed = curl_url();
    if (parsed == NULL) {
        free(shown);
        return mt_fail(err, MT_ERR_RUNTIME, "out of memory while checking URL %zu", position);
    }
    /* Any scheme parses here, so that the message can say which one was refused. */
    CURLUcode code = curl_url_set(parsed, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS);
    mt_status status = MT_OK;
    if (code != CURLUE_OK) {
        status = mt_fail(err, MT_ERR_USAGE, "URL %zu, '%.300s', is not a valid http or https URL (%s)", position, shown,
                         curl_url_strerror(code));
    } else {
        char *scheme = NULL, *password = NULL;
        code = curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0);
        if (code != CURLUE_OK)
            status = mt_fail(err, MT_ERR_USAGE, "URL %zu, '%.300s', has no scheme (%s)", position, shown,
                             curl_url_strerror(code));
        else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
            status =
                mt_fail(err, MT_ERR_USAGE, "URL %zu, '%.300s': scheme '%.20s' refused, only http and https are fetched",
                        position, shown, scheme);
        /* The password libcurl will send must be one the messages, the record and the trace hide. */
        else if (curl_url_get(parsed, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK && password[0] != '\0' &&
                 !mt_has_password(url))
            status = mt_fail(err, MT_ERR_USAGE,
                             "URL %zu holds a password in a form that cannot be hidden: write it as "
                             "scheme://user:password@host/",
                             position);
        curl_free(password);
        curl_free(scheme);
    }
    curl_url_cleanup(parsed);
    free(shown);
    return status;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decode %XX into out (size bytes); false when the result does not fit. Invalid escapes stay as written. */
static bool percent_decode(const char *in, size_t length, char *out, size_t size, size_t *out_length)
{
    size_t o = 0;
    for (size_t i = 0; i < length; i++) {
        if (o + 1 >= size) {
            out[o] = '\0';
            return false;
        }
        int high, low;
        if (in[i] == '%' && i + 2 < length && (high = hex_value(in[i + 1])) >= 0 && (low = hex_value(in[i + 2])) >= 0) {
            out[o++] = (char)(high * 16 + low);
            i += 2;
        } else {
            out[o++] = in[i];
        }
    }
    out[o] = '\0';
    *out_length = o;
    return true;
}

/* Safe: see download_name.h. Checked on the decoded bytes, where a %00, %2F or %E2%80%AE has become itself. */
static bool name_is_safe(const char *name, size_t length)
{
    if (length == 0 || length > DOWNLOAD_NAME_MAX) return false;
    if (name[0] == '-' || name[0] == '.') return false; /* also rules out '.' and '..' */
    bool blank = true;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '/' || c == '\\') return false;
        blank = blank && c == ' ';
    }
    /* Only blanks, or a character that is not seen or moves the text ("%E2%80%AEgpj.exe" shows as
     * "exe.jpg"): the name would not look like what it is. Controls (a decoded %00, %0A, %C2%85) are unseen. */
    return !blank && !mt_text_has_unseen(name, length);
}

static void hashed_name(const char *url, char name[DOWNLOAD_NAME_SIZE])
{
    uint64_t hash = UINT64_C(14695981039346656037); /* FNV-1a, 64 bits */
    for (const unsigned char *c = (const unsigned char *)url; *c != '\0'; c++) {
        hash ^= *c;
        hash *= UINT64_C(1099511628211);
    }
    snprintf(name, DOWNLOAD_NAME_SIZE, "url-%016" PRIx64, hash);
}

int download_name_decode(const char *segment, size_t length, char name[DOWNLOAD_NAME_SIZE])
{
    size_t decoded;
    return percent_decode(segment, length, name, DOWNLOAD_NAME_SIZE, &decoded) && name_is_safe(name, decoded);
}

int download_file_name(const char *url, char name[DOWNLOAD_NAME_SIZE])
{
    int own = 0;
    CURLU *parsed = curl_url();
    char *path = NULL;
    /* PATH_AS_IS: the segment as the user wrote it, before libcurl removes dot segments for the request. */
    if (parsed != NULL &&
        curl_url_set(parsed, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS) == CURLUE_OK &&
        curl_url_get(parsed, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
        const char *segment = strrchr(path, '/');
        segment = segment != NULL ? segment + 1 : path;
        own = download_name_decode(segment, strlen(segment), name);
    }
    curl_free(path);
    curl_url_cleanup(parsed);
    if (!own) {
        /* Of the URL as shown, its password masked: a hash of the password would let it be guessed offline. */
        char *masked = mt_mask_passwords(url);
        hashed_name(masked != NULL ? masked : url, name);
        free(masked);
    }
    return own;
}
