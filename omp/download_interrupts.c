/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "download_interrupts.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "timer.h"

/* What the signal handler reads: a signal handler can reach nothing but globals. Set before it is installed. */
static volatile sig_atomic_t interrupt_signal;
static int interrupt_pipe[2] = {-1, -1}; /* one byte written by the handler: readable once interrupted */
static download_transfer *watched;       /* the transfers whose threads a signal wakes */
static atomic_size_t watched_count;      /* 0 once they may be freed (download_interrupts_unwatch) */
static atomic_int in_handler;            /* handlers reading them now: the unwatch waits for them */

/* Async-signal-safe only: note the first signal, make the pipe readable, and send the signal on to every
 * other thread that runs a transfer, so that its poll returns at once (EINTR) instead of within a second. */
static void on_interrupt(int signal_number)
{
    int saved_errno = errno;
    atomic_fetch_add(&in_handler, 1);
    if (interrupt_signal == 0) {
        interrupt_signal = signal_number;
        /* A failed write leaves nothing to do: the flag is set. */
        ssize_t written = interrupt_pipe[1] >= 0 ? write(interrupt_pipe[1], "!", 1) : 0;
        (void)written;
        pthread_t self = pthread_self(), last = self;
        size_t count = atomic_load(&watched_count);
        for (size_t i = 0; i < count; i++) {
            if (!atomic_load(&watched[i].running)) continue;
            pthread_t thread = watched[i].thread;
            if (pthread_equal(thread, self) || pthread_equal(thread, last)) continue;
            pthread_kill(thread, signal_number); /* its handler finds the flag set and returns */
            last = thread;
        }
    }
    atomic_fetch_sub(&in_handler, 1);
    errno = saved_errno;
}

void download_interrupts_unwatch(void)
{
    atomic_store(&watched_count, 0);
    while (atomic_load(&in_handler) > 0) /* a handler that read the old count is done within microseconds */
        sched_yield();
    watched = NULL;
}

mt_status download_interrupts_install(download_transfer *transfers, size_t count, mt_error *err)
{
    watched = transfers;
    atomic_store(&watched_count, count);
    if (interrupt_pipe[0] < 0) {
        if (pipe(interrupt_pipe) != 0)
            return mt_fail(err, MT_ERR_RUNTIME, "cannot create the interrupt pipe: %s", strerror(errno));
        for (int end = 0; end < 2; end++) {
            fcntl(interrupt_pipe[end], F_SETFD, FD_CLOEXEC);
            fcntl(interrupt_pipe[end], F_SETFL, O_NONBLOCK); /* the handler never blocks on it */
        }
    }
    /* SA_RESTART: a write or a read that a signal interrupts goes on (nothing half-written); poll and sleeps
     * return early whatever the flag, which is what wakes the transfers. */
    struct sigaction action = {.sa_handler = on_interrupt, .sa_flags = SA_RESTART};
    sigfillset(&action.sa_mask);
    static const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction before;
        if (sigaction(signals[i], NULL, &before) != 0 || before.sa_handler == SIG_IGN) continue;
        if (sigaction(signals[i], &action, NULL) != 0)
            return mt_fail(err, MT_ERR_RUNTIME, "cannot catch signal %d: %s", signals[i], strerror(errno));
    }
    return MT_OK;
}

int download_interrupted(void)
{
    return interrupt_signal;
}

int download_interrupt_fd(void)
{
    return interrupt_pipe[0];
}

bool download_pause(double seconds)
{
    /* poll on the pipe, not a sleep: a signal that lands just before the wait still ends it at once. */
    double end = mt_now() + seconds;
    for (double left = seconds; left > 0 && interrupt_signal == 0; left = end - mt_now()) {
        struct pollfd wake = {.fd = interrupt_pipe[0], .events = POLLIN};
        poll(&wake, interrupt_pipe[0] >= 0, (int)ceil(left * 1000));
    }
    return interrupt_signal == 0;
}
