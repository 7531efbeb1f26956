/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A scripted in-process card for the libesc-core unit tests: it answers each command APDU
 * (matched by its exact bytes) from a table, 6D00 for anything not in it, and can fail like a
 * pulled card after a number of commands. Also builds the answers of a typical enrolled
 * CoolKey card (CPLC, applet, issuer info, z0 with one certificate).
 */
#pragma once

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "esc-error.h"
#include "tok-apdu.h"
#include "tok-bytes.h"
#include "tok-coolkey-apdu.h"
#include "tok-coolkey-object.h"
#include "tok-cplc.h"
#include "tok-gp-apdu.h"
#include "tok-openssl-autoptr.h"
#include "tok-status-word.h"

#define ESC_TEST_CUID	    "40906145C76224192D2B"
#define ESC_TEST_MSN	    "01020304"
#define ESC_TEST_ISSUER_URL "http://tps.example.test:8080/tps/phoneHome"

typedef struct {
	GHashTable *answers; /* command hex -> GBytes answer (data || SW) */
	GPtrArray *sent;     /* command hex, in order */
	gint fail_after;     /* -1: never; else commands after this many fail CARD_REMOVED */
} EscTestScript;

static inline EscTestScript *
esc_test_script_new(void)
{
	EscTestScript *script = g_new0(EscTestScript, 1);

	script->answers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
	script->sent = g_ptr_array_new_with_free_func(g_free);
	script->fail_after = -1;
	return script;
}

static inline void
esc_test_script_free(EscTestScript *script)
{
	g_hash_table_unref(script->answers);
	g_ptr_array_unref(script->sent);
	g_free(script);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EscTestScript, esc_test_script_free)

static inline GBytes *
esc_test_script_transmit(GBytes *command, gpointer user_data, GError **error)
{
	EscTestScript *script = user_data;
	g_autofree gchar *hex = tok_hex_encode_bytes(command, TRUE);
	GBytes *answer;

	if (script->fail_after >= 0 && script->sent->len >= (guint)script->fail_after) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD_REMOVED, "the card was removed from reader “script”");
		return NULL;
	}
	g_ptr_array_add(script->sent, g_strdup(hex));
	answer = g_hash_table_lookup(script->answers, hex);
	if (answer == NULL)
		return g_bytes_new_static("\x6D\x00", 2);
	return g_bytes_ref(answer);
}

/* @command_hex (no spaces) → @answer_hex (data || SW) */
static inline void
esc_test_script_set_hex(EscTestScript *script, const gchar *command_hex, const gchar *answer_hex)
{
	g_autoptr(GError) error = NULL;
	GBytes *answer = tok_hex_decode(answer_hex, TOK_HEX_FLAG_ALLOW_SPACES, &error);

	g_assert_no_error(error);
	g_hash_table_insert(script->answers, g_strdup(command_hex), answer);
}

/* @apdu (short encoding) → @data || @sw; takes @apdu */
static inline void
esc_test_script_set(EscTestScript *script, TokApdu *apdu, GBytes *data, guint16 sw)
{
	g_autoptr(TokApdu) owned = apdu;
	g_autoptr(GBytes) raw = tok_apdu_encode(owned, TOK_APDU_ENCODING_SHORT, NULL);
	g_autoptr(GByteArray) answer = g_byte_array_new();

	g_assert_nonnull(raw);
	if (data != NULL)
		tok_byte_array_append_bytes(answer, data);
	tok_byte_array_append_u16_be(answer, sw);
	g_hash_table_insert(script->answers, tok_hex_encode_bytes(raw, TRUE), g_byte_array_free_to_bytes(g_steal_pointer(&answer)));
}

static inline void
esc_test_script_set_sw(EscTestScript *script, TokApdu *apdu, guint16 sw)
{
	esc_test_script_set(script, apdu, NULL, sw);
}

