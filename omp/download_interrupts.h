/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* download_interrupts.h - SIGINT, SIGTERM and SIGHUP during the runs: noted, and every thread that runs a
 * transfer woken, so that the run ends at its next safe point instead of mid-write. */
#ifndef DOWNLOAD_INTERRUPTS_H
#define DOWNLOAD_INTERRUPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "download_transfer.h"
#include "status.h"

/* Interrupts. SIGINT, SIGTERM and SIGHUP during the runs end them at the next safe point instead of killing
 * the process mid-write: the handler notes the signal and wakes every thread that runs a transfer (each one's
 * poll returns early, and libcurl's progress callback aborts the transfer), so each transfer in flight ends
 * as failed with its temporary file removed, none starts after it, and the caller exits 128 + the signal.
 * A signal ignored when the program started (a background job of a script) stays ignored.
 * Install before the first transfer starts; transfers[0..count) are the ones a signal may have to wake. */
mt_status download_interrupts_install(download_transfer *transfers, size_t count, mt_error *err);
/* Before the transfers are freed: a signal from now on only notes itself (the handlers stay, so the report and
 * the trace are still written whole), and no handler still reads them when this returns. */
void download_interrupts_unwatch(void);
/* The signal that interrupted the run (SIGINT, SIGTERM, SIGHUP), or 0. */
int download_interrupted(void);
/* A descriptor that becomes readable once interrupted (for curl_multi_poll's extra descriptors), or -1. */
int download_interrupt_fd(void);
/* Sleep seconds, cut short by an interrupt; false when interrupted. */
bool download_pause(double seconds);

#endif
