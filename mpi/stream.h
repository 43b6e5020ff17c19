/* stream.h - cube_mpi --chunk K: the list streams through the ranks in rounds of K items per rank, so rank 0
 * never holds more than a round. The list is read twice: once before any work, to check every item (a bad
 * token late in the list is an input error before any result is printed) and to count them; then round by
 * round, in every run. A stream that cannot be read twice (stdin, a pipe, a FIFO) is kept in a temporary
 * file (disk, not memory) by the first reading, and the rounds read that. */
#ifndef CUBE_MPI_STREAM_H
#define CUBE_MPI_STREAM_H

#include <stdint.h>

#include "cli.h"
#include "numbers.h"

/* Rank 0: open the list the options name, check every item and count them into *n, leaving *source ready to
 * be rewound and read round by round. */
mt_status stream_scan(const mt_options *options, mt_source *source, uint64_t *n, mt_error *err);

#endif
