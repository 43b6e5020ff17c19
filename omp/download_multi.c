/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "download_multi.h"

#include <stdio.h>

#include "download_interrupts.h"

mt_status download_multi_open(download_multi *multi, const download_job *job, mt_error *err)
{
    *multi = (download_multi){.handle = curl_multi_init(), .jobs = (size_t)job->jobs};
    if (multi->handle == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory for the multi handle");
    mt_status status = download_waiting_init(&multi->waiting, job->count, err);
    /* The connection cache: one idle connection kept per transfer slot, each one a descriptor. */
    if (status == MT_OK && curl_multi_setopt(multi->handle, CURLMOPT_MAXCONNECTS, (long)multi->jobs) != CURLM_OK)
        status = mt_fail(err, MT_ERR_RUNTIME, "cannot size the connection cache");
    if (status != MT_OK) {
        download_waiting_free(&multi->waiting);
        curl_multi_cleanup(multi->handle);
        multi->handle = NULL;
    }
    return status;
}

bool download_multi_busy(const download_multi *multi, const download_job *job)
{
    return multi->started < job->count || multi->in_flight > 0 || multi->waiting.count > 0;
}

/* Put t on the handle (a first attempt, or a retry). false when t is finished (failed) instead. */
static bool add_transfer(download_multi *multi, download_transfer *t, bool first)
{
    if (first && !download_transfer_begin(t)) return false;
    if (!download_transfer_prepare_attempt(t)) return false;
    CURLMcode code = curl_multi_add_handle(multi->handle, t->easy);
    if (code == CURLM_OK) return true;
    snprintf(t->error, sizeof t->error, "cannot add the transfer to the multi handle: %s", curl_multi_strerror(code));
    download_transfer_finish(t, false);
    return false;
}

void download_multi_refill(download_multi *multi, download_job *job)
{
    download_transfer *t;
    while (multi->in_flight < multi->jobs && (t = download_waiting_due(&multi->waiting)) != NULL)
        multi->in_flight += add_transfer(multi, t, false);
    while (multi->in_flight < multi->jobs && multi->started < job->count)
        multi->in_flight += add_transfer(multi, &job->transfers[multi->started++], true);
}

mt_status download_multi_done(download_multi *multi, CURLMsg *message, mt_error *err)
{
    multi->in_flight--;
    download_transfer *t = NULL;
    CURLcode result = message->data.result; /* read before the handle is removed */
    if (curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, (char **)&t) != CURLE_OK || t == NULL)
        return mt_fail(err, MT_ERR_RUNTIME, "a finished transfer lost its item (CURLINFO_PRIVATE)");
    CURLMcode code = curl_multi_remove_handle(multi->handle, t->easy);
    if (code != CURLM_OK)
        return mt_fail(err, MT_ERR_RUNTIME, "curl_multi_remove_handle: %s", curl_multi_strerror(code));
    download_verdict verdict = download_transfer_judge(t, result);
    if (verdict == DOWNLOAD_RETRY)
        download_waiting_add(&multi->waiting, t);
    else
        download_transfer_finish(t, verdict == DOWNLOAD_DONE);
    return MT_OK;
}

mt_status download_multi_wait(download_multi *multi, mt_error *err)
{
    /* A signal makes the interrupt descriptor readable. */
    struct curl_waitfd interrupt = {.fd = download_interrupt_fd(), .events = CURL_WAIT_POLLIN};
    CURLMcode code = curl_multi_poll(multi->handle, &interrupt, 1, download_waiting_ms(&multi->waiting, 1000), NULL);
    if (code != CURLM_OK) return mt_fail(err, MT_ERR_RUNTIME, "curl_multi_poll: %s", curl_multi_strerror(code));
    return MT_OK;
}

mt_status download_multi_close(download_multi *multi, download_job *job, mt_status status, mt_error *err)
{
    if (multi->handle == NULL) return status;
    for (size_t i = 0; i < multi->started; i++) {
        download_transfer *t = &job->transfers[i];
        if (t->easy == NULL) continue;
        curl_multi_remove_handle(multi->handle, t->easy); /* harmless when it was not added */
        download_transfer_cancel(t);
    }
    download_waiting_free(&multi->waiting);
    CURLMcode code = curl_multi_cleanup(multi->handle);
    multi->handle = NULL;
    if (status == MT_OK && code != CURLM_OK)
        status = mt_fail(err, MT_ERR_RUNTIME, "curl_multi_cleanup: %s", curl_multi_strerror(code));
    return status;
}
