/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzz target `z0`: the input is decoded as a combined z0 object and as a stand-alone CoolKey
 * object (old or new format). Whatever decodes is re-encoded and decoded again, and must come
 * back equal; encodings without compression must reproduce the input byte for byte.
 */
#include "config.h"

#include <glib.h>

#include "fuzz.h"
#include "tok-coolkey-object.h"
#include "tok-error.h"

static void
fuzz_z0_reencode(const TokCoolkeyObjectSet *set, TokCoolkeyCompression compression)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) encoded = tok_coolkey_object_set_encode(set, compression, &error);
	g_autoptr(TokCoolkeyObjectSet) again = NULL;
	TokCoolkeyCompression used = TOK_COOLKEY_COMPRESSION_NONE;

	if (encoded == NULL) {
		/* a decodable z0 may still be larger than a card object */
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
		return;
	}
	again = tok_coolkey_object_set_decode_bytes(encoded, &used, &error);
	g_assert_no_error(error);
	g_assert_cmpint(used, ==, compression);
	g_assert_true(tok_coolkey_object_set_equal(set, again));
}

static void
fuzz_z0(const uint8_t *data, size_t size)
{
	TokCoolkeyCompression compression = TOK_COOLKEY_COMPRESSION_NONE;
	g_autoptr(TokCoolkeyObjectSet) set =
	    tok_coolkey_object_set_decode(data, size, &compression, NULL);
	g_autoptr(GPtrArray) certs = NULL;

	if (set == NULL)
		return;
	fuzz_z0_reencode(set, TOK_COOLKEY_COMPRESSION_NONE);
	fuzz_z0_reencode(set, TOK_COOLKEY_COMPRESSION_ZLIB);
	if (compression == TOK_COOLKEY_COMPRESSION_NONE) {
		g_autoptr(GBytes) encoded =
		    tok_coolkey_object_set_encode(set, TOK_COOLKEY_COMPRESSION_NONE, NULL);
		if (encoded != NULL) {
			gsize len = 0;
			const guint8 *out = g_bytes_get_data(encoded, &len);
			g_assert_cmpmem(out, len, data, size);
		}
	}
	for (guint i = 0; i < tok_coolkey_object_set_get_n_records(set); i++) {
		const TokCoolkeyRecord *record = tok_coolkey_object_set_get_record(set, i);
		g_autoptr(TokCoolkeyRecord) expanded = tok_coolkey_record_expand(record);
		g_autoptr(GBytes) standalone = tok_coolkey_record_encode_new(record, NULL);
		g_autoptr(TokCoolkeyRecord) back = NULL;

		g_assert_cmpuint(tok_coolkey_record_get_n_attributes(expanded),
				 >=,
				 tok_coolkey_record_get_n_attributes(record));
		g_assert_nonnull(standalone);
		back = tok_coolkey_record_decode_object_bytes(standalone, NULL, NULL);
		g_assert_true(tok_coolkey_record_equal(record, back));
	}
	certs = tok_coolkey_object_set_get_certificates(set);
	g_assert_cmpuint(certs->len, <=, tok_coolkey_object_set_get_n_records(set));
}

static void
fuzz_object(const uint8_t *data, size_t size)
{
	TokCoolkeyObjectFormat format = TOK_COOLKEY_OBJECT_FORMAT_OLD;
	g_autoptr(GError) error = NULL;
	g_autoptr(TokCoolkeyRecord) record = tok_coolkey_record_decode_object(data, size, &format, NULL);
	g_autoptr(GBytes) encoded = NULL;
	g_autoptr(TokCoolkeyRecord) again = NULL;
	gsize len = 0;
	const guint8 *out;

	if (record == NULL)
		return;
	if (format == TOK_COOLKEY_OBJECT_FORMAT_OLD)
		encoded = tok_coolkey_record_encode_old(record, &error);
	else
		encoded = tok_coolkey_record_encode_new(record, &error);
	g_assert_no_error(error);
	out = g_bytes_get_data(encoded, &len);
	g_assert_cmpmem(out, len, data, size);
	again = tok_coolkey_record_decode_object_bytes(encoded, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(tok_coolkey_record_equal(record, again));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_z0(data, size);
	fuzz_object(data, size);
	return 0;
}
