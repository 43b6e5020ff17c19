/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* asan_options.c - built into cube_mpi only in an AddressSanitizer build (MT_SANITIZE=address,...).
 *
 * LeakSanitizer's suppressions for Open MPI (tests/sanitize/lsan.supp) know a leak by the libraries on the stack
 * of its allocation. The fast unwinder stops in the first library built without frame pointers (libc's strdup,
 * say), so cube_mpi records each allocation's stack the slow, whole way. The other programs keep the fast one:
 * the slow one costs a fifth of their CPU time under the sanitizer. ASAN_OPTIONS still says the last word. */

const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}
