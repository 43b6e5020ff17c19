#define _DEFAULT_SOURCE /* MADV_HUGEPAGE, beside POSIX */
#include "numbers.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel.h"

/* Longest token worth parsing: int64 needs 20 characters with its sign; longer ones are shown cut. */
enum { MAX_TOKEN = 64 };

mt_status mt_parse_int64(const char *token, const char *where, int64_t *out, mt_error *err)
{
    const char *digits = token;
    if (*digits == '+' || *digits == '-') digits++;
    if (*token == '\0') return mt_fail(err, MT_ERR_USAGE, "%s: empty token, expected a base-10 integer", where);
    bool only_digits = *digits != '\0';
    for (const char *c = digits; *c != '\0'; c++)
        if (*c < '0' || *c > '9') only_digits = false;
    if (!only_digits) return mt_fail(err, MT_ERR_USAGE, "%s: '%.*s' is not a base-10 integer", where, MAX_TOKEN, token);
    errno = 0;
    long long value = strtoll(token, NULL, 10);
    if (errno == ERANGE)
        return mt_fail(err, MT_ERR_USAGE, "%s: '%.*s' is beyond the int64 range", where, MAX_TOKEN, token);
    *out = (int64_t)value;
    return MT_OK;
}

void mt_source_open_args(mt_source *source, char *const *args, size_t count)
{
    *source = (mt_source){.kind = MT_SOURCE_ARGS, .args = args, .arg_count = count};
}

mt_status mt_source_open_file(mt_source *source, const char *path, mt_error *err)
{
    *source = (mt_source){.kind = MT_SOURCE_FILE, .name = path, .line = 1};
    if (strcmp(path, "-") == 0) {
        source->file = stdin;
        source->name = "stdin";
        return MT_OK;
    }
    source->file = fopen(path, "r");
    if (source->file == NULL) return mt_fail(err, MT_ERR_USAGE, "cannot read '%s': %s", path, strerror(errno));
    source->owns_file = true;
    return MT_OK;
}

void mt_source_open_generate(mt_source *source, uint64_t count, uint64_t seed)
{
    *source = (mt_source){.kind = MT_SOURCE_GENERATE, .to_generate = count, .seed = seed, .state = seed};
}

mt_status mt_source_rewind(mt_source *source, mt_error *err)
{
    source->items_read = 0;
    source->state = source->seed;
    if (source->kind != MT_SOURCE_FILE) return MT_OK;
    if (fseek(source->file, 0, SEEK_SET) != 0)
        return mt_fail(err, MT_ERR_USAGE, "cannot read '%s' twice: %s", source->name, strerror(errno));
    source->line = 1;
    return MT_OK;
}

/* splitmix64: small, fast and the same on every platform, so a seed names one list everywhere. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Read the next token of a file into token; false at the end of the file. */
static mt_status next_file_token(mt_source *source, char *token, bool *found, mt_error *err)
{
    FILE *file = source->file;
    int c;
    *found = false;
    for (;;) {
        c = getc(file);
        if (c == EOF) break;
        if (c == '\n') {
            source->line++;
            continue;
        }
        if (isspace(c)) continue;
        if (c == '#') {
            while ((c = getc(file)) != EOF && c != '\n') {
            }
            if (c == '\n') source->line++;
            continue;
        }
        break;
    }
    if (c == EOF) {
        if (ferror(file)) return mt_fail(err, MT_ERR_USAGE, "cannot read '%s': %s", source->name, strerror(errno));
        return MT_OK;
    }
    size_t length = 0;
    while (c != EOF && !isspace(c)) {
        if (length < MAX_TOKEN) token[length] = (char)c;
        length++;
        c = getc(file);
    }
    if (c != EOF) ungetc(c, file);
    if (length > MAX_TOKEN) {
        token[MAX_TOKEN] = '\0';
        return mt_fail(err, MT_ERR_USAGE,
                       "%s line %" PRIu64 " (item %" PRIu64 "): token '%s...' is too long for an int64", source->name,
                       source->line, source->items_read + 1, token);
    }
    if (memchr(token, '\0', length) != NULL)
        return mt_fail(err, MT_ERR_USAGE, "%s line %" PRIu64 " (item %" PRIu64 "): a NUL byte is not a base-10 integer",
                       source->name, source->line, source->items_read + 1);
    token[length] = '\0';
    *found = true;
    return MT_OK;
}

