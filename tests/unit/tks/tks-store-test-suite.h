/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The TKS tests every TksKeyStore implementation must pass: key import/list/lookup/KCV,
 * generation, deletion, card key derivation for every method (checked against libtok-gp in
 * memory), wrapped export/import between two stores (and against the software RFC 5649
 * reference), argument errors, and the TksService operations for SCP01/02/03 against a
 * simulated card (session keys that open a channel with tok_gp_session_new_card, card
 * cryptogram mismatch, encrypt data, PUT KEY key set data, audit events).
 *
 * Call tks_store_test_suite_add() between g_test_init() and g_test_run(); @make_store is
 * called for every test (twice for the export/import tests) and must return a NEW, EMPTY,
 * independent store each time (or NULL after g_test_skip() if the backend is unavailable).
 */
#pragma once

#include <glib.h>

#include "tks-key-store.h"

G_BEGIN_DECLS

typedef TksKeyStore *(*TksStoreTestMakeFunc)(gpointer data);

/* Registers the tests under @prefix (e.g. "/tks/key-store/file"). @data is passed to
 * @make_store and must outlive g_test_run(). */
void
tks_store_test_suite_add(const gchar *prefix, TksStoreTestMakeFunc make_store, gpointer data);

G_END_DECLS
