/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* items_memory.h - memory for lists of items: the arrays of the hot loops (aligned, staggered, huge pages
 * asked for), and how much memory there is to hold a list at all. */
#ifndef MT_ITEMS_MEMORY_H
#define MT_ITEMS_MEMORY_H

#include <stdint.h>

#include "status.h"

/* An array of count items for the hot loops, not yet touched (the caller touches it before timing,
 * from the threads that will use it). It starts stagger x 576 bytes past a
 * 2 MiB boundary, so arrays given different staggers are never a multiple of 4 KiB apart (4K aliasing:
 * a loop reading one and writing the other stalls on false store-to-load conflicts), and transparent
 * huge pages are asked for (fewer page faults and TLB misses). NULL when out of memory. */
int64_t *mt_items_alloc(uint64_t count, int stagger);
void mt_items_free(int64_t *items, int stagger);
/* Ask for transparent huge pages over an existing large array (a hint; nothing happens if refused). */
void mt_items_advise(int64_t *items, uint64_t count);

/* The machine's physical memory in bytes (0 when unknown). */
uint64_t mt_physical_memory(void);

/* The memory a list may come from: the machine's, or less where an address-space limit (ulimit -v, a batch
 * system's memory limit) allows less; 0 when neither is known. */
uint64_t mt_usable_memory(void);

/* MT_ERR_USAGE, up front, when count items of bytes_per_item each cannot fit in this machine's
 * memory; what names the list ("--generate 100000000000"). */
mt_status mt_check_fits_in_memory(uint64_t count, uint64_t bytes_per_item, const char *what, mt_error *err);

#endif
