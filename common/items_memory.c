/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#define _GNU_SOURCE /* MADV_HUGEPAGE, beside POSIX */
#include "items_memory.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

enum { HUGE_PAGE = 2 << 20, STAGGER_BYTES = 576 };

void mt_items_advise(int64_t *items, uint64_t count)
{
#ifdef MADV_HUGEPAGE
    uintptr_t from = ((uintptr_t)items + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t to = ((uintptr_t)(items + count)) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (to > from) madvise((void *)from, to - from, MADV_HUGEPAGE);
#else
    (void)items;
    (void)count;
#endif
}

int64_t *mt_items_alloc(uint64_t count, int stagger)
{
    size_t offset = (size_t)stagger * STAGGER_BYTES;
    if (count > (SIZE_MAX - offset - HUGE_PAGE) / sizeof(int64_t)) return NULL;
    size_t bytes = offset + (size_t)count * sizeof(int64_t);
    void *base = NULL;
    if (posix_memalign(&base, HUGE_PAGE, bytes ? bytes : 1) != 0) return NULL;
    int64_t *items = (int64_t *)((char *)base + offset);
    mt_items_advise(base, bytes / sizeof(int64_t));
    return items;
}

void mt_items_free(int64_t *items, int stagger)
{
    if (items != NULL) free((char *)items - (size_t)stagger * STAGGER_BYTES);
}

uint64_t mt_physical_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page_size <= 0) return 0;
    return (uint64_t)pages * (uint64_t)page_size;
}

uint64_t mt_usable_memory(void)
{
    uint64_t memory = mt_physical_memory();
    struct rlimit limit;
    if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
        (memory == 0 || (uint64_t)limit.rlim_cur < memory))
        memory = (uint64_t)limit.rlim_cur;
    return memory;
}

mt_status mt_check_fits_in_memory(uint64_t count, uint64_t bytes_per_item, const char *what, mt_error *err)
{
    uint64_t memory = mt_physical_memory();
    if (memory == 0) return MT_OK;
    if (bytes_per_item != 0 && count > memory / bytes_per_item)
        return mt_fail(err, MT_ERR_USAGE,
                       "%s: %" PRIu64 " items need %.1f GiB at %" PRIu64
                       " bytes each, more than this machine's %.1f GiB",
                       what, count, (double)count * (double)bytes_per_item / 1073741824.0, bytes_per_item,
                       (double)memory / 1073741824.0);
    return MT_OK;
}
