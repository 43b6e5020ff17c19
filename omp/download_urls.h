/* download_urls.h - the list of URLs to fetch: from the arguments, a file or stdin, or the original lesson's,
 * each checked (http or https) before anything is fetched. */
#ifndef DOWNLOAD_URLS_H
#define DOWNLOAD_URLS_H

#include <stddef.h>

#include "cli.h"
#include "download_cli.h"
#include "status.h"

/* The original lesson's six images; with no URL given they are fetched five times each (30 transfers). */
extern const char *const download_original_urls[6];
enum { DOWNLOAD_ORIGINAL_TIMES = 5 };

typedef struct {
    char **items; /* owned strings */
    size_t count;
} download_url_list;

/* The URLs the options name: the operands, the file's (one a line, blank lines and # comments skipped; "-"
 * is stdin), or the original's list; then each one checked. MT_ERR_USAGE when the file is unreadable or
 * empty, or a URL is not http or https. */
mt_status download_urls_read(const download_settings *settings, const mt_options *options, download_url_list *list,
                             mt_error *err);
void download_urls_free(download_url_list *list);

#endif
