/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every CoolKey response parser and the CPLC parser on the same input, plus the round trips
 * that must hold whenever a parse succeeds (parse -> build -> parse gives the same values).
 */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "fuzz.h"
#include "tok-apdu.h"
#include "tok-bytes.h"
#include "tok-coolkey-apdu.h"
#include "tok-cplc.h"

static void
fuzz_fixed_records(const guint8 *data, gsize size)
{
	TokCoolkeyStatus status;
	TokCoolkeyLifecycle lifecycle;
	TokCoolkeyObjectInfo object;
	TokCoolkeyKeyInfo key;
	TokCoolkeyBuiltinAcl acl;
	guint32 build_id = 0;
	guint16 mask = 0, result_len = 0;
	guint8 tries = 0;

	if (tok_coolkey_parse_status(data, size, &status, NULL))
		g_assert_cmpuint(size, ==, TOK_COOLKEY_STATUS_SIZE);
	if (tok_coolkey_parse_lifecycle(data, size, &lifecycle, NULL))
		g_assert_true(size == 1 || size == 4);
	if (tok_coolkey_parse_object_entry(data, size, &object, NULL))
		g_assert_cmpuint(size, ==, TOK_COOLKEY_OBJECT_ENTRY_SIZE);
	if (tok_coolkey_parse_key_entry(data, size, &key, NULL))
		g_assert_cmpuint(key.key_number, <, TOK_COOLKEY_MAX_KEYS);
	if (tok_coolkey_parse_builtin_acl(data, size, &acl, NULL)) {
		/* what SET BUILTIN ACL sends is what GET BUILTIN ACL returns */
		g_autoptr(TokApdu) apdu = tok_coolkey_apdu_set_builtin_acl(&acl);
		g_assert_true(tok_bytes_equal_data(tok_apdu_get_data(apdu), data, size));
	}
	(void)tok_coolkey_parse_build_id(data, size, &build_id, NULL);
	(void)tok_coolkey_parse_pin_list(data, size, &mask, NULL);
	(void)tok_coolkey_parse_pin_tries(data, size, &tries, NULL);
	(void)tok_coolkey_parse_generate_key_response(data, size, &result_len, NULL);
	{
		g_autoptr(GBytes) nonce = tok_coolkey_parse_nonce(data, size, NULL);
		if (nonce != NULL)
			g_assert_cmpuint(g_bytes_get_size(nonce), ==, TOK_COOLKEY_NONCE_SIZE);
	}
}

static void
fuzz_variable_records(const guint8 *data, gsize size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) crypt = tok_coolkey_parse_crypt_result(data, size, NULL);
	g_autoptr(TokCoolkeyKeygenResult) keygen =
	    tok_coolkey_keygen_result_parse(data, size, NULL);
	g_autofree gchar *url = tok_coolkey_parse_issuer_info(data, size, NULL);

	if (crypt != NULL)
		g_assert_cmpuint(g_bytes_get_size(crypt) + 2, ==, size);
	if (keygen != NULL) {
		g_autoptr(GBytes) challenge = g_bytes_new_static("0123456789abcdef", 16);
		g_autoptr(GBytes) proof =
		    tok_coolkey_keygen_result_get_proof_data(keygen, challenge);
		g_autoptr(TokCoolkeyKeygenResult) copy = tok_coolkey_keygen_result_copy(keygen);
		g_assert_cmpuint(g_bytes_get_size(keygen->pub_blob) +
				     g_bytes_get_size(keygen->signature) + 4,
				 ==,
				 size);
		g_assert_cmpuint(g_bytes_get_size(proof),
				 ==,
				 g_bytes_get_size(keygen->pub_blob) + 16);
		g_assert_true(g_bytes_equal(copy->pub_blob, keygen->pub_blob));
		g_assert_true((keygen->modulus != NULL) != (keygen->ec_point != NULL));
	}
	if (url != NULL) {
		/* SET ISSUER INFO of the URL reads back as the same URL */
		g_autoptr(TokApdu) apdu = tok_coolkey_apdu_set_issuer_info(url, &error);
		g_autofree gchar *again = NULL;
		GBytes *body;
		g_assert_no_error(error);
		body = tok_apdu_get_data(apdu);
		again = tok_coolkey_parse_issuer_info(g_bytes_get_data(body, NULL),
						      g_bytes_get_size(body),
						      &error);
		g_assert_no_error(error);
		g_assert_cmpstr(again, ==, url);
	}
}

