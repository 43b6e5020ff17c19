/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* replay.c - run a fuzz target over files without libFuzzer: each argument is a file, or a folder whose
 * files are each one input. The normal build links every target with this driver and replays the seed
 * corpus and every input that once broke a rule (tests/fuzz/corpus), so they stay fixed in every build,
 * sanitizer builds included. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "replay: cannot read '%s'\n", path);
        return 1;
    }
    size_t size = 0, capacity = 4096;
    unsigned char *data = malloc(capacity);
    size_t got;
    while (data != NULL && (got = fread(data + size, 1, capacity - size, file)) > 0) {
        size += got;
        if (size == capacity) data = realloc(data, capacity *= 2);
    }
    fclose(file);
    if (data == NULL) return 1;
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    int failures = 0, inputs = 0;
    for (int i = 1; i < argc; i++) {
        struct stat info;
        if (stat(argv[i], &info) != 0) {
            fprintf(stderr, "replay: no such file or folder '%s'\n", argv[i]);
            return 1;
        }
        if (!S_ISDIR(info.st_mode)) {
            failures += replay_file(argv[i]), inputs++;
            continue;
        }
        struct dirent **entries;
        int count = scandir(argv[i], &entries, NULL, alphasort);
        if (count < 0) return 1;
        for (int e = 0; e < count; e++) {
            if (entries[e]->d_name[0] != '.') {
                char path[4096];
                snprintf(path, sizeof path, "%s/%s", argv[i], entries[e]->d_name);
                failures += replay_file(path), inputs++;
            }
            free(entries[e]);
        }
        free(entries);
    }
    printf("replayed %d inputs\n", inputs);
    return failures != 0 || inputs == 0;
}
