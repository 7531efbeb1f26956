/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The test client of the operation tests: what ESC does, in a thread, over one end of a
 * socket pair whose other end is the TpsConnection the processor runs on. It sends BEGIN_OP,
 * relays every TOKEN_PDU_REQUEST to a virtual card, answers LOGIN / EXTENDED_LOGIN / NEW_PIN /
 * STATUS_UPDATE and records what it saw (END_OP included). It can also misbehave: flip a byte
 * of the key generation output the card returns, or vanish when the card gets GENERATE KEY.
 */
#pragma once

#include <gio/gio.h>

#include "tok-tps-message.h"
#include "vcard-card.h"

G_BEGIN_DECLS

typedef struct {
	/* input */
	VcardCard *card;
	TokTpsOperation operation;
	const gchar *token_type; /* tokenType extension, or NULL */
	gboolean status_update;
	gboolean extended_login;
	const gchar *user;
	const gchar *password;
	const gchar *new_pin;
	gboolean flip_keygen_output; /* flip a modulus (RSA) or point (EC) byte of the first key generation output */
	gboolean vanish_at_keygen;   /* close the connection when GENERATE KEY comes */
	/* output */
	guint n_pdus;
	guint n_logins;
	guint n_extended_logins;
	guint n_new_pins;
	guint new_pin_min, new_pin_max;
	GPtrArray *status_tasks; /* "percent:TASK" */
	gboolean got_end_op;
	TokTpsOperation end_operation;
	guint end_result;
	TokTpsStatus end_status;
	gboolean vanished;
	gboolean flipped;
	gboolean messages_after_end_op; /* anything but the end of the body after END_OP */
} TpsOpsTestClient;

void
tps_ops_test_client_init(TpsOpsTestClient *client, VcardCard *card, TokTpsOperation operation);
void
tps_ops_test_client_clear(TpsOpsTestClient *client);

/* Runs @client against a processor on a new socket pair; returns the status the processor
 * reported. */
TokTpsStatus
tps_ops_test_client_run(TpsOpsTestClient *client, gpointer ctx /* TpsContext */);

G_END_DECLS
