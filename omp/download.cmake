# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

# download (activity 3): included by omp/CMakeLists.txt when MT_WITH_CURL is on and libcurl was found.
add_executable(download download.c download_cli.c download_folder.c download_interrupts.c download_job.c download_limits.c download_multi.c download_name.c download_output.c download_report.c download_retry.c download_transfer.c
                        download_urls.c)
target_link_libraries(download PRIVATE mt_common CURL::libcurl)