mt_status mt_source_read(mt_source *source, int64_t *buffer, size_t max, size_t *got, mt_error *err)
{
    size_t count = 0;
    char where[128];
    while (count < max) {
        switch (source->kind) {
        case MT_SOURCE_ARGS: {
            if (source->items_read >= source->arg_count) goto done;
            snprintf(where, sizeof where, "argument %" PRIu64, source->items_read + 1);
            mt_status status = mt_parse_int64(source->args[source->items_read], where, &buffer[count], err);
            if (status != MT_OK) return status;
            break;
        }
        case MT_SOURCE_FILE: {
            char token[MAX_TOKEN + 1];
            bool found;
            mt_status status = next_file_token(source, token, &found, err);
            if (status != MT_OK) return status;
            if (!found) goto done;
            snprintf(where, sizeof where, "%s line %" PRIu64 " (item %" PRIu64 ")", source->name, source->line,
                     source->items_read + 1);
            status = mt_parse_int64(token, where, &buffer[count], err);
            if (status != MT_OK) return status;
            break;
        }
        case MT_SOURCE_GENERATE:
            if (source->items_read >= source->to_generate) goto done;
            /* The top 22 bits: exactly uniform over the 2^22 values whose cube fits. */
            buffer[count] = MT_CUBE_MIN + (int64_t)(next_random(&source->state) >> 42);
            break;
        }
        source->items_read++;
        count++;
    }
done:
    *got = count;
    return MT_OK;
}

void mt_source_close(mt_source *source)
{
    if (source->owns_file && source->file != NULL) fclose(source->file);
    source->file = NULL;
    source->owns_file = false;
}

mt_status mt_numbers_read_all(mt_source *source, mt_numbers *numbers, mt_error *err)
{
    *numbers = (mt_numbers){0};
    /* Arguments and the generator know their length; a file grows its buffer by doubling. */
    uint64_t known = source->kind == MT_SOURCE_ARGS       ? source->arg_count - source->items_read
                     : source->kind == MT_SOURCE_GENERATE ? source->to_generate - source->items_read
                                                          : 0;
    uint64_t capacity = 0;
    for (;;) {
        if (numbers->count == capacity) {
            uint64_t grown = source->kind != MT_SOURCE_FILE ? (known > 0 ? known : 1)
                             : capacity < 1024              ? 1024
                                                            : capacity * 2;
            if (grown > SIZE_MAX / sizeof(int64_t)) goto too_large;
            int64_t *values = realloc(numbers->values, (size_t)grown * sizeof(int64_t));
            if (values == NULL) goto too_large;
            numbers->values = values;
            capacity = grown;
            /* Before the first touch: huge pages only come to pages not yet touched. */
            if (numbers->count == 0) mt_items_advise(values, capacity);
        }
        size_t got;
        mt_status status =
            mt_source_read(source, numbers->values + numbers->count, (size_t)(capacity - numbers->count), &got, err);
        if (status != MT_OK) {
            mt_numbers_free(numbers);
            return status;
        }
        numbers->count += got;
        if (numbers->count < capacity || source->kind != MT_SOURCE_FILE) break;
    }
    if (numbers->count == 0) {
        free(numbers->values);
        numbers->values = NULL;
    }
    return MT_OK;
too_large : {
    uint64_t read = numbers->count;
    mt_numbers_free(numbers);
    return mt_fail(err, MT_ERR_USAGE, "the list is too large for this machine's memory (%" PRIu64 " items read)", read);
}
}

void mt_numbers_free(mt_numbers *numbers)
{
    free(numbers->values);
    *numbers = (mt_numbers){0};
}

enum { HUGE_PAGE = 2 << 20, STAGGER_BYTES = 576 };

void mt_items_advise(int64_t *items, uint64_t count)
{
#ifdef MADV_HUGEPAGE
    uintptr_t from = ((uintptr_t)items + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t to = ((uintptr_t)(items + count)) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (to > from) madvise((void *)from, to - from, MADV_HUGEPAGE);
#else
    (void)items, (void)count;
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
