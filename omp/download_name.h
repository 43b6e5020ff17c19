/* download_name.h - what download accepts as a URL, and the file name each URL is saved under. */
#ifndef DOWNLOAD_NAME_H
#define DOWNLOAD_NAME_H

#include <stddef.h>

#include "status.h"

enum {
    DOWNLOAD_NAME_MAX = 200,  /* longer names are replaced: room for the temporary file's affixes */
    DOWNLOAD_NAME_SIZE = 256, /* a buffer that holds any name download_file_name gives */
};

/* MT_OK when url parses and its scheme is http or https; otherwise MT_ERR_USAGE naming the URL and its
 * 1-based position in the list. Needs nothing from curl_global_init. */
mt_status download_url_check(const char *url, size_t position, mt_error *err);

/* The file name for url (already checked): its last path segment as given (query and fragment dropped,
 * %XX decoded) when that is safe, else "url-" and the 16 hex digits of the URL's FNV-1a 64-bit hash.
 * Safe: not empty, not '.' or '..', no '/', '\' or control character (bytes < 0x20 and 0x7f) once decoded,
 * not starting with '-' or '.', at most DOWNLOAD_NAME_MAX bytes. Never a path: always one plain name.
 * Returns 1 when the name is the URL's own, 0 when it was replaced. */
int download_file_name(const char *url, char name[DOWNLOAD_NAME_SIZE]);

#endif
