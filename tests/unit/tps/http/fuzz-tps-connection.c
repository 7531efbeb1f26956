/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzz target `tps-connection`: the input is what a client sends on POST /tps/tps after the
 * request head. A TpsConnection (no deadline) reads messages from it until it fails, then
 * finishes. Checks: every message read re-encodes and parses back; every failure is
 * TPS_ERROR_PROTOCOL or TPS_ERROR_DISCONNECTED; what the server wrote is a complete chunked
 * body, empty when the client was gone, else ending with one END_OP (result 1) that echoes
 * the first BEGIN_OP's operation.
 */
#include "config.h"

#include <stdlib.h>

#include "fuzz.h"
#include "tok-chunked.h"
#include "tps-connection.h"
#include "tps-error.h"

#define FUZZ_MAX_MESSAGES 64
#define FUZZ_MAX_MESSAGE_SIZE 512

static void
fuzz_check(gboolean ok)
{
	if (!ok)
		abort();
}

/* The server's output: a complete chunked body of messages, or nothing. */
static void
fuzz_check_output(GBytes *out, gboolean gone, TokTpsOperation op)
{
	g_autoptr(TokChunkDecoder) dec = tok_chunk_decoder_new(0);
	g_autoptr(GBytes) last = NULL;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(out, &len);
	TokTpsOperation end_op = 0;
	guint result = 0;

	if (gone && len == 0)
		return;
	fuzz_check(tok_chunk_decoder_feed(dec, data, len, NULL));
	fuzz_check(tok_chunk_decoder_finish(dec, NULL));
	for (;;) {
		g_autoptr(GBytes) chunk = tok_chunk_decoder_pop(dec);
		if (chunk == NULL)
			break;
		g_clear_pointer(&last, g_bytes_unref);
		last = g_steal_pointer(&chunk);
	}
	fuzz_check(last != NULL);
	{
		g_autoptr(TokTpsMessage) msg = tok_tps_message_parse_bytes(last, 0, NULL);
		fuzz_check(msg != NULL);
		fuzz_check(tok_tps_message_get_end_op(msg, &end_op, &result, NULL, NULL));
		fuzz_check(end_op == op);
		fuzz_check(result == 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GInputStream) in =
	    g_memory_input_stream_new_from_data(g_memdup2(data, size), (gssize)size, g_free);
	g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable();
	g_autoptr(TpsConnection) c =
	    tps_connection_new(in, out, NULL, FUZZ_MAX_MESSAGE_SIZE, 0, "fuzz");
	g_autoptr(GBytes) written = NULL;
	TokTpsOperation op = TOK_TPS_OPERATION_UNDEFINED;
	gboolean gone = FALSE;

	for (guint i = 0; i < FUZZ_MAX_MESSAGES; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TokTpsMessage) msg = tps_connection_read(c, &error);
		g_autoptr(GBytes) wire = NULL;
		g_autoptr(TokTpsMessage) again = NULL;

		if (msg == NULL) {
			fuzz_check(error != NULL && error->domain == TPS_ERROR);
			fuzz_check(error->code == TPS_ERROR_PROTOCOL ||
				   error->code == TPS_ERROR_DISCONNECTED);
			gone = error->code == TPS_ERROR_DISCONNECTED;
			if (gone || tps_connection_get_operation(c) == TOK_TPS_OPERATION_UNDEFINED)
				break;
			continue; /* a bad message after BEGIN_OP: reading may go on */
		}
		if (op == TOK_TPS_OPERATION_UNDEFINED &&
		    tok_tps_message_get_msg_type(msg) == TOK_TPS_MSG_TYPE_BEGIN_OP)
			fuzz_check(tok_tps_message_get_operation(msg, &op, NULL));
		fuzz_check(tps_connection_get_operation(c) == op);
		wire = tok_tps_message_encode(msg, NULL);
		fuzz_check(wire != NULL);
		again = tok_tps_message_parse_bytes(wire, FUZZ_MAX_MESSAGE_SIZE, NULL);
		fuzz_check(again != NULL);
	}
	tps_connection_finish(c);
	fuzz_check(!tps_connection_get_timed_out(c));
	written = g_memory_output_stream_steal_as_bytes(G_MEMORY_OUTPUT_STREAM(out));
	fuzz_check_output(written, gone, op);
	return 0;
}