static inline gboolean
esc_test_script_was_sent_prefix(EscTestScript *script, const gchar *prefix)
{
	for (guint i = 0; i < script->sent->len; i++) {
		if (g_str_has_prefix(g_ptr_array_index(script->sent, i), prefix))
			return TRUE;
	}
	return FALSE;
}

/* A self-signed EC P-256 certificate with subject CN=@cn. */
static inline GBytes *
esc_test_make_certificate(const gchar *cn)
{
	g_autoptr(EVP_PKEY) key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	g_autoptr(X509) x509 = X509_new();
	X509_NAME *name = X509_get_subject_name(x509);
	unsigned char *der = NULL;
	GBytes *out;
	int len;

	g_assert_nonnull(key);
	X509_set_version(x509, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x509), 42);
	X509_time_adj_ex(X509_getm_notBefore(x509), 0, -60, NULL);
	X509_time_adj_ex(X509_getm_notAfter(x509), 1, 0, NULL);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x509, name);
	X509_set_pubkey(x509, key);
	g_assert_cmpint(X509_sign(x509, key, EVP_sha256()), >, 0);
	len = i2d_X509(x509, &der);
	g_assert_cmpint(len, >, 0);
	out = g_bytes_new(der, (gsize)len);
	OPENSSL_free(der);
	return out;
}

/* z0 holding one certificate c1 (label @label, value @cert_der), zlib-compressed. */
static inline GBytes *
esc_test_make_z0(GBytes *cert_der, const gchar *label)
{
	g_autoptr(TokCoolkeyObjectSet) set = tok_coolkey_object_set_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) cuid = tok_hex_decode(ESC_TEST_CUID, TOK_HEX_FLAG_NONE, NULL);
	TokCoolkeyCertificateSpec spec = {
	    .index = 1,
	    .label = label,
	    .certificate = cert_der,
	    .key_type = TOK_CKK_RSA,
	    .usage = TOK_COOLKEY_KEY_USAGE_SIGNING,
	};
	GBytes *out;

	g_assert_true(tok_coolkey_object_set_set_cuid(set, g_bytes_get_data(cuid, NULL), g_bytes_get_size(cuid), &error));
	g_assert_true(tok_coolkey_object_set_set_token_name(set, "Alice's token", &error));
	g_assert_true(tok_coolkey_object_set_add_certificate(set, &spec, &error));
	g_assert_no_error(error);
	out = tok_coolkey_object_set_encode(set, TOK_COOLKEY_COMPRESSION_ZLIB, &error);
	g_assert_no_error(error);
	return out;
}

/* The LIST OBJECTS entry of @object_id. */
static inline GBytes *
esc_test_object_entry(guint32 object_id, guint32 size, guint16 read_acl)
{
	g_autoptr(GByteArray) entry = g_byte_array_new();

	tok_byte_array_append_u32_be(entry, object_id);
	tok_byte_array_append_u32_be(entry, size);
	tok_byte_array_append_u16_be(entry, read_acl);
	tok_byte_array_append_u16_be(entry, TOK_COOLKEY_ACL_RA);
	tok_byte_array_append_u16_be(entry, TOK_COOLKEY_ACL_RA);
	return g_byte_array_free_to_bytes(g_steal_pointer(&entry));
}

/* READ OBJECT answers for @object (zero nonce, no Le, chunks of 0xD0 at most). */
static inline void
esc_test_script_set_object(EscTestScript *script, guint32 object_id, GBytes *object)
{
	static const guint8 zero[TOK_COOLKEY_NONCE_SIZE] = {0};
	g_autoptr(GBytes) nonce = g_bytes_new_static(zero, sizeof(zero));
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) plan = tok_coolkey_apdu_read_object_plan(TOK_COOLKEY_CLA_CLEAR, object_id, 0, (guint32)g_bytes_get_size(object),
								      nonce, FALSE, &error);
	gsize offset = 0;

	g_assert_no_error(error);
	for (guint i = 0; i < plan->len; i++) {
		TokApdu *apdu = g_ptr_array_index(plan, i);
		gsize n = ((const guint8 *)g_bytes_get_data(tok_apdu_get_data(apdu), NULL))[8];
		g_autoptr(GBytes) chunk = g_bytes_new_from_bytes(object, offset, n);

		esc_test_script_set(script, tok_apdu_ref(apdu), chunk, TOK_SW_OK);
		offset += n;
	}
}


