/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <string.h>

#include "tok-apdu.h"
#include "tok-bytes.h"
#include "tok-coolkey-apdu.h"
#include "tok-error.h"
#include "tok-secret.h"

/* Checks the short encoding of @apdu (consumed) against @hex (spaces allowed). */
static void
check_apdu(TokApdu *apdu_in, const gchar *hex)
{
	g_autoptr(TokApdu) apdu = apdu_in;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) want = tok_hex_decode(hex, TOK_HEX_FLAG_ALLOW_SPACES, &error);
	g_autoptr(GBytes) got = NULL;

	g_assert_no_error(error);
	g_assert_nonnull(apdu);
	got = tok_apdu_encode(apdu, TOK_APDU_ENCODING_SHORT, &error);
	g_assert_no_error(error);
	if (!g_bytes_equal(got, want)) {
		g_autofree gchar *got_hex = tok_hex_encode_bytes(got, TRUE);
		g_autofree gchar *want_hex = tok_hex_encode_bytes(want, TRUE);
		g_assert_cmpstr(got_hex, ==, want_hex);
	}
}

/* Asserts that a builder failed with @code. */
static void
check_fails(TokApdu *apdu_in, GError **error_ptr, gint code)
{
	g_autoptr(TokApdu) apdu = apdu_in;
	g_autoptr(GError) error = g_steal_pointer(error_ptr);

	g_assert_null(apdu);
	g_assert_error(error, TOK_ERROR, code);
	g_assert_cmpuint(strlen(error->message), >, 0);
}

static GBytes *
hex_bytes(const gchar *hex)
{
	g_autoptr(GError) error = NULL;
	GBytes *b = tok_hex_decode(hex, TOK_HEX_FLAG_ALLOW_SPACES, &error);
	g_assert_no_error(error);
	return b;
}

static GBytes *
filled_bytes(gsize len, guint8 start)
{
	g_autoptr(GByteArray) a = g_byte_array_new();
	for (gsize i = 0; i < len; i++)
		tok_byte_array_append_u8(a, (guint8)(start + i));
	return g_byte_array_free_to_bytes(g_steal_pointer(&a));
}

#define NONCE_HEX "A1 A2 A3 A4 A5 A6 A7 A8"

static void
test_simple_commands(void)
{
	g_autoptr(GError) error = NULL;

	check_apdu(tok_coolkey_apdu_select(), "00 A4 04 00 07 62 76 01 FF 00 00 00 00");
	check_apdu(tok_coolkey_apdu_get_status(TOK_COOLKEY_STATUS_GENERAL), "B0 3C 00 00 10");
	check_apdu(tok_coolkey_apdu_get_status(TOK_COOLKEY_STATUS_MEMORY), "B0 3C 01 00 10");
	check_apdu(tok_coolkey_apdu_get_build_id(), "B0 70 00 00 04");
	check_apdu(tok_coolkey_apdu_get_lifecycle(FALSE), "B0 F2 00 00 01");
	check_apdu(tok_coolkey_apdu_get_lifecycle(TRUE), "B0 F2 00 00 04");
	check_apdu(tok_coolkey_apdu_set_lifecycle(TOK_COOLKEY_LIFECYCLE_PERSONALIZED),
		   "84 F0 0F 00");
	check_apdu(tok_coolkey_apdu_get_issuer_info(), "B0 F6 00 00 E0");
	check_apdu(tok_coolkey_apdu_list_objects(TOK_COOLKEY_LIST_FIRST), "B0 58 00 00 0E");
	check_apdu(tok_coolkey_apdu_list_objects(TOK_COOLKEY_LIST_NEXT), "B0 58 01 00 0E");
	check_apdu(tok_coolkey_apdu_list_pins(), "B0 48 00 00 02");
	check_apdu(tok_coolkey_apdu_list_keys(TOK_COOLKEY_LIST_FIRST), "B0 3A 00 00 0B");
	check_apdu(tok_coolkey_apdu_list_keys(TOK_COOLKEY_LIST_NEXT), "B0 3A 01 00 0B");
	check_apdu(tok_coolkey_apdu_get_builtin_acl(), "B0 FA 00 00 07");
	check_apdu(tok_coolkey_apdu_nop(), "B0 71 00 00");
	check_apdu(tok_coolkey_apdu_get_pin_tries(0, &error), "B0 4A 00 00 01");
	check_apdu(tok_coolkey_apdu_get_pin_tries(7, &error), "B0 4A 07 00 01");
	check_apdu(tok_coolkey_apdu_get_random(8, &error), "B0 72 00 00 08");
	check_apdu(tok_coolkey_apdu_get_random(255, &error), "B0 72 00 00 FF");
	g_assert_no_error(error);

	check_fails(tok_coolkey_apdu_get_pin_tries(8, &error), &error, TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_get_random(0, &error), &error, TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_get_random(256, &error), &error, TOK_ERROR_TOO_LARGE);
}

static void
test_random_seed_iobuf(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) seed = hex_bytes("01 02 03");
	g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
	g_autoptr(GBytes) big = filled_bytes(256, 0);

	check_apdu(tok_coolkey_apdu_seed_random(seed, &error), "B0 73 00 00 03 01 02 03");
	check_apdu(tok_coolkey_apdu_read_iobuf(0x10, 0x0102, &error), "84 08 10 00 02 01 02");
	g_assert_no_error(error);
	check_fails(tok_coolkey_apdu_seed_random(empty, &error), &error, TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_seed_random(NULL, &error), &error, TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_seed_random(big, &error), &error, TOK_ERROR_TOO_LARGE);
	check_fails(tok_coolkey_apdu_read_iobuf(0, 0, &error), &error, TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_read_iobuf(256, 0, &error), &error, TOK_ERROR_TOO_LARGE);
}

