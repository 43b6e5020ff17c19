/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "download_limits.h"

#include <dirent.h>
#include <sys/resource.h>

#include "cli.h"

static const char *const PROGRAM = "download";

int download_count_descriptors(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) return -1;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL)
        if (entry->d_name[0] != '.') count++;
    closedir(dir);
    return count - 1; /* not the one opendir holds */
}

mt_status download_fit_descriptors(int *jobs, size_t transfers, bool tasks, mt_error *err)
{
    struct rlimit limit;
    int open_now = download_count_descriptors();
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || open_now < 0) return MT_OK; /* cannot tell: libcurl will say */
    rlim_t per_transfer = tasks ? DOWNLOAD_FDS_PER_TASK : DOWNLOAD_FDS_PER_MULTI_TRANSFER;
    rlim_t in_flight = transfers < (size_t)*jobs ? (rlim_t)transfers : (rlim_t)*jobs;
    rlim_t fixed = (rlim_t)open_now + DOWNLOAD_FDS_RESERVED, need = fixed + per_transfer * in_flight;
    if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= need) return MT_OK;
    /* Raise the soft limit as far as needed: up to the hard limit, which only the administrator can raise. */
    rlim_t raised = limit.rlim_max == RLIM_INFINITY || limit.rlim_max >= need ? need : limit.rlim_max;
    if (raised > limit.rlim_cur && setrlimit(RLIMIT_NOFILE, &(struct rlimit){raised, limit.rlim_max}) == 0)
        limit.rlim_cur = raised;
    if (limit.rlim_cur >= need) return MT_OK;
    rlim_t fit = limit.rlim_cur > fixed ? (limit.rlim_cur - fixed) / per_transfer : 0;
    if (fit < 1)
        return mt_fail(err, MT_ERR_RUNTIME,
                       "the open-file limit is %llu descriptors (ulimit -n; %d open already): too few for even one "
                       "transfer, which needs about %llu; raise it",
                       (unsigned long long)limit.rlim_cur, open_now, (unsigned long long)(fixed + per_transfer));
    mt_print_warning(PROGRAM,
                     "%llu transfers at once need about %llu open files, and the open-file limit is %llu (hard limit, "
                     "ulimit -Hn): %llu transfers at once instead",
                     (unsigned long long)in_flight, (unsigned long long)need, (unsigned long long)limit.rlim_cur,
                     (unsigned long long)fit);
    *jobs = (int)fit;
    return MT_OK;
}
