/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point every fuzz-<target>.c implements. It must accept any input,
 * never crash, leak or read out of bounds, and return 0. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