static void
test_issuer_info(void)
{
	const gchar *url = "http://tps.example.com:8080/tps/phoneHome";
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApdu) apdu = tok_coolkey_apdu_set_issuer_info(url, &error);
	g_autoptr(GBytes) wire = NULL;
	g_autofree gchar *back = NULL;
	g_autofree gchar *longest = g_strnfill(TOK_COOLKEY_ISSUER_INFO_SIZE - 1, 'a');
	g_autofree gchar *too_long = g_strnfill(TOK_COOLKEY_ISSUER_INFO_SIZE, 'a');
	GBytes *data;
	const guint8 *p;
	gsize len = 0;

	g_assert_no_error(error);
	g_assert_nonnull(apdu);
	g_assert_cmphex(tok_apdu_get_cla(apdu), ==, 0x84);
	g_assert_cmphex(tok_apdu_get_ins(apdu), ==, 0xF4);
	g_assert_cmphex(tok_apdu_get_p1(apdu), ==, 0x00);
	g_assert_cmphex(tok_apdu_get_p2(apdu), ==, 0x00);
	g_assert_cmpint(tok_apdu_get_le(apdu), ==, TOK_APDU_NO_LE);
	wire = tok_apdu_encode(apdu, TOK_APDU_ENCODING_SHORT, &error);
	g_assert_no_error(error);
	p = g_bytes_get_data(wire, &len);
	g_assert_cmpuint(len, ==, 5 + 224);
	g_assert_cmphex(p[4], ==, 0xE0);
	g_assert_cmpmem(p + 5, strlen(url), url, strlen(url));
	for (gsize i = 5 + strlen(url); i < len; i++)
		g_assert_cmphex(p[i], ==, 0x00);

	/* round trip through the GET ISSUER INFO parser */
	data = tok_apdu_get_data(apdu);
	back = tok_coolkey_parse_issuer_info(g_bytes_get_data(data, NULL),
					     g_bytes_get_size(data),
					     &error);
	g_assert_no_error(error);
	g_assert_cmpstr(back, ==, url);

	/* 223 bytes still leave room for the NUL, 224 do not */
	{
		g_autoptr(TokApdu) ok = tok_coolkey_apdu_set_issuer_info(longest, &error);
		g_assert_no_error(error);
		g_assert_nonnull(ok);
	}
	check_fails(tok_coolkey_apdu_set_issuer_info(too_long, &error),
		    &error,
		    TOK_ERROR_TOO_LARGE);
	check_fails(tok_coolkey_apdu_set_issuer_info("http://x/\x01", &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_set_issuer_info("http://x/\xff", &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_set_issuer_info(NULL, &error), &error, TOK_ERROR_INVALID_DATA);
	/* an empty URL clears the buffer */
	{
		g_autoptr(TokApdu) clear = tok_coolkey_apdu_set_issuer_info("", &error);
		g_assert_no_error(error);
		g_assert_cmpuint(g_bytes_get_size(tok_apdu_get_data(clear)), ==, 224);
	}
}

static void
test_pins(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) pin = tok_secret_new_from_text("1234");
	g_autoptr(TokSecret) password = tok_secret_new_from_text("password");
	g_autoptr(TokSecret) empty = tok_secret_new(0);
	g_autoptr(TokSecret) huge = tok_secret_new(256);
	g_autoptr(GBytes) nonce = hex_bytes(NONCE_HEX);
	g_autoptr(GBytes) short_nonce = hex_bytes("01 02 03 04 05 06 07");

	check_apdu(tok_coolkey_apdu_verify_pin(0, pin, &error), "B0 42 00 00 04 31 32 33 34");
	/* SET PIN "1234", plain (before secure-channel wrapping) */
	check_apdu(tok_coolkey_apdu_set_pin(0, pin, &error), "84 04 00 00 04 31 32 33 34");
	/* the TPS's CREATE PIN 84 40 00 7F "password" */
	check_apdu(
	    tok_coolkey_apdu_create_pin(TOK_COOLKEY_CLA_SECURE, 0, 0x7F, password, NULL, &error),
	    "84 40 00 7F 08 70 61 73 73 77 6F 72 64");
	check_apdu(tok_coolkey_apdu_create_pin(TOK_COOLKEY_CLA_CLEAR, 1, 3, pin, nonce, &error),
		   "B0 40 01 03 0C 31 32 33 34 " NONCE_HEX);
	check_apdu(tok_coolkey_apdu_change_pin(0, pin, password, nonce, &error),
		   "B0 44 00 00 16 04 31 32 33 34 08 70 61 73 73 77 6F 72 64 " NONCE_HEX);
	check_apdu(tok_coolkey_apdu_change_pin(0, pin, password, NULL, &error),
		   "B0 44 00 00 0E 04 31 32 33 34 08 70 61 73 73 77 6F 72 64");
	check_apdu(tok_coolkey_apdu_logout(0, nonce, &error), "B0 61 00 00 08 " NONCE_HEX);
	check_apdu(tok_coolkey_apdu_logout(0, NULL, &error), "B0 61 00 00");
	g_assert_no_error(error);

	check_fails(tok_coolkey_apdu_verify_pin(8, pin, &error), &error, TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_verify_pin(0, empty, &error), &error, TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_verify_pin(0, huge, &error), &error, TOK_ERROR_TOO_LARGE);
	check_fails(tok_coolkey_apdu_set_pin(0, empty, &error), &error, TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_set_pin(9, pin, &error), &error, TOK_ERROR_INVALID_DATA);
	/* no nonce through the secure channel */
	check_fails(tok_coolkey_apdu_create_pin(TOK_COOLKEY_CLA_SECURE, 0, 3, pin, nonce, &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(
	    tok_coolkey_apdu_create_pin(TOK_COOLKEY_CLA_CLEAR, 0, 3, pin, short_nonce, &error),
	    &error,
	    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_create_pin(TOK_COOLKEY_CLA_CLEAR, 0, 0, pin, NULL, &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_create_pin(0x80, 0, 3, pin, NULL, &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_change_pin(0, empty, pin, NULL, &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_change_pin(0, pin, huge, NULL, &error),
		    &error,
		    TOK_ERROR_TOO_LARGE);
	check_fails(tok_coolkey_apdu_logout(16, NULL, &error), &error, TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_logout(0, short_nonce, &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	/* PIN + nonce beyond a short APDU */
	{
		g_autoptr(TokSecret) long_pin = tok_secret_new(250);
		check_fails(tok_coolkey_apdu_create_pin(TOK_COOLKEY_CLA_CLEAR,
							0,
							3,
							long_pin,
							nonce,
							&error),
			    &error,
			    TOK_ERROR_TOO_LARGE);
	}
}

static void
test_create_delete_object(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) zero_nonce = hex_bytes("00 00 00 00 00 00 00 00");
	TokCoolkeyObjectAcl acl = TOK_COOLKEY_OBJECT_ACL_PKCS11;
	TokCoolkeyObjectAcl ra = TOK_COOLKEY_OBJECT_ACL_RA_ONLY;

	/* the TPS's z0 */
	check_apdu(tok_coolkey_apdu_create_object(TOK_COOLKEY_CLA_SECURE,
						  TOK_COOLKEY_OBJECT_ID_COMBINED,
						  0x0567,
						  &acl,
						  NULL,
						  &error),
		   "84 5A 00 00 0E 7A 30 00 00 00 00 05 67 FF FF 40 00 40 00");
	check_apdu(tok_coolkey_apdu_create_object(TOK_COOLKEY_CLA_SECURE,
						  TOK_COOLKEY_OBJECT_ID_WRAPPED_KEY,
						  TOK_COOLKEY_MAX_OBJECT_SIZE,
						  &ra,
						  NULL,
						  &error),
		   "84 5A 00 00 0E FF 00 FF F3 00 00 7F FF 40 00 40 00 40 00");
	check_apdu(
	    tok_coolkey_apdu_create_object(TOK_COOLKEY_CLA_CLEAR,
					   TOK_COOLKEY_OBJECT_ID('c', '1'),
					   1,
					   &acl,
					   zero_nonce,
					   &error),
	    "B0 5A 00 00 16 63 31 00 00 00 00 00 01 FF FF 40 00 40 00 00 00 00 00 00 00 00 00");
	check_apdu(
	    tok_coolkey_apdu_delete_object(TOK_COOLKEY_CLA_SECURE, 0x7A300000, FALSE, NULL, &error),
	    "84 52 00 00 04 7A 30 00 00");
	check_apdu(tok_coolkey_apdu_delete_object(TOK_COOLKEY_CLA_CLEAR,
						  0x7A300000,
						  TRUE,
						  zero_nonce,
						  &error),
		   "B0 52 00 01 0C 7A 30 00 00 00 00 00 00 00 00 00 00");
	g_assert_no_error(error);

	check_fails(
	    tok_coolkey_apdu_create_object(TOK_COOLKEY_CLA_SECURE, 1, 0x8000, &acl, NULL, &error),
	    &error,
	    TOK_ERROR_TOO_LARGE);
	check_fails(
	    tok_coolkey_apdu_create_object(TOK_COOLKEY_CLA_SECURE, 1, 0, &acl, NULL, &error),
	    &error,
	    TOK_ERROR_INVALID_DATA);
	check_fails(
	    tok_coolkey_apdu_create_object(TOK_COOLKEY_CLA_SECURE, 1, 10, &acl, zero_nonce, &error),
	    &error,
	    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_delete_object(0x00, 1, FALSE, NULL, &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
}

static void
test_read_object(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) nonce = hex_bytes(NONCE_HEX);

	check_apdu(tok_coolkey_apdu_read_object(TOK_COOLKEY_CLA_SECURE,
						TOK_COOLKEY_OBJECT_ID_COMBINED,
						0x000000D0,
						0xD0,
						NULL,
						FALSE,
						&error),
		   "84 56 00 00 09 7A 30 00 00 00 00 00 D0 D0");
	/* the TPS's SCP01 variant with a trailing Le */
	check_apdu(tok_coolkey_apdu_read_object(TOK_COOLKEY_CLA_SECURE,
						TOK_COOLKEY_OBJECT_ID_IOBUF,
						0,
						0x12,
						NULL,
						TRUE,
						&error),
		   "84 56 00 00 09 FF FF FF FF 00 00 00 00 12 00");
	check_apdu(tok_coolkey_apdu_read_object(TOK_COOLKEY_CLA_CLEAR,
						TOK_COOLKEY_OBJECT_ID_COMBINED,
						0x01020304,
						1,
						nonce,
						FALSE,
						&error),
		   "B0 56 00 00 11 7A 30 00 00 01 02 03 04 01 " NONCE_HEX);
	g_assert_no_error(error);

	check_fails(
	    tok_coolkey_apdu_read_object(TOK_COOLKEY_CLA_SECURE, 1, 0, 0, NULL, FALSE, &error),
	    &error,
	    TOK_ERROR_INVALID_DATA);
	check_fails(
	    tok_coolkey_apdu_read_object(TOK_COOLKEY_CLA_SECURE, 1, 0, 0xD1, NULL, FALSE, &error),
	    &error,
	    TOK_ERROR_TOO_LARGE);
	check_fails(tok_coolkey_apdu_read_object(TOK_COOLKEY_CLA_SECURE,
						 1,
						 G_MAXUINT32,
						 2,
						 NULL,
						 FALSE,
						 &error),
		    &error,
		    TOK_ERROR_TOO_LARGE);
	check_fails(
	    tok_coolkey_apdu_read_object(TOK_COOLKEY_CLA_SECURE, 1, 0, 4, nonce, FALSE, &error),
	    &error,
	    TOK_ERROR_INVALID_DATA);
}

static void
test_read_object_plan(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) plan = NULL;
	g_autoptr(GPtrArray) empty = NULL;
	g_autoptr(GPtrArray) bad = NULL;
	const guint32 offsets[] = {0x10, 0xE0, 0x1B0};
	const guint lens[] = {0xD0, 0xD0, 0x05};

	plan = tok_coolkey_apdu_read_object_plan(TOK_COOLKEY_CLA_SECURE,
						 TOK_COOLKEY_OBJECT_ID_IOBUF,
						 0x10,
						 0x1A5,
						 NULL,
						 FALSE,
						 &error);
	g_assert_no_error(error);
	g_assert_cmpuint(plan->len, ==, 3);
	for (guint i = 0; i < plan->len; i++) {
		TokApdu *apdu = g_ptr_array_index(plan, i);
		GBytes *data = tok_apdu_get_data(apdu);
		guint32 id = 0, off = 0;
		guint8 len = 0;
		TokReader r;

		g_assert_cmphex(tok_apdu_get_cla(apdu), ==, 0x84);
		g_assert_cmphex(tok_apdu_get_ins(apdu), ==, 0x56);
		tok_reader_init_bytes(&r, data);
		g_assert_true(tok_reader_read_u32_be(&r, &id, &error));
		g_assert_true(tok_reader_read_u32_be(&r, &off, &error));
		g_assert_true(tok_reader_read_u8(&r, &len, &error));
		g_assert_true(tok_reader_expect_end(&r, &error));
		g_assert_cmphex(id, ==, 0xFFFFFFFF);
		g_assert_cmphex(off, ==, offsets[i]);
		g_assert_cmpuint(len, ==, lens[i]);
	}

	empty =
	    tok_coolkey_apdu_read_object_plan(TOK_COOLKEY_CLA_SECURE, 1, 0, 0, NULL, FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(empty->len, ==, 0);

	bad = tok_coolkey_apdu_read_object_plan(TOK_COOLKEY_CLA_SECURE,
						1,
						G_MAXUINT32 - 10,
						11,
						NULL,
						FALSE,
						&error);
	g_assert_null(bad);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
}

static void
test_write_object(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) small = hex_bytes("DE AD BE EF");
	g_autoptr(GBytes) data = filled_bytes(0x1A1, 0x40);
	g_autoptr(GBytes) too_big = filled_bytes(0xD1, 0);
	g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
	g_autoptr(GBytes) nonce = hex_bytes(NONCE_HEX);
	g_autoptr(GPtrArray) chunks = NULL;
	g_autoptr(GPtrArray) none = NULL;
	g_autoptr(GByteArray) joined = g_byte_array_new();

	check_apdu(tok_coolkey_apdu_write_object(TOK_COOLKEY_CLA_SECURE,
						 TOK_COOLKEY_OBJECT_ID_COMBINED,
						 0x000001A0,
						 small,
						 NULL,
						 &error),
		   "84 54 00 00 0D 7A 30 00 00 00 00 01 A0 04 DE AD BE EF");
	check_apdu(tok_coolkey_apdu_write_object(TOK_COOLKEY_CLA_CLEAR,
						 0x63310000,
						 0,
						 small,
						 nonce,
						 &error),
		   "B0 54 00 00 15 63 31 00 00 00 00 00 00 04 DE AD BE EF " NONCE_HEX);
	g_assert_no_error(error);

	chunks = tok_coolkey_apdu_write_object_chunks(TOK_COOLKEY_CLA_SECURE,
						      TOK_COOLKEY_OBJECT_ID_COMBINED,
						      0x20,
						      data,
						      NULL,
						      &error);
	g_assert_no_error(error);
	g_assert_cmpuint(chunks->len, ==, 3);
	for (guint i = 0; i < chunks->len; i++) {
		TokApdu *apdu = g_ptr_array_index(chunks, i);
		TokReader r;
		guint32 id = 0, off = 0;
		guint8 len = 0;
		const guint8 *view = NULL;

		g_assert_cmphex(tok_apdu_get_ins(apdu), ==, 0x54);
		tok_reader_init_bytes(&r, tok_apdu_get_data(apdu));
		g_assert_true(tok_reader_read_u32_be(&r, &id, &error));
		g_assert_true(tok_reader_read_u32_be(&r, &off, &error));
		g_assert_true(tok_reader_read_u8(&r, &len, &error));
		g_assert_cmphex(id, ==, 0x7A300000);
		g_assert_cmphex(off, ==, 0x20 + joined->len);
		g_assert_cmpuint(len, ==, i < 2 ? 0xD0 : 0x01);
		g_assert_true(tok_reader_read_view(&r, len, &view, &error));
		g_assert_true(tok_reader_expect_end(&r, &error));
		g_byte_array_append(joined, view, len);
	}
	g_assert_cmpmem(joined->data,
			joined->len,
			g_bytes_get_data(data, NULL),
			g_bytes_get_size(data));

	check_fails(
	    tok_coolkey_apdu_write_object(TOK_COOLKEY_CLA_SECURE, 1, 0, too_big, NULL, &error),
	    &error,
	    TOK_ERROR_TOO_LARGE);
	check_fails(
	    tok_coolkey_apdu_write_object(TOK_COOLKEY_CLA_SECURE, 1, 0, empty, NULL, &error),
	    &error,
	    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_write_object(TOK_COOLKEY_CLA_SECURE,
						  1,
						  G_MAXUINT32,
						  small,
						  NULL,
						  &error),
		    &error,
		    TOK_ERROR_TOO_LARGE);
	none =
	    tok_coolkey_apdu_write_object_chunks(TOK_COOLKEY_CLA_SECURE, 1, 0, empty, NULL, &error);
	g_assert_null(none);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	none = tok_coolkey_apdu_write_object_chunks(TOK_COOLKEY_CLA_SECURE,
						    1,
						    0,
						    small,
						    nonce,
						    &error);
	g_assert_null(none);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

static void
test_compute_crypt(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) input = hex_bytes("DE AD BE EF");
	g_autoptr(GBytes) sig = hex_bytes("51 52");
	g_autoptr(GBytes) nonce = hex_bytes(NONCE_HEX);

	check_apdu(tok_coolkey_apdu_compute_crypt(TOK_COOLKEY_CLA_CLEAR,
						  2,
						  TOK_COOLKEY_CRYPT_MODE_RSA_NO_PAD,
						  TOK_COOLKEY_CRYPT_DIR_DECRYPT,
						  TOK_COOLKEY_DATA_LOCATION_APDU,
						  input,
						  NULL,
						  nonce,
						  &error),
		   "B0 36 02 04 11 00 04 01 00 04 DE AD BE EF " NONCE_HEX);
	check_apdu(tok_coolkey_apdu_compute_crypt(TOK_COOLKEY_CLA_SECURE,
						  3,
						  TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1,
						  TOK_COOLKEY_CRYPT_DIR_VERIFY,
						  TOK_COOLKEY_DATA_LOCATION_APDU,
						  input,
						  sig,
						  NULL,
						  &error),
		   "84 36 03 04 0D 01 02 01 00 04 DE AD BE EF 00 02 51 52");
	/* data in the I/O object: an empty length */
	check_apdu(tok_coolkey_apdu_compute_crypt(TOK_COOLKEY_CLA_SECURE,
						  4,
						  TOK_COOLKEY_CRYPT_MODE_RSA_NO_PAD,
						  TOK_COOLKEY_CRYPT_DIR_SIGN,
						  TOK_COOLKEY_DATA_LOCATION_IOBUF,
						  NULL,
						  NULL,
						  NULL,
						  &error),
		   "84 36 04 04 05 00 01 02 00 00");
	g_assert_no_error(error);

	check_fails(tok_coolkey_apdu_compute_crypt(TOK_COOLKEY_CLA_SECURE,
						   2,
						   TOK_COOLKEY_CRYPT_MODE_RSA_NO_PAD,
						   TOK_COOLKEY_CRYPT_DIR_DECRYPT,
						   TOK_COOLKEY_DATA_LOCATION_APDU,
						   NULL,
						   NULL,
						   NULL,
						   &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_compute_crypt(TOK_COOLKEY_CLA_SECURE,
						   24,
						   TOK_COOLKEY_CRYPT_MODE_RSA_NO_PAD,
						   TOK_COOLKEY_CRYPT_DIR_DECRYPT,
						   TOK_COOLKEY_DATA_LOCATION_APDU,
						   input,
						   NULL,
						   NULL,
						   &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_compute_crypt(TOK_COOLKEY_CLA_SECURE,
						   2,
						   TOK_COOLKEY_CRYPT_MODE_RSA_NO_PAD,
						   TOK_COOLKEY_CRYPT_DIR_DECRYPT,
						   TOK_COOLKEY_DATA_LOCATION_APDU,
						   input,
						   sig,
						   NULL,
						   &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_compute_crypt(TOK_COOLKEY_CLA_SECURE,
						   2,
						   TOK_COOLKEY_CRYPT_MODE_RSA_NO_PAD,
						   0x05,
						   TOK_COOLKEY_DATA_LOCATION_APDU,
						   input,
						   NULL,
						   NULL,
						   &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_compute_crypt(TOK_COOLKEY_CLA_SECURE,
						   2,
						   TOK_COOLKEY_CRYPT_MODE_RSA_NO_PAD,
						   TOK_COOLKEY_CRYPT_DIR_DECRYPT,
						   0x03,
						   input,
						   NULL,
						   NULL,
						   &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	{
		g_autoptr(GBytes) big = filled_bytes(251, 0);
		check_fails(tok_coolkey_apdu_compute_crypt(TOK_COOLKEY_CLA_SECURE,
							   2,
							   TOK_COOLKEY_CRYPT_MODE_RSA_NO_PAD,
							   TOK_COOLKEY_CRYPT_DIR_DECRYPT,
							   TOK_COOLKEY_DATA_LOCATION_APDU,
							   big,
							   NULL,
							   NULL,
							   &error),
			    &error,
			    TOK_ERROR_TOO_LARGE);
	}
}

static void
test_ecc(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) digest = hex_bytes("01 02 03");
	g_autoptr(GBytes) point = hex_bytes("04 AA BB");
	g_autoptr(GBytes) nonce = hex_bytes(NONCE_HEX);

	check_apdu(tok_coolkey_apdu_ecc_sign(TOK_COOLKEY_CLA_CLEAR,
					     2,
					     TOK_COOLKEY_DATA_LOCATION_APDU,
					     digest,
					     nonce,
					     &error),
		   "B0 37 02 04 0E 01 00 03 01 02 03 " NONCE_HEX);
	check_apdu(tok_coolkey_apdu_ecc_key_agreement(TOK_COOLKEY_CLA_SECURE,
						      4,
						      TOK_COOLKEY_DATA_LOCATION_APDU,
						      point,
						      NULL,
						      &error),
		   "84 38 04 04 06 01 00 03 04 AA BB");
	g_assert_no_error(error);
	check_fails(tok_coolkey_apdu_ecc_sign(TOK_COOLKEY_CLA_CLEAR,
					      2,
					      TOK_COOLKEY_DATA_LOCATION_APDU,
					      NULL,
					      NULL,
					      &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_ecc_key_agreement(TOK_COOLKEY_CLA_CLEAR,
						       30,
						       TOK_COOLKEY_DATA_LOCATION_APDU,
						       point,
						       NULL,
						       &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_ecc_key_agreement(TOK_COOLKEY_CLA_SECURE,
						       4,
						       TOK_COOLKEY_DATA_LOCATION_APDU,
						       NULL,
						       NULL,
						       &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_apdu(tok_coolkey_apdu_ecc_sign(TOK_COOLKEY_CLA_SECURE,
					     4,
					     TOK_COOLKEY_DATA_LOCATION_IOBUF,
					     NULL,
					     NULL,
					     &error),
		   "84 37 04 04 03 02 00 00");
}

static void
test_import_key(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) nonce = hex_bytes(NONCE_HEX);
	g_autoptr(GBytes) wrapped = filled_bytes(16, 0x10);
	g_autoptr(GBytes) kcv = hex_bytes("AA BB CC");
	g_autoptr(GBytes) iv = filled_bytes(8, 0x80);
	g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
	g_autoptr(GBytes) huge = filled_bytes(256, 0);
	const TokCoolkeyKeyAcl key_acl = {TOK_COOLKEY_ACL_ANYONE,
					  TOK_COOLKEY_ACL_RA,
					  TOK_COOLKEY_ACL_ANYONE};
	const TokCoolkeyKeyAcl mate_acl = {TOK_COOLKEY_ACL_ANYONE,
					   TOK_COOLKEY_ACL_RA,
					   TOK_COOLKEY_ACL_USER};
	const TokCoolkeyKeyPair enc = {0, 4, 0, 5};

	check_apdu(tok_coolkey_apdu_import_key(TOK_COOLKEY_CLA_SECURE,
					       4,
					       5,
					       TOK_COOLKEY_OBJECT_ID_IOBUF_ALT,
					       &key_acl,
					       NULL,
					       NULL,
					       &error),
		   "84 32 04 05 0A FF FF FF FE FF FF 40 00 FF FF");
	check_apdu(tok_coolkey_apdu_import_key(TOK_COOLKEY_CLA_CLEAR,
					       4,
					       5,
					       TOK_COOLKEY_OBJECT_ID_IOBUF,
					       &key_acl,
					       &mate_acl,
					       nonce,
					       &error),
		   "B0 32 04 05 18 FF FF FF FF FF FF 40 00 FF FF FF FF 40 00 00 01 " NONCE_HEX);
	/* 4.6: objectID alg wrappedLen wrapped kcvLen kcv ivLen iv */
	check_apdu(
	    tok_coolkey_apdu_import_key_encrypted(&enc,
						  TOK_COOLKEY_OBJECT_ID_WRAPPED_KEY,
						  TOK_COOLKEY_WRAP_ALG_DES3_KCV,
						  wrapped,
						  kcv,
						  iv,
						  &error),
	    "84 0A 04 05 23 FF 00 FF F3 81 10 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F "
	    "03 AA BB CC 08 80 81 82 83 84 85 86 87");
	check_apdu(
	    tok_coolkey_apdu_import_key_encrypted(&enc,
						  TOK_COOLKEY_OBJECT_ID_WRAPPED_KEY,
						  TOK_COOLKEY_WRAP_ALG_DES3,
						  wrapped,
						  NULL,
						  iv,
						  &error),
	    "84 0A 04 05 20 FF 00 FF F3 80 10 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F "
	    "00 08 80 81 82 83 84 85 86 87");
	g_assert_no_error(error);

	check_fails(tok_coolkey_apdu_import_key(TOK_COOLKEY_CLA_SECURE,
						24,
						5,
						1,
						&key_acl,
						NULL,
						NULL,
						&error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_import_key_encrypted(&enc,
							  1,
							  TOK_COOLKEY_WRAP_ALG_DES3,
							  empty,
							  NULL,
							  iv,
							  &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_import_key_encrypted(&enc,
							  1,
							  TOK_COOLKEY_WRAP_ALG_DES3,
							  wrapped,
							  NULL,
							  empty,
							  &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_import_key_encrypted(&enc,
							  1,
							  TOK_COOLKEY_WRAP_ALG_DES3,
							  huge,
							  NULL,
							  iv,
							  &error),
		    &error,
		    TOK_ERROR_TOO_LARGE);
}

static void
test_generate_key(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) challenge = hex_bytes("00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF");
	g_autoptr(GBytes) short_challenge = filled_bytes(15, 0);
	g_autoptr(GBytes) kcv = hex_bytes("01 02 03");
	const TokCoolkeyKeyPair signing = {0, 2, 0, 3};
	const TokCoolkeyKeyPair encryption = {0, 4, 0, 5};
	const TokCoolkeyKeyPair anyone = {TOK_COOLKEY_KEY_OWNER_ANYONE, 6, 1, 7};
	const TokCoolkeyKeyPair same_slot = {0, 2, 0, 2};
	const TokCoolkeyKeyPair bad_owner = {8, 2, 0, 3};
	const TokCoolkeyKeyPair bad_slot = {0, 16, 0, 3};
	const TokCoolkeyKeyPair bad_usage = {0, 2, 16, 3};

	/* userKey signing and encryption keys, 1024 bits (4.5) */
	check_apdu(
	    tok_coolkey_apdu_generate_key_rsa(&signing, 1024, challenge, FALSE, &error),
	    "84 0C 02 03 17 80 04 00 00 00 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF 00");
	check_apdu(
	    tok_coolkey_apdu_generate_key_rsa(&encryption, 1024, challenge, FALSE, &error),
	    "84 0C 04 05 17 80 04 00 00 00 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF 00");
	check_apdu(tok_coolkey_apdu_generate_key_rsa(&encryption, 2048, challenge, TRUE, &error),
		   "84 0C 04 05 17 80 08 00 00 00 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE "
		   "FF 00 00");
	check_apdu(
	    tok_coolkey_apdu_generate_key_rsa(&anyone, 1024, challenge, FALSE, &error),
	    "84 0C F6 17 17 80 04 00 00 00 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF 00");
	check_apdu(
	    tok_coolkey_apdu_generate_key_ecc(&signing, 0x05, 256, challenge, NULL, FALSE, &error),
	    "84 0D 02 03 17 05 01 00 00 00 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF 00");
	check_apdu(
	    tok_coolkey_apdu_generate_key_ecc(&signing, 0x05, 256, challenge, kcv, TRUE, &error),
	    "84 0D 02 03 1A 05 01 00 00 00 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF 03 "
	    "01 02 03 00");
	g_assert_no_error(error);

	/* exactly 23 bytes */
	{
		g_autoptr(TokApdu) apdu =
		    tok_coolkey_apdu_generate_key_rsa(&signing, 1024, challenge, FALSE, &error);
		g_assert_cmpuint(g_bytes_get_size(tok_apdu_get_data(apdu)),
				 ==,
				 TOK_COOLKEY_GENERATE_KEY_DATA_SIZE);
	}

	check_fails(
	    tok_coolkey_apdu_generate_key_rsa(&signing, 1024, short_challenge, FALSE, &error),
	    &error,
	    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_generate_key_rsa(&same_slot, 1024, challenge, FALSE, &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_generate_key_rsa(&bad_owner, 1024, challenge, FALSE, &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_generate_key_rsa(&bad_slot, 1024, challenge, FALSE, &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_generate_key_rsa(&bad_usage, 1024, challenge, FALSE, &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_generate_key_rsa(&signing, 0, challenge, FALSE, &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_generate_key_rsa(&signing, 1023, challenge, FALSE, &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	{
		g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
		check_fails(tok_coolkey_apdu_generate_key_ecc(&signing,
							      0x05,
							      256,
							      empty,
							      NULL,
							      FALSE,
							      &error),
			    &error,
			    TOK_ERROR_INVALID_DATA);
	}
}

static void
test_key_slots_and_acl(void)
{
	g_autoptr(GError) error = NULL;
	const guint8 keys[] = {2, 3, 4, 5};
	const guint8 odd[] = {2, 3, 4};
	const guint8 out_of_range[] = {2, 24};
	const TokCoolkeyBuiltinAcl acl = {0x4000, 0x4000, 0x4000, 0x00};

	check_apdu(tok_coolkey_apdu_clear_key_slots(keys, sizeof(keys), &error),
		   "84 55 00 00 04 02 03 04 05");
	check_apdu(tok_coolkey_apdu_set_builtin_acl(&acl), "84 F8 00 00 07 40 00 40 00 40 00 00");
	g_assert_no_error(error);
	check_fails(tok_coolkey_apdu_clear_key_slots(odd, sizeof(odd), &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_clear_key_slots(keys, 0, &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_clear_key_slots(NULL, 2, &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
	check_fails(tok_coolkey_apdu_clear_key_slots(out_of_range, sizeof(out_of_range), &error),
		    &error,
		    TOK_ERROR_INVALID_DATA);
}

static void
test_object_ids(void)
{
	g_autoptr(GError) error = NULL;
	guint32 id = 0;
	guint idx = 0;
	const gchar *bad[] =
	    {"", "c", "c1x", "c 1", " 1", "c\x7f", "FFFFFFF", "FFFFFFFG", "7A30000000"};

	g_assert_cmphex(TOK_COOLKEY_OBJECT_ID('z', '0'), ==, 0x7A300000);
	g_assert_cmphex(TOK_COOLKEY_OBJECT_ID_COMBINED, ==, TOK_COOLKEY_OBJECT_ID('z', '0'));
	g_assert_true(tok_coolkey_object_id_from_string("c1", &id, &error));
	g_assert_cmphex(id, ==, 0x63310000);
	g_assert_true(tok_coolkey_object_id_from_string("k2", &id, &error));
	g_assert_cmphex(id, ==, 0x6B320000);
	g_assert_true(tok_coolkey_object_id_from_string("z0", &id, &error));
	g_assert_cmphex(id, ==, 0x7A300000);
	g_assert_true(tok_coolkey_object_id_from_string("FF00fff3", &id, &error));
	g_assert_cmphex(id, ==, 0xFF00FFF3);
	g_assert_no_error(error);

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_false(tok_coolkey_object_id_from_string(bad[i], &id, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
		g_clear_error(&error);
	}
	g_assert_false(tok_coolkey_object_id_from_string(NULL, &id, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);

	{
		g_autofree gchar *c1 = tok_coolkey_object_id_to_string(0x63310000);
		g_autofree gchar *z0 =
		    tok_coolkey_object_id_to_string(TOK_COOLKEY_OBJECT_ID_COMBINED);
		g_autofree gchar *io = tok_coolkey_object_id_to_string(TOK_COOLKEY_OBJECT_ID_IOBUF);
		g_autofree gchar *odd = tok_coolkey_object_id_to_string(0x63310001);
		g_autofree gchar *space = tok_coolkey_object_id_to_string(0x63200000);
		g_assert_cmpstr(c1, ==, "c1");
		g_assert_cmpstr(z0, ==, "z0");
		g_assert_cmpstr(io, ==, "FFFFFFFF");
		g_assert_cmpstr(odd, ==, "63310001");
		g_assert_cmpstr(space, ==, "63200000");
		/* both text forms read back */
		g_assert_true(tok_coolkey_object_id_from_string(odd, &id, &error));
		g_assert_cmphex(id, ==, 0x63310001);
	}

	g_assert_true(tok_coolkey_object_id_for_index('k', 3, &id, &error));
	g_assert_cmphex(id, ==, 0x6B330000);
	g_assert_true(tok_coolkey_object_id_get_index(id, &idx, &error));
	g_assert_cmpuint(idx, ==, 3);
	g_assert_no_error(error);
	g_assert_false(tok_coolkey_object_id_for_index('k', 10, &id, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_object_id_for_index('\0', 1, &id, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_object_id_get_index(TOK_COOLKEY_OBJECT_ID_IOBUF, &idx, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(
	    tok_coolkey_object_id_get_index(TOK_COOLKEY_OBJECT_ID('k', 'a'), &idx, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

static void
test_key_numbering(void)
{
	g_autoptr(GError) error = NULL;
	guint8 priv = 0, pub = 0, p1 = 0, p2 = 0;
	const TokCoolkeyKeyPair signing = {0, 2, 0, 3};

	/* c1 pairs with k2/k3, c2 with k4/k5; CKA_ID = N / 2 */
	g_assert_true(tok_coolkey_cert_key_numbers(1, &priv, &pub, &error));
	g_assert_cmpuint(priv, ==, 2);
	g_assert_cmpuint(pub, ==, 3);
	g_assert_true(tok_coolkey_cert_key_numbers(2, &priv, &pub, &error));
	g_assert_cmpuint(priv, ==, 4);
	g_assert_cmpuint(pub, ==, 5);
	g_assert_true(tok_coolkey_cert_key_numbers(4, &priv, &pub, &error));
	g_assert_cmpuint(pub, ==, 9);
	g_assert_no_error(error);
	g_assert_false(tok_coolkey_cert_key_numbers(5, &priv, &pub, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_cmpuint(tok_coolkey_key_cka_id(2), ==, 1);
	g_assert_cmpuint(tok_coolkey_key_cka_id(3), ==, 1);
	g_assert_cmpuint(tok_coolkey_key_cka_id(4), ==, 2);
	g_assert_cmpuint(tok_coolkey_key_cka_id(5), ==, 2);

	g_assert_true(tok_coolkey_key_pair_pack(&signing, &p1, &p2, &error));
	g_assert_cmphex(p1, ==, 0x02);
	g_assert_cmphex(p2, ==, 0x03);
	g_assert_cmphex(TOK_COOLKEY_ACL_FOR(TOK_COOLKEY_IDENTITY_RA), ==, TOK_COOLKEY_ACL_RA);
	g_assert_cmphex(TOK_COOLKEY_ACL_FOR(TOK_COOLKEY_IDENTITY_USER), ==, TOK_COOLKEY_ACL_USER);
}

static void
test_applet_version(void)
{
	g_autofree gchar *v = tok_coolkey_format_applet_version(1, 4, 0x58768072);
	g_autofree gchar *padded = tok_coolkey_format_applet_version(0, 0, 0x00010203);
	g_autofree gchar *hex = tok_coolkey_format_applet_version(1, 5, 0x558CDCFF);
	g_autofree gchar *big = tok_coolkey_format_applet_version(255, 10, 0);

	g_assert_cmpstr(v, ==, "1.4.58768072");
	g_assert_cmpstr(padded, ==, "0.0.00010203");
	g_assert_cmpstr(hex, ==, "1.5.558cdcff");
	g_assert_cmpstr(big, ==, "255.10.00000000");
}

/* --- parsers --------------------------------------------------------------------------- */

static void
test_parse_status(void)
{
	const guint8 data[] = {0x01,
			       0x01,
			       0x01,
			       0x04,
			       0x00,
			       0x00,
			       0x10,
			       0x00,
			       0x00,
			       0x00,
			       0x0A,
			       0xBC,
			       0x01,
			       0x04,
			       0x40,
			       0x01,
			       0xEE};
	TokCoolkeyStatus st = {0};
	g_autoptr(GError) error = NULL;

	g_assert_true(tok_coolkey_parse_status(data, 16, &st, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.protocol_major, ==, 1);
	g_assert_cmpuint(st.protocol_minor, ==, 1);
	g_assert_cmpuint(st.applet_major, ==, 1);
	g_assert_cmpuint(st.applet_minor, ==, 4);
	g_assert_cmphex(st.total_object_memory, ==, 0x1000);
	g_assert_cmphex(st.free_object_memory, ==, 0x0ABC);
	g_assert_cmpuint(st.pin_count, ==, 1);
	g_assert_cmpuint(st.key_count, ==, 4);
	g_assert_cmphex(st.logged_in_identities, ==, 0x4001);

	st.pin_count = 99;
	g_assert_false(tok_coolkey_parse_status(data, 15, &st, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_assert_cmpuint(st.pin_count, ==, 99); /* untouched on failure */
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_status(data, 17, &st, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_status(NULL, 16, &st, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
}

static void
test_parse_small(void)
{
	const guint8 build[] = {0x58, 0x76, 0x80, 0x72};
	const guint8 pins[] = {0x00, 0x03};
	const guint8 tries[] = {0x05};
	const guint8 acl_data[] = {0x40, 0x00, 0x40, 0x01, 0x40, 0x02, 0x01};
	const guint8 nonce_data[] = {1, 2, 3, 4, 5, 6, 7, 8};
	const guint8 gen[] = {0x01, 0x0A};
	const guint8 gen_zero[] = {0x00, 0x00};
	guint32 build_id = 0;
	guint16 mask = 0, result_len = 0;
	guint8 n = 0;
	TokCoolkeyBuiltinAcl acl = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) nonce = NULL;

	g_assert_true(tok_coolkey_parse_build_id(build, sizeof(build), &build_id, &error));
	g_assert_cmphex(build_id, ==, 0x58768072);
	g_assert_true(tok_coolkey_parse_pin_list(pins, sizeof(pins), &mask, &error));
	g_assert_cmphex(mask, ==, 0x0003);
	g_assert_true(tok_coolkey_parse_pin_tries(tries, sizeof(tries), &n, &error));
	g_assert_cmpuint(n, ==, 5);
	g_assert_true(tok_coolkey_parse_builtin_acl(acl_data, sizeof(acl_data), &acl, &error));
	g_assert_cmphex(acl.create_object_acl, ==, 0x4000);
	g_assert_cmphex(acl.create_key_acl, ==, 0x4001);
	g_assert_cmphex(acl.create_pin_acl, ==, 0x4002);
	g_assert_cmpuint(acl.enable_acl_change, ==, 1);
	nonce = tok_coolkey_parse_nonce(nonce_data, sizeof(nonce_data), &error);
	g_assert_true(tok_bytes_equal_data(nonce, nonce_data, sizeof(nonce_data)));
	g_assert_true(
	    tok_coolkey_parse_generate_key_response(gen, sizeof(gen), &result_len, &error));
	g_assert_cmpuint(result_len, ==, 0x010A);
	g_assert_no_error(error);

	g_assert_false(tok_coolkey_parse_build_id(build, 3, &build_id, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	g_assert_false(
	    tok_coolkey_parse_build_id(acl_data, 6, &build_id, &error)); /* GET BUILD ID + SW */
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_pin_list(pins, 1, &mask, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_pin_list(build, 3, &mask, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_pin_tries(tries, 0, &n, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_pin_tries(pins, 2, &n, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_builtin_acl(acl_data, 6, &acl, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_builtin_acl(nonce_data, 8, &acl, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	{
		g_autoptr(GBytes) bad = tok_coolkey_parse_nonce(nonce_data, 7, &error);
		g_assert_null(bad);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
		g_clear_error(&error);
	}
	g_assert_false(tok_coolkey_parse_generate_key_response(gen_zero, 2, &result_len, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_generate_key_response(gen, 1, &result_len, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
}

static void
test_parse_lifecycle(void)
{
	const guint8 one[] = {0x07};
	const guint8 four[] = {0x0F, 0x03, 0x01, 0x01};
	const guint8 no_pin[] = {0x07, 0x02, 0x01, 0x01};
	const guint8 bad_flags[] = {0x0F, 0x04, 0x01, 0x01};
	const guint8 five[] = {0x0F, 0x03, 0x01, 0x01, 0x00};
	TokCoolkeyLifecycle lc = {0};
	g_autoptr(GError) error = NULL;

	g_assert_true(tok_coolkey_parse_lifecycle(one, sizeof(one), &lc, &error));
	g_assert_cmphex(lc.state, ==, TOK_COOLKEY_LIFECYCLE_SELECTABLE);
	g_assert_false(lc.extended);
	g_assert_true(tok_coolkey_parse_lifecycle(four, sizeof(four), &lc, &error));
	g_assert_cmphex(lc.state, ==, TOK_COOLKEY_LIFECYCLE_PERSONALIZED);
	g_assert_true(lc.extended);
	g_assert_true(lc.pin_enabled);
	g_assert_true(lc.writable);
	g_assert_cmpuint(lc.protocol_major, ==, 1);
	g_assert_cmpuint(lc.protocol_minor, ==, 1);
	g_assert_true(tok_coolkey_parse_lifecycle(no_pin, sizeof(no_pin), &lc, &error));
	g_assert_false(lc.pin_enabled);
	g_assert_true(lc.writable);
	g_assert_no_error(error);

	g_assert_false(tok_coolkey_parse_lifecycle(bad_flags, sizeof(bad_flags), &lc, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_lifecycle(four, 2, &lc, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_lifecycle(four, 0, &lc, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_lifecycle(five, sizeof(five), &lc, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

static void
test_parse_list_entries(void)
{
	const guint8 obj[] = {0x7A,
			      0x30,
			      0x00,
			      0x00,
			      0x00,
			      0x00,
			      0x05,
			      0x67,
			      0xFF,
			      0xFF,
			      0x40,
			      0x00,
			      0x40,
			      0x00,
			      0x90};
	const guint8 key[] = {0x02, 0x03, 0x03, 0x04, 0x00, 0xFF, 0xFF, 0x40, 0x00, 0x00, 0x01};
	const guint8 lonely[] = {0x05, 0x01, 0xFF, 0x04, 0x00, 0xFF, 0xFF, 0x40, 0x00, 0xFF, 0xFF};
	const guint8 bad_number[] =
	    {0x18, 0x01, 0xFF, 0x04, 0x00, 0xFF, 0xFF, 0x40, 0x00, 0xFF, 0xFF};
	const guint8 bad_partner[] =
	    {0x02, 0x03, 0x18, 0x04, 0x00, 0xFF, 0xFF, 0x40, 0x00, 0xFF, 0xFF};
	const guint8 self_partner[] =
	    {0x02, 0x03, 0x02, 0x04, 0x00, 0xFF, 0xFF, 0x40, 0x00, 0xFF, 0xFF};
	TokCoolkeyObjectInfo oi = {0};
	TokCoolkeyKeyInfo ki = {0};
	g_autoptr(GError) error = NULL;

	g_assert_true(tok_coolkey_parse_object_entry(obj, 14, &oi, &error));
	g_assert_cmphex(oi.object_id, ==, TOK_COOLKEY_OBJECT_ID_COMBINED);
	g_assert_cmphex(oi.size, ==, 0x567);
	g_assert_cmphex(oi.acl.read_acl, ==, 0xFFFF);
	g_assert_cmphex(oi.acl.write_acl, ==, 0x4000);
	g_assert_cmphex(oi.acl.delete_acl, ==, 0x4000);
	g_assert_true(tok_coolkey_parse_key_entry(key, sizeof(key), &ki, &error));
	g_assert_cmpuint(ki.key_number, ==, 2);
	g_assert_cmpuint(ki.key_type, ==, TOK_COOLKEY_KEY_TYPE_RSA_PRIVATE_CRT);
	g_assert_cmpuint(ki.key_partner, ==, 3);
	g_assert_cmpuint(ki.key_size, ==, 1024);
	g_assert_cmphex(ki.acl.read_acl, ==, 0xFFFF);
	g_assert_cmphex(ki.acl.write_acl, ==, 0x4000);
	g_assert_cmphex(ki.acl.use_acl, ==, 0x0001);
	g_assert_true(tok_coolkey_parse_key_entry(lonely, sizeof(lonely), &ki, &error));
	g_assert_cmpuint(ki.key_partner, ==, TOK_COOLKEY_NO_PARTNER);
	g_assert_no_error(error);

	g_assert_false(tok_coolkey_parse_object_entry(obj, 13, &oi, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_object_entry(obj, 15, &oi, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_key_entry(key, 10, &ki, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_key_entry(obj, 12, &ki, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_key_entry(bad_number, sizeof(bad_number), &ki, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_parse_key_entry(bad_partner, sizeof(bad_partner), &ki, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(
	    tok_coolkey_parse_key_entry(self_partner, sizeof(self_partner), &ki, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

static void
parse_issuer_expect(const guint8 *buf, gsize len, const gchar *want, gint code)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = tok_coolkey_parse_issuer_info(buf, len, &error);
	if (want != NULL) {
		g_assert_no_error(error);
		g_assert_cmpstr(url, ==, want);
	} else {
		g_assert_null(url);
		g_assert_error(error, TOK_ERROR, code);
	}
}

static void
test_parse_issuer_info(void)
{
	guint8 buf[TOK_COOLKEY_ISSUER_INFO_SIZE + 1] = {0};
	const gchar *url = "http://example.com/tps/phoneHome";
	const gchar *utf8 = "http://example.com/caf\xc3\xa9";

	g_assert_cmpuint(strlen(url), <, sizeof(buf));
	for (gsize i = 0; url[i] != '\0'; i++)
		buf[i] = (guint8)url[i];
	parse_issuer_expect(buf, TOK_COOLKEY_ISSUER_INFO_SIZE, url, 0);
	/* bytes after the NUL are ignored */
	buf[200] = 0x01;
	parse_issuer_expect(buf, TOK_COOLKEY_ISSUER_INFO_SIZE, url, 0);
	/* wrong sizes */
	parse_issuer_expect(buf, TOK_COOLKEY_ISSUER_INFO_SIZE - 1, NULL, TOK_ERROR_TRUNCATED);
	parse_issuer_expect(buf, TOK_COOLKEY_ISSUER_INFO_SIZE + 1, NULL, TOK_ERROR_INVALID_DATA);
	parse_issuer_expect(NULL, TOK_COOLKEY_ISSUER_INFO_SIZE, NULL, TOK_ERROR_TRUNCATED);
	/* non-printable and non-UTF-8 text */
	buf[4] = 0x07;
	parse_issuer_expect(buf, TOK_COOLKEY_ISSUER_INFO_SIZE, NULL, TOK_ERROR_INVALID_DATA);
	buf[4] = 0xFF;
	parse_issuer_expect(buf, TOK_COOLKEY_ISSUER_INFO_SIZE, NULL, TOK_ERROR_INVALID_DATA);
	buf[4] = 0x7F;
	parse_issuer_expect(buf, TOK_COOLKEY_ISSUER_INFO_SIZE, NULL, TOK_ERROR_INVALID_DATA);
	/* printable UTF-8 is fine */
	for (gsize i = 0; i < sizeof(buf); i++)
		buf[i] = 0;
	for (gsize i = 0; utf8[i] != '\0'; i++)
		buf[i] = (guint8)utf8[i];
	parse_issuer_expect(buf, TOK_COOLKEY_ISSUER_INFO_SIZE, utf8, 0);
	/* a card without issuer info */
	for (gsize i = 0; i < sizeof(buf); i++)
		buf[i] = 0;
	parse_issuer_expect(buf, TOK_COOLKEY_ISSUER_INFO_SIZE, "", 0);
	/* no terminating NUL at all */
	for (gsize i = 0; i < sizeof(buf); i++)
		buf[i] = 'a';
	parse_issuer_expect(buf, TOK_COOLKEY_ISSUER_INFO_SIZE, NULL, TOK_ERROR_INVALID_DATA);
}

static void
test_parse_crypt_result(void)
{
	const guint8 ok[] = {0x00, 0x03, 0xAA, 0xBB, 0xCC};
	const guint8 empty[] = {0x00, 0x00};
	const guint8 past_end[] = {0x00, 0x04, 0xAA, 0xBB, 0xCC};
	const guint8 trailing[] = {0x00, 0x02, 0xAA, 0xBB, 0xCC};
	const guint8 huge_len[] = {0xFF, 0xFF, 0x00};
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) r = tok_coolkey_parse_crypt_result(ok, sizeof(ok), &error);
	g_autoptr(GBytes) e = tok_coolkey_parse_crypt_result(empty, sizeof(empty), &error);

	g_assert_no_error(error);
	g_assert_true(tok_bytes_equal_data(r, ok + 2, 3));
	g_assert_cmpuint(g_bytes_get_size(e), ==, 0);
	{
		g_autoptr(GBytes) bad =
		    tok_coolkey_parse_crypt_result(past_end, sizeof(past_end), &error);
		g_assert_null(bad);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
		g_clear_error(&error);
	}
	{
		g_autoptr(GBytes) bad =
		    tok_coolkey_parse_crypt_result(trailing, sizeof(trailing), &error);
		g_assert_null(bad);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
		g_clear_error(&error);
	}
	{
		g_autoptr(GBytes) bad =
		    tok_coolkey_parse_crypt_result(huge_len, sizeof(huge_len), &error);
		g_assert_null(bad);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
		g_clear_error(&error);
	}
	{
		g_autoptr(GBytes) bad = tok_coolkey_parse_crypt_result(ok, 1, &error);
		g_assert_null(bad);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
		g_clear_error(&error);
	}
	{
		g_autoptr(GBytes) bad = tok_coolkey_parse_crypt_result(NULL, 0, &error);
		g_assert_null(bad);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	}
}

static void
keygen_expect_error(const gchar *hex, gint code)
{
	g_autoptr(GBytes) input = hex_bytes(hex);
	g_autoptr(GError) error = NULL;
	g_autoptr(TokCoolkeyKeygenResult) res =
	    tok_coolkey_keygen_result_parse(g_bytes_get_data(input, NULL),
					    g_bytes_get_size(input),
					    &error);
	g_assert_null(res);
	g_assert_error(error, TOK_ERROR, code);
}

static void
test_parse_keygen_blobs(void)
{
	/* pubBlobLen=000F: 00 01 0400 0004 C1C2C3C4 0003 010001 ; sigLen=0002 5A5B */
	g_autoptr(GBytes) rsa =
	    hex_bytes("00 0F 00 01 04 00 00 04 C1 C2 C3 C4 00 03 01 00 01 00 02 5A 5B");
	g_autoptr(GBytes) ec = hex_bytes("00 09 00 0A 01 00 00 03 04 E1 E2 00 01 5C");
	g_autoptr(GBytes) challenge = hex_bytes("F0 F1");
	g_autoptr(GError) error = NULL;
	g_autoptr(TokCoolkeyKeygenResult) r = NULL;
	g_autoptr(TokCoolkeyKeygenResult) e = NULL;
	g_autoptr(TokCoolkeyKeygenResult) copy = NULL;
	g_autoptr(GBytes) proof = NULL;
	const guint8 blob[] = {0x00,
			       0x01,
			       0x04,
			       0x00,
			       0x00,
			       0x04,
			       0xC1,
			       0xC2,
			       0xC3,
			       0xC4,
			       0x00,
			       0x03,
			       0x01,
			       0x00,
			       0x01};
	const guint8 proof_want[] = {0x00,
				     0x01,
				     0x04,
				     0x00,
				     0x00,
				     0x04,
				     0xC1,
				     0xC2,
				     0xC3,
				     0xC4,
				     0x00,
				     0x03,
				     0x01,
				     0x00,
				     0x01,
				     0xF0,
				     0xF1};

	r = tok_coolkey_keygen_result_parse(g_bytes_get_data(rsa, NULL),
					    g_bytes_get_size(rsa),
					    &error);
	g_assert_no_error(error);
	g_assert_nonnull(r);
	g_assert_cmpint(r->type, ==, TOK_COOLKEY_KEY_BLOB_RSA_PUBLIC);
	g_assert_cmpuint(r->key_size, ==, 1024);
	g_assert_true(tok_bytes_equal_data(r->pub_blob, blob, sizeof(blob)));
	g_assert_true(tok_bytes_equal_data(r->modulus, blob + 6, 4));
	g_assert_true(tok_bytes_equal_data(r->exponent, blob + 12, 3));
	g_assert_null(r->ec_point);
	g_assert_true(tok_bytes_equal_data(r->signature, (const guint8 *)"\x5A\x5B", 2));
	proof = tok_coolkey_keygen_result_get_proof_data(r, challenge);
	g_assert_true(tok_bytes_equal_data(proof, proof_want, sizeof(proof_want)));

	copy = g_boxed_copy(TOK_TYPE_COOLKEY_KEYGEN_RESULT, r);
	g_assert_true(g_bytes_equal(copy->pub_blob, r->pub_blob));
	g_assert_true(g_bytes_equal(copy->signature, r->signature));

	e = tok_coolkey_keygen_result_parse(g_bytes_get_data(ec, NULL),
					    g_bytes_get_size(ec),
					    &error);
	g_assert_no_error(error);
	g_assert_cmpint(e->type, ==, TOK_COOLKEY_KEY_BLOB_EC_PUBLIC);
	g_assert_cmpuint(e->key_size, ==, 256);
	g_assert_true(tok_bytes_equal_data(e->ec_point, (const guint8 *)"\x04\xE1\xE2", 3));
	g_assert_null(e->modulus);
	g_assert_null(e->exponent);

	/* malformed */
	keygen_expect_error("", TOK_ERROR_TRUNCATED);
	keygen_expect_error("00", TOK_ERROR_TRUNCATED);
	keygen_expect_error("00 20 00 01 04 00 00 04 C1 C2 C3 C4 00 03 01 00 01 00 02 5A 5B",
			    TOK_ERROR_TRUNCATED);
	keygen_expect_error("00 00 00 02 5A 5B", TOK_ERROR_INVALID_DATA);
	/* modulus length past the blob, exponent length past the blob */
	keygen_expect_error("00 0F 00 01 04 00 00 0C C1 C2 C3 C4 00 03 01 00 01 00 02 5A 5B",
			    TOK_ERROR_TRUNCATED);
	keygen_expect_error("00 0F 00 01 04 00 00 04 C1 C2 C3 C4 00 04 01 00 01 00 02 5A 5B",
			    TOK_ERROR_TRUNCATED);
	/* bytes left over inside the blob, after the signature */
	keygen_expect_error("00 0F 00 01 04 00 00 04 C1 C2 C3 C4 00 02 01 00 01 00 02 5A 5B",
			    TOK_ERROR_INVALID_DATA);
	keygen_expect_error("00 0F 00 01 04 00 00 04 C1 C2 C3 C4 00 03 01 00 01 00 02 5A 5B 00",
			    TOK_ERROR_INVALID_DATA);
	/* signature length past the end, empty signature, empty modulus */
	keygen_expect_error("00 0F 00 01 04 00 00 04 C1 C2 C3 C4 00 03 01 00 01 00 03 5A 5B",
			    TOK_ERROR_TRUNCATED);
	keygen_expect_error("00 0F 00 01 04 00 00 04 C1 C2 C3 C4 00 03 01 00 01 00 00",
			    TOK_ERROR_INVALID_DATA);
	keygen_expect_error("00 0B 00 01 04 00 00 00 00 03 01 00 01 00 01 5A",
			    TOK_ERROR_INVALID_DATA);
	/* encrypted blob, unknown key type, key size 0 */
	keygen_expect_error("00 0F 01 01 04 00 00 04 C1 C2 C3 C4 00 03 01 00 01 00 02 5A 5B",
			    TOK_ERROR_INVALID_DATA);
	keygen_expect_error("00 0F 00 05 04 00 00 04 C1 C2 C3 C4 00 03 01 00 01 00 02 5A 5B",
			    TOK_ERROR_NOT_SUPPORTED);
	keygen_expect_error("00 0F 00 01 00 00 00 04 C1 C2 C3 C4 00 03 01 00 01 00 02 5A 5B",
			    TOK_ERROR_INVALID_DATA);
	/* EC blob: point past the end, empty point */
	keygen_expect_error("00 09 00 0A 01 00 00 04 04 E1 E2 00 01 5C", TOK_ERROR_TRUNCATED);
	keygen_expect_error("00 06 00 0A 01 00 00 00 00 01 5C", TOK_ERROR_INVALID_DATA);
}

/* What the applet does (4.5), with a real RSA key: the parsed blob must verify. */
static void
test_keygen_proof_rsa(void)
{
	EVP_PKEY *pkey = EVP_RSA_gen(1024);
	BIGNUM *n = NULL, *e = NULL;
	EVP_MD_CTX *ctx = NULL;
	guint8 mod[128], exp[8], sig[128];
	gint mod_len, exp_len;
	gsize sig_len = sizeof(sig);
	g_autoptr(GByteArray) blob = g_byte_array_new();
	g_autoptr(GByteArray) iobuf = g_byte_array_new();
	g_autoptr(GByteArray) signed_data = g_byte_array_new();
	g_autoptr(GBytes) challenge = filled_bytes(16, 0x30);
	g_autoptr(GBytes) proof = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(TokCoolkeyKeygenResult) res = NULL;

	g_assert_nonnull(pkey);
	g_assert_cmpint(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n), ==, 1);
	g_assert_cmpint(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e), ==, 1);
	mod_len = BN_bn2binpad(n, mod, sizeof(mod));
	exp_len = BN_bn2bin(e, exp);
	g_assert_cmpint(mod_len, ==, 128);
	g_assert_cmpint(exp_len, >, 0);

	tok_byte_array_append_u8(blob, 0x00);
	tok_byte_array_append_u8(blob, 0x01);
	tok_byte_array_append_u16_be(blob, 1024);
	tok_byte_array_append_u16_be(blob, (guint16)mod_len);
	g_byte_array_append(blob, mod, (guint)mod_len);
	tok_byte_array_append_u16_be(blob, (guint16)exp_len);
	g_byte_array_append(blob, exp, (guint)exp_len);

	g_byte_array_append(signed_data, blob->data, blob->len);
	tok_byte_array_append_bytes(signed_data, challenge);
	ctx = EVP_MD_CTX_new();
	g_assert_cmpint(EVP_DigestSignInit(ctx, NULL, EVP_sha1(), NULL, pkey), ==, 1);
	g_assert_cmpint(EVP_DigestSign(ctx, sig, &sig_len, signed_data->data, signed_data->len),
			==,
			1);
	EVP_MD_CTX_free(ctx);

	tok_byte_array_append_u16_be(iobuf, (guint16)blob->len);
	g_byte_array_append(iobuf, blob->data, blob->len);
	tok_byte_array_append_u16_be(iobuf, (guint16)sig_len);
	g_byte_array_append(iobuf, sig, (guint)sig_len);

	res = tok_coolkey_keygen_result_parse(iobuf->data, iobuf->len, &error);
	g_assert_no_error(error);
	g_assert_true(tok_bytes_equal_data(res->modulus, mod, (gsize)mod_len));
	g_assert_true(tok_bytes_equal_data(res->exponent, exp, (gsize)exp_len));
	g_assert_true(tok_bytes_equal_data(res->pub_blob, blob->data, blob->len));

	/* the proof verifies over get_proof_data(); a different challenge does not */
	proof = tok_coolkey_keygen_result_get_proof_data(res, challenge);
	ctx = EVP_MD_CTX_new();
	g_assert_cmpint(EVP_DigestVerifyInit(ctx, NULL, EVP_sha1(), NULL, pkey), ==, 1);
	g_assert_cmpint(EVP_DigestVerify(ctx,
					 g_bytes_get_data(res->signature, NULL),
					 g_bytes_get_size(res->signature),
					 g_bytes_get_data(proof, NULL),
					 g_bytes_get_size(proof)),
			==,
			1);
	EVP_MD_CTX_free(ctx);
	{
		g_autoptr(GBytes) other = filled_bytes(16, 0x31);
		g_autoptr(GBytes) wrong = tok_coolkey_keygen_result_get_proof_data(res, other);
		ctx = EVP_MD_CTX_new();
		g_assert_cmpint(EVP_DigestVerifyInit(ctx, NULL, EVP_sha1(), NULL, pkey), ==, 1);
		g_assert_cmpint(EVP_DigestVerify(ctx,
						 g_bytes_get_data(res->signature, NULL),
						 g_bytes_get_size(res->signature),
						 g_bytes_get_data(wrong, NULL),
						 g_bytes_get_size(wrong)),
				!=,
				1);
		EVP_MD_CTX_free(ctx);
	}
	BN_free(n);
	BN_free(e);
	EVP_PKEY_free(pkey);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/coolkey-apdu/encode/simple", test_simple_commands);
	g_test_add_func("/tok/coolkey-apdu/encode/random-seed-iobuf", test_random_seed_iobuf);
	g_test_add_func("/tok/coolkey-apdu/encode/issuer-info", test_issuer_info);
	g_test_add_func("/tok/coolkey-apdu/encode/pins", test_pins);
	g_test_add_func("/tok/coolkey-apdu/encode/create-delete-object", test_create_delete_object);
	g_test_add_func("/tok/coolkey-apdu/encode/read-object", test_read_object);
	g_test_add_func("/tok/coolkey-apdu/encode/read-object-plan", test_read_object_plan);
	g_test_add_func("/tok/coolkey-apdu/encode/write-object", test_write_object);
	g_test_add_func("/tok/coolkey-apdu/encode/compute-crypt", test_compute_crypt);
	g_test_add_func("/tok/coolkey-apdu/encode/ecc", test_ecc);
	g_test_add_func("/tok/coolkey-apdu/encode/import-key", test_import_key);
	g_test_add_func("/tok/coolkey-apdu/encode/generate-key", test_generate_key);
	g_test_add_func("/tok/coolkey-apdu/encode/key-slots-acl", test_key_slots_and_acl);
	g_test_add_func("/tok/coolkey-apdu/object-id", test_object_ids);
	g_test_add_func("/tok/coolkey-apdu/key-numbering", test_key_numbering);
	g_test_add_func("/tok/coolkey-apdu/applet-version", test_applet_version);
	g_test_add_func("/tok/coolkey-apdu/parse/status", test_parse_status);
	g_test_add_func("/tok/coolkey-apdu/parse/small", test_parse_small);
	g_test_add_func("/tok/coolkey-apdu/parse/lifecycle", test_parse_lifecycle);
	g_test_add_func("/tok/coolkey-apdu/parse/list-entries", test_parse_list_entries);
	g_test_add_func("/tok/coolkey-apdu/parse/issuer-info", test_parse_issuer_info);
	g_test_add_func("/tok/coolkey-apdu/parse/crypt-result", test_parse_crypt_result);
	g_test_add_func("/tok/coolkey-apdu/parse/keygen-blobs", test_parse_keygen_blobs);
	g_test_add_func("/tok/coolkey-apdu/parse/keygen-proof-rsa", test_keygen_proof_rsa);
	return g_test_run();
}