static void
fuzz_cplc(const guint8 *data, gsize size)
{
	g_autoptr(TokCplc) strict = tok_cplc_parse(data, size, TOK_CPLC_PARSE_FLAG_NONE, NULL);
	g_autoptr(TokCplc) lenient =
	    tok_cplc_parse(data, size, TOK_CPLC_PARSE_FLAG_ANY_HEADER, NULL);
	g_autoptr(TokApduResponse) response = tok_apdu_response_parse(data, size, NULL);

	if (strict != NULL)
		g_assert_nonnull(lenient);
	if (lenient != NULL) {
		/* encode -> parse keeps every field, and the CUID/MSN rebuild the same identity */
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) blob = tok_cplc_encode(lenient, TRUE);
		g_autoptr(TokCplc) again = tok_cplc_parse(g_bytes_get_data(blob, NULL),
							  g_bytes_get_size(blob),
							  TOK_CPLC_PARSE_FLAG_NONE,
							  &error);
		g_autoptr(TokCplc) rebuilt = tok_cplc_new_from_cuid(lenient->cuid,
								    TOK_CUID_SIZE,
								    lenient->msn,
								    TOK_MSN_SIZE,
								    &error);
		g_autofree gchar *hyphenated = tok_cplc_get_cuid_hyphenated(lenient);
		guint8 cuid[TOK_CUID_SIZE];

		g_assert_no_error(error);
		g_assert_cmpmem(again, sizeof(TokCplc), lenient, sizeof(TokCplc));
		g_assert_cmpmem(rebuilt->cuid, TOK_CUID_SIZE, lenient->cuid, TOK_CUID_SIZE);
		g_assert_cmpmem(rebuilt->msn, TOK_MSN_SIZE, lenient->msn, TOK_MSN_SIZE);
		g_assert_true(tok_cuid_parse(hyphenated, cuid, &error));
		g_assert_true(tok_cplc_cuid_matches_kdd(lenient, cuid, sizeof(cuid)));
	}
	if (response != NULL) {
		g_autoptr(TokCplc) from_response =
		    tok_cplc_parse_response(response, TOK_CPLC_PARSE_FLAG_NONE, NULL);
		if (from_response != NULL)
			g_assert_nonnull(strict);
	}
}

/* The input as text: object IDs and CUIDs round-trip through their text forms. */
static void
fuzz_text(const guint8 *data, gsize size)
{
	g_autofree gchar *text = g_strndup((const gchar *)data, size);
	guint32 id = 0, again = 0;
	guint8 cuid[TOK_CUID_SIZE];

	if (tok_coolkey_object_id_from_string(text, &id, NULL)) {
		g_autofree gchar *name = tok_coolkey_object_id_to_string(id);
		g_assert_true(tok_coolkey_object_id_from_string(name, &again, NULL));
		g_assert_cmphex(again, ==, id);
	}
	if (tok_cuid_parse(text, cuid, NULL)) {
		g_autofree gchar *hex = tok_cuid_to_hex(cuid);
		g_autofree gchar *hyphenated = tok_cuid_to_hyphenated(cuid);
		const gchar *want = strlen(text) == TOK_CUID_HEX_LENGTH ? hex : hyphenated;
		g_assert_cmpint(g_ascii_strcasecmp(want, text), ==, 0);
	}
}

/* Builders fed from the input: the chunk plans cover exactly the requested range. */
static void
fuzz_chunking(const guint8 *data, gsize size)
{
	TokReader r;
	guint32 object_id = 0, offset = 0;
	guint16 len = 0;
	g_autoptr(GPtrArray) plan = NULL;

	tok_reader_init(&r, data, size);
	if (!tok_reader_read_u32_be(&r, &object_id, NULL) ||
	    !tok_reader_read_u32_be(&r, &offset, NULL) || !tok_reader_read_u16_be(&r, &len, NULL))
		return;
	len &= 0x0FFF;
	plan = tok_coolkey_apdu_read_object_plan(TOK_COOLKEY_CLA_SECURE,
						 object_id,
						 offset,
						 len,
						 NULL,
						 FALSE,
						 NULL);
	if (plan != NULL)
		g_assert_cmpuint(plan->len,
				 ==,
				 (len + TOK_COOLKEY_MAX_CHUNK - 1) / TOK_COOLKEY_MAX_CHUNK);
	if (tok_reader_remaining(&r) > 0) {
		g_autoptr(GBytes) rest = tok_reader_read_bytes(&r, tok_reader_remaining(&r), NULL);
		g_autoptr(GPtrArray) chunks =
		    tok_coolkey_apdu_write_object_chunks(TOK_COOLKEY_CLA_SECURE,
							 object_id,
							 offset,
							 rest,
							 NULL,
							 NULL);
		if (chunks != NULL) {
			gsize total = 0;
			for (guint i = 0; i < chunks->len; i++)
				total += g_bytes_get_size(
					     tok_apdu_get_data(g_ptr_array_index(chunks, i))) -
					 9;
			g_assert_cmpuint(total, ==, g_bytes_get_size(rest));
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_fixed_records(data, size);
	fuzz_variable_records(data, size);
	fuzz_cplc(data, size);
	fuzz_text(data, size);
	fuzz_chunking(data, size);
	return 0;
}
