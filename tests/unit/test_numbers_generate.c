/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* test_numbers_generate.c - the generator: exactly count items, the same list for the same seed (and any stretch
 * of it made alone), every value's cube within int64. */
#include "kernel.h"
#include "numbers_helpers.h"

/* --- the generator --- */

static mt_numbers generate(uint64_t count, uint64_t seed)
{
    mt_source source;
    mt_source_open_generate(&source, count, seed);
    mt_numbers numbers;
    mt_error err;
    assert_int_equal(mt_numbers_read_all(&source, &numbers, &err), MT_OK);
    mt_source_close(&source);
    return numbers;
}

static void generate_gives_exactly_count_items(void **state)
{
    (void)state;
    const uint64_t counts[] = {0, 1, 4, 1000, 100000};
    for (int i = 0; i < 5; i++) {
        mt_numbers numbers = generate(counts[i], 1);
        assert_int_equal(numbers.count, counts[i]);
        mt_numbers_free(&numbers);
    }
}

static void generate_same_seed_same_list(void **state)
{
    (void)state;
    mt_numbers a = generate(10000, 42), b = generate(10000, 42);
    assert_memory_equal(a.values, b.values, 10000 * sizeof(int64_t));
    /* a shorter list is a prefix of a longer one */
    mt_numbers c = generate(100, 42);
    assert_memory_equal(a.values, c.values, 100 * sizeof(int64_t));
    mt_numbers_free(&a);
    mt_numbers_free(&b);
    mt_numbers_free(&c);
}

static void generate_part_is_that_stretch_of_the_whole_list(void **state)
{
    (void)state;
    mt_numbers whole = generate(1000, 42);
    int64_t part[1000];
    const uint64_t firsts[] = {0, 1, 333, 999, 1000};
    for (size_t i = 0; i < sizeof firsts / sizeof firsts[0]; i++) {
        uint64_t first = firsts[i], count = 1000 - first;
        mt_generate_part(42, first, count, part);
        assert_memory_equal(part, whole.values + first, count * sizeof(int64_t));
    }
    mt_numbers_free(&whole);
}

static void generate_different_seed_different_list(void **state)
{
    (void)state;
    mt_numbers a = generate(1000, 1), b = generate(1000, 2);
    size_t same = 0;
    for (size_t i = 0; i < 1000; i++)
        same += a.values[i] == b.values[i];
    /* two independent draws from 2^22 values agree by chance about once in 4000 */
    if (same > 10) fail_msg("%zu of 1000 values are equal for seeds 1 and 2", same);
    mt_numbers_free(&a);
    mt_numbers_free(&b);
}

static void generate_every_value_within_cube_range(void **state)
{
    (void)state;
    mt_numbers numbers = generate(200000, 7);
    int64_t low = INT64_MAX, high = INT64_MIN;
    for (uint64_t i = 0; i < numbers.count; i++) {
        int64_t v = numbers.values[i];
        if (v < MT_CUBE_MIN || v > MT_CUBE_MAX)
            fail_msg("item %llu = %lld is outside the cube range", (unsigned long long)i, (long long)v);
        low = v < low ? v : low;
        high = v > high ? v : high;
    }
    mt_error err;
    assert_int_equal(mt_check_cube_range(numbers.values, numbers.count, 1, &err), MT_OK);
    /* the values spread over the range, negative and positive (not all one value) */
    assert_true(low < -1000000 && high > 1000000);
    mt_numbers_free(&numbers);
}

static void generate_rewind_gives_the_same_list(void **state)
{
    (void)state;
    mt_source source;
    mt_source_open_generate(&source, 50, 9);
    int64_t first[128], second[128];
    assert_int_equal(read_in_chunks(&source, 7, first, 128), 50);
    mt_error err;
    assert_int_equal(mt_source_rewind(&source, &err), MT_OK);
    assert_int_equal(read_in_chunks(&source, 50, second, 128), 50);
    assert_memory_equal(first, second, sizeof(int64_t) * 50);
    mt_numbers whole = generate(50, 9);
    assert_memory_equal(first, whole.values, sizeof(int64_t) * 50);
    mt_numbers_free(&whole);
    mt_source_close(&source);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generate_gives_exactly_count_items),
        cmocka_unit_test(generate_same_seed_same_list),
        cmocka_unit_test(generate_part_is_that_stretch_of_the_whole_list),
        cmocka_unit_test(generate_different_seed_different_list),
        cmocka_unit_test(generate_every_value_within_cube_range),
        cmocka_unit_test(generate_rewind_gives_the_same_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