/* Everything an enrolled card answers: CPLC, applet status 1.1/1.4, life cycle 0F,
 * issuer info ESC_TEST_ISSUER_URL, z0 with @cert_der as c1 labelled "Signing cert". */
static inline void
esc_test_script_enrolled(EscTestScript *script, GBytes *cert_der, GBytes **z0_out)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) cuid = tok_hex_decode(ESC_TEST_CUID, TOK_HEX_FLAG_NONE, NULL);
	g_autoptr(GBytes) msn = tok_hex_decode(ESC_TEST_MSN, TOK_HEX_FLAG_NONE, NULL);
	g_autoptr(TokCplc) cplc = tok_cplc_new_from_cuid(g_bytes_get_data(cuid, NULL), 10, g_bytes_get_data(msn, NULL), 4, &error);
	g_autoptr(GBytes) cplc_raw = tok_cplc_encode(cplc, FALSE);
	g_autoptr(GBytes) status = tok_hex_decode("0101010400001000000008000100 0000", TOK_HEX_FLAG_ALLOW_SPACES, NULL);
	g_autoptr(GBytes) lifecycle = tok_hex_decode("0F010101", TOK_HEX_FLAG_NONE, NULL);
	g_autoptr(GByteArray) issuer = g_byte_array_new();
	g_autoptr(GBytes) issuer_bytes = NULL;
	g_autoptr(GBytes) z0 = esc_test_make_z0(cert_der, "Signing cert");
	g_autoptr(GBytes) entry = esc_test_object_entry(TOK_COOLKEY_OBJECT_ID_Z0, (guint32)g_bytes_get_size(z0), TOK_COOLKEY_ACL_ANYONE);

	g_assert_no_error(error);
	g_byte_array_append(issuer, (const guint8 *)ESC_TEST_ISSUER_URL, strlen(ESC_TEST_ISSUER_URL));
	g_byte_array_set_size(issuer, TOK_COOLKEY_ISSUER_INFO_SIZE);
	for (guint i = strlen(ESC_TEST_ISSUER_URL); i < TOK_COOLKEY_ISSUER_INFO_SIZE; i++)
		issuer->data[i] = 0;
	issuer_bytes = g_byte_array_free_to_bytes(g_steal_pointer(&issuer));
	esc_test_script_set(script,
			    tok_gp_apdu_select(tok_gp_isd_aids[0]->bytes, tok_gp_isd_aids[0]->len, TRUE, NULL),
			    NULL,
			    TOK_SW_OK);
	esc_test_script_set(script, tok_gp_apdu_get_data(TOK_GP_TAG_CPLC, TOK_GP_GET_DATA_LE), cplc_raw, TOK_SW_OK);
	esc_test_script_set(script, tok_coolkey_apdu_select(), NULL, TOK_SW_OK);
	esc_test_script_set(script, tok_coolkey_apdu_get_status(TOK_COOLKEY_STATUS_GENERAL), status, TOK_SW_OK);
	esc_test_script_set(script, tok_coolkey_apdu_get_lifecycle(TRUE), lifecycle, TOK_SW_OK);
	esc_test_script_set(script, tok_coolkey_apdu_get_issuer_info(), issuer_bytes, TOK_SW_OK);
	esc_test_script_set(script, tok_coolkey_apdu_list_objects(TOK_COOLKEY_LIST_FIRST), entry, TOK_SW_OK);
	esc_test_script_set_sw(script, tok_coolkey_apdu_list_objects(TOK_COOLKEY_LIST_NEXT), 0x9C12);
	esc_test_script_set_object(script, TOK_COOLKEY_OBJECT_ID_Z0, z0);
	if (z0_out != NULL)
		*z0_out = g_bytes_ref(z0);
}
