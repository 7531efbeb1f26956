/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The TPS over the real path: a private pcscd + vpcd with esc-vcard cards (tests/harness),
 * tpsd on loopback HTTPS on its embedded defaults in a fresh state directory, and
 * TpsTestRelay as the client (ESC's messages, APDUs relayed with SCardTransmit).
 *
 *  - FORMAT, ENROLL and PIN RESET for SCP01, SCP02 and SCP03 cards; after ENROLL, OpenSC's
 *    pkcs11-tool lists both certificates, logs in with the new PIN and signs with the signing
 *    key (the signature verifies with the certificate); after PIN RESET only the new PIN works;
 *  - a forged proof of possession (the key generation result altered on its way) is refused;
 *  - ENROLL with tokenType=userKeyEC makes EC P-256 keys on the card (and a forged EC result
 *    is refused);
 *  - a card with other keys (bad card cryptogram) is refused;
 *  - a wrong password is refused;
 *  - a client that disconnects mid-ENROLL leaves a consistent token record, and a retry works;
 *  - malformed and oversized messages end with END_OP or a close, and tpsd keeps serving.
 *
 * The message sequences are compared with those of protocol.md 1.10 (the Java TPS's, read
 * from its source): each expected line must appear in the transcript, in order (APDUs by
 * their header, data left out; see tps-test-relay.h for the transcript format).
 *
 * tpsd is found through $TPS_TEST_TPSD; every test skips while it is not built, or when the
 * PC/SC harness cannot run (not root, pcscd or vpcd missing).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <signal.h>
#include <string.h>

#include "pcsc-ca.h"
#include "th-card.h"
#include "th-pcsc.h"
#include "th-pkcs11.h"
#include "th-tpsd.h"
#include "th-util.h"
#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-crypto.h"
#include "tok-gp-keys.h"
#include "tok-secret.h"
#include "tps-test-relay.h"
#include "tps-token-db-sqlite.h"
#include "tps-token-db.h"
#include "tps-token-record.h"

#define PKCS11_TIMEOUT_MS    120000
#define TEST_ATR	     "3B80800101" /* esc-vcard's default */
#define FIRST_PIN	     "123456"
#define SECOND_PIN	     "654321"
#define DB_WAIT_S	     20

/* The config tpsd runs with: embedded defaults, except that the default policy allows PIN
 * reset. */
#define TPSD_CONFIG                                                                                \
	"[tokendb]\n"                                                                              \
	"default-policy=RE_ENROLL=YES;RENEW=NO;FORCE_FORMAT=NO;PIN_RESET=YES;RESET_PIN_RESET_TO_NO=NO\n"

typedef struct {
	ThPcsc *pcsc; /* NULL when skipped */
	gchar *state_dir;
	ThTpsd *tpsd;
} Fixture;

/* ---- tpsd ----------------------------------------------------------------------------- */

static void
assert_tpsd_alive(Fixture *f)
{
	g_assert_true(th_tpsd_is_alive(f->tpsd));
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	const gchar *tpsd = g_getenv("TPS_TEST_TPSD");
	g_autoptr(GError) error = NULL;

	if (tpsd == NULL || !g_file_test(tpsd, G_FILE_TEST_IS_EXECUTABLE)) {
		g_test_skip("tpsd is not built ($TPS_TEST_TPSD)");
		return;
	}
	if (!g_tls_backend_supports_tls(g_tls_backend_get_default())) {
		g_test_skip("no GIO TLS backend (glib-networking)");
		return;
	}
	if (!th_pcsc_check_available(&error)) {
		g_test_skip(error->message);
		return;
	}
	if (th_pcsc_card_program() == NULL) {
		g_test_skip("esc-vcard not found ($TH_ESC_VCARD)");
		return;
	}
	f->state_dir = g_dir_make_tmp("tps-ops-XXXXXX", &error);
	g_assert_no_error(error);
	/* no applet images copied: tpsd seeds STATE/applets on first start */
	f->tpsd = th_tpsd_start(tpsd, f->state_dir, TPSD_CONFIG, &error);
	if (f->tpsd == NULL) {
		g_test_message("%s", error->message);
		g_test_fail();
		return;
	}
	f->pcsc = th_pcsc_new(NULL, &error);
	if (f->pcsc == NULL) {
		g_test_message("cannot start pcscd: %s", error->message);
		g_test_fail();
	}
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	g_clear_pointer(&f->pcsc, th_pcsc_free);
	if (f->tpsd != NULL && !th_tpsd_stop(f->tpsd, &error))
		g_test_message("%s", error->message);
	g_clear_pointer(&f->tpsd, th_tpsd_free);
	if (f->state_dir != NULL && g_getenv("TPS_TEST_KEEP") == NULL)
		th_rm_rf(f->state_dir);
	g_free(f->state_dir);
}

/* ---- helpers -------------------------------------------------------------------------- */

static gchar *
random_cuid(void)
{
	guint8 cuid[10];

	g_assert_cmpint(RAND_bytes(cuid, sizeof(cuid)), ==, 1);
	return tok_hex_encode(cuid, sizeof(cuid), TRUE);
}

/* A relay for the demo user on a card in @slot (connected for the relay's life). */
static TpsTestRelay *
new_relay(Fixture *f, ThCard *card)
{
	TpsTestRelay *relay = tps_test_relay_new("127.0.0.1", th_tpsd_get_port(f->tpsd), th_tpsd_get_trust_file(f->tpsd));

	tps_test_relay_set_card(relay, card);
	tps_test_relay_set_token_atr(relay, TEST_ATR);
	tps_test_relay_set_credentials(relay, "demo", th_tpsd_get_password(f->tpsd));
	tps_test_relay_set_timeout(relay, 300);
	return relay;
}

/* Runs @op on the card in @slot: the relay's result; asserts the run itself worked. */
static void
run_op(Fixture *f,
       guint slot,
       TokTpsOperation op,
       TpsTestRelay *relay,
       TpsTestRelayResult *result)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ThCard) card = th_card_connect_slot(f->pcsc, slot, &error);
	g_autofree gchar *text = NULL;

	g_assert_no_error(error);
	tps_test_relay_set_card(relay, card);
	if (!tps_test_relay_run(relay, op, result, &error)) {
		g_autofree gchar *out = th_tpsd_get_output(f->tpsd);
		g_autofree gchar *t = tps_test_relay_get_transcript_text(relay);
		g_test_message("relay failed: %s\ntranscript:\n%s\ntpsd:\n%s", error->message, t, out);
	}
	g_assert_no_error(error);
	tps_test_relay_set_card(relay, NULL);
	text = tps_test_relay_get_transcript_text(relay);
	if (result->dropped)
		g_test_message("%s: dropped by the relay after %u APDUs\n%s", tok_tps_operation_to_string(op), result->n_pdus, text);
	else
		g_test_message("%s: END_OP result %u status %d (%s), %u APDUs\n%s",
			       tok_tps_operation_to_string(op),
			       result->result,
			       result->status,
			       tok_tps_status_to_string(result->status),
			       result->n_pdus,
			       text);
}

static void
assert_success(Fixture *f, TokTpsOperation op, const TpsTestRelayResult *result)
{
	if (result->result != 0 || result->status != TOK_TPS_STATUS_NO_ERROR) {
		g_autofree gchar *out = th_tpsd_get_output(f->tpsd);
		g_test_message("tpsd:\n%s", out);
	}
	g_assert_true(result->got_end_op);
	g_assert_true(result->clean_end);
	g_assert_cmpint(result->operation, ==, op);
	g_assert_cmpuint(result->result, ==, 0);
	g_assert_cmpint(result->status, ==, TOK_TPS_STATUS_NO_ERROR);
}

static void
assert_failure(const TpsTestRelayResult *result, TokTpsOperation op, TokTpsStatus status)
{
	g_assert_true(result->got_end_op);
	g_assert_true(result->clean_end);
	g_assert_cmpint(result->operation, ==, op);
	g_assert_cmpuint(result->result, ==, 1);
	g_assert_cmpint(result->status, ==, status);
}

/* ---- the token database (read beside tpsd: SQLite in WAL mode) ------------------------ */

static TpsTokenDb *
open_db(Fixture *f)
{
	g_autofree gchar *path = g_build_filename(f->state_dir, "tokendb.sqlite", NULL);
	g_autoptr(GError) error = NULL;
	TpsTokenDb *db = tps_token_db_sqlite_new(path, &error);

	g_assert_no_error(error);
	return db;
}

/* Waits until the activity log has @n entries for @cuid (the session's last write). */
static void
wait_activity(TpsTokenDb *db, const gchar *cuid, guint n)
{
	gint64 end = g_get_monotonic_time() + DB_WAIT_S * G_TIME_SPAN_SECOND;

	for (;;) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) acts = tps_token_db_list_activity(db, cuid, 100, &error);

		g_assert_no_error(error);
		if (acts->len >= n)
			return;
		g_assert_cmpint(g_get_monotonic_time(), <, end);
		g_usleep(G_USEC_PER_SEC / 10);
	}
}

static void
log_activity(TpsTokenDb *db, const gchar *cuid)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) acts = tps_token_db_list_activity(db, cuid, 100, &error);

	g_assert_no_error(error);
	for (guint i = 0; i < acts->len; i++) {
		TpsActivity *a = g_ptr_array_index(acts, i);
		g_test_message("activity: %s %s %s: %s", a->operation, a->result, a->user_id != NULL ? a->user_id : "-",
			       a->message != NULL ? a->message : "");
	}
}

/* The record of @cuid: @status, owned by @user (NULL: nobody), with @n_certs active certificates. */
static void
assert_token(TpsTokenDb *db, const gchar *cuid, TpsTokenStatus status, const gchar *user, guint n_certs)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTokenRecord) rec = tps_token_db_get_token(db, cuid, &error);
	g_autoptr(GPtrArray) certs = NULL;
	guint active = 0;

	g_assert_no_error(error);
	g_assert_cmpint(rec->status, ==, status);
	g_assert_cmpstr(rec->user_id, ==, user);
	certs = tps_token_db_list_certs(db, cuid, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < certs->len; i++) {
		TpsCertRecord *c = g_ptr_array_index(certs, i);
		if (g_strcmp0(c->status, "active") == 0)
			active++;
	}
	g_assert_cmpuint(active, ==, n_certs);
}

/* ---- pkcs11-tool ---------------------------------------------------------------------- */

static guint
count_substrings(const gchar *text, const gchar *needle)
{
	guint n = 0;

	for (const gchar *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Signs with the key of ID 01 (the signing key, c1/k2) after logging in with @pin: TRUE when
 * pkcs11-tool succeeded, and then the signature verifies with the signing certificate. */
static gboolean
sign_and_verify(Fixture *f, const gchar *pin)
{
	g_autofree gchar *cert_path = g_build_filename(th_pcsc_get_dir(f->pcsc), "signing.der", NULL);
	g_autoptr(GBytes) message = g_bytes_new_static("the TPS enrolled this key", 25);
	g_autoptr(GBytes) digest_info = pcsc_sha256_digest_info(message);
	g_autoptr(GBytes) signature = NULL;
	g_autoptr(GBytes) der = NULL;
	g_autoptr(X509) cert = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *cert_data = NULL;
	gsize cert_len = 0;

	if (!th_pkcs11_sign(f->pcsc, PKCS11_TIMEOUT_MS, pin, digest_info, &signature))
		return FALSE;
	g_assert_cmpint(th_pkcs11_tool(f->pcsc, PKCS11_TIMEOUT_MS, NULL, "--read-object", "--type", "cert", "--id", "01", "--output-file", cert_path, NULL), ==, 0);
	g_assert_true(g_file_get_contents(cert_path, &cert_data, &cert_len, NULL));
	der = g_bytes_new(cert_data, cert_len);
	cert = pcsc_x509_from_der(der, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(signature), ==, (gsize)EVP_PKEY_get_size(X509_get0_pubkey(cert)));
	g_assert_true(pcsc_verify_rsa(X509_get0_pubkey(cert), "SHA256", message, signature, &error));
	g_assert_no_error(error);
	return TRUE;
}

/* Both certificates and their keys, as the userKey profile makes them (protocol.md 6.3). */
static void
check_enrolled_card(Fixture *f, const gchar *pin)
{
	g_autofree gchar *certs = NULL;
	g_autofree gchar *all = NULL;

	g_assert_cmpint(th_pkcs11_tool(f->pcsc, PKCS11_TIMEOUT_MS, &certs, "--list-objects", "--type", "cert", NULL), ==, 0);
	g_test_message("certificates:\n%s", certs);
	g_assert_cmpuint(count_substrings(certs, "Certificate Object"), ==, 2);
	g_assert_nonnull(strstr(certs, "ID:         01"));
	g_assert_nonnull(strstr(certs, "ID:         02"));
	g_assert_nonnull(strstr(certs, "demo"));
	g_assert_cmpint(th_pkcs11_tool(f->pcsc, PKCS11_TIMEOUT_MS, &all, "--login", "--pin", pin, "--list-objects", "--type", "privkey", NULL), ==, 0);
	g_assert_cmpuint(count_substrings(all, "Private Key Object; RSA"), ==, 2);
	g_assert_true(sign_and_verify(f, pin));
}

/* ---- expected sequences (protocol.md 1.10) -------------------------------------------- */

/* 1.10.2 FORMAT with LOGIN and statusUpdate=true */
static const gchar *const format_sequence[] = {
    "C> msg_type=2&operation=5&extensions=tokenType%3DuserKey%26clientVersion%3DESC+1%2E0%2E1%26"
    "tokenATR%3D3B80800101%26statusUpdate%3Dtrue%26",
    "S> PDU 00A40400", /* getAppletInfo: SELECT default */
    "S> PDU 00A40400", /* SELECT ISD */
    "S> PDU 80CA9F7F", /* GET DATA CPLC */
    "S> PDU 00A40400", /* SELECT CoolKey */
    "S> PDU B03C0000", /* GET STATUS */
    "S> msg_type=3&invalid_pw=0&blocked=0",
    "C> msg_type=4&screen_name=(redacted)&password=(redacted)",
    "S> PDU 80500000", /* INITIALIZE UPDATE, key version 0 */
    "S> PDU 84820300", /* EXTERNAL AUTHENTICATE, C-MAC + C-DEC */
    "S> PDU 84F40000", /* SET ISSUER INFO */
    "S> msg_type=14&current_state=100&next_task_name=PROGRESS_DONE",
    "C> msg_type=15&current_state=100",
    "S> msg_type=13&operation=5&result=0&message=0",
    NULL,
};

/* 1.10.3 ENROLL with EXTENDED_LOGIN and statusUpdate=true */
static const gchar *const enroll_sequence[] = {
    "C> msg_type=2&operation=1&extensions=tokenType%3DuserKey%26clientVersion%3DESC+1%2E0%2E1%26"
    "tokenATR%3D3B80800101%26statusUpdate%3Dtrue%26extendedLoginRequest%3Dtrue%26",
    "S> PDU 80CA9F7F",
    "S> msg_type=16&invalid_pw=0&blocked=0&title=*",
    "C> msg_type=17&UID=(redacted)&PASSWORD=(redacted)",
    "S> PDU 80500000",
    "S> PDU 84820300",
    "S> msg_type=11&minimum_length=4&maximum_length=10",
    "C> msg_type=12&new_pin=(redacted)",
    "S> PDU 8440007F", /* CREATE PIN */
    "S> PDU 84040000", /* SET PIN */
    "S> msg_type=14&current_state=10&next_task_name=PROGRESS_PROCESS_PROFILE",
    "C> msg_type=15&current_state=10",
    "S> PDU 840C0203", /* GENERATE KEY signing k2/k3 */
    "S> PDU 840C0405", /* GENERATE KEY encryption k4/k5 */
    "S> msg_type=14&current_state=92&next_task_name=PROGRESS_WRITE_OBJECTS",
    "S> PDU 845A0000", /* CREATE OBJECT z0 */
    "S> PDU 84540000", /* WRITE OBJECT */
    "S> msg_type=14&current_state=98&next_task_name=PROGRESS_ISSUER_INFO",
    "S> PDU 84F40000", /* SET ISSUER INFO */
    "S> msg_type=14&current_state=99&next_task_name=PROGRESS_SET_LIFECYCLE",
    "S> PDU 84F00F00", /* SET LIFECYCLE personalized */
    "S> msg_type=14&current_state=100&next_task_name=PROGRESS_DONE_ENROLLMENT",
    "S> msg_type=13&operation=1&result=0&message=0",
    NULL,
};

/* 1.10.4 PIN RESET with LOGIN and statusUpdate=true (ESC sends no tokenType) */
static const gchar *const pin_reset_sequence[] = {
    "C> msg_type=2&operation=3&extensions=clientVersion%3DESC+1%2E0%2E1%26tokenATR%3D3B80800101%26"
    "statusUpdate%3Dtrue%26",
    "S> msg_type=14&current_state=10&next_task_name=PROGRESS_START_PIN_RESET",
    "C> msg_type=15&current_state=10",
    "S> PDU 80CA9F7F",
    "S> msg_type=14&current_state=15&next_task_name=PROGRESS_PIN_RESET_RESOLVE_PROFILE",
    "C> msg_type=15&current_state=15",
    "S> msg_type=3&invalid_pw=0&blocked=0",
    "C> msg_type=4&screen_name=(redacted)&password=(redacted)",
    "S> PDU 80500000",
    "S> PDU 84820300",
    "S> msg_type=11&minimum_length=4&maximum_length=10",
    "C> msg_type=12&new_pin=(redacted)",
    "S> PDU 84040000", /* SET PIN */
    "S> msg_type=14&current_state=100&next_task_name=PROGRESS_PIN_RESET_COMPLETE",
    "C> msg_type=15&current_state=100",
    "S> msg_type=13&operation=3&result=0&message=0",
    NULL,
};

/* ---- FORMAT, ENROLL, PIN RESET -------------------------------------------------------- */

/* The SCP03 card keys a Dogtag-style TKS expects for its developer key set: the DES3
 * developer key 40..4F diversified with EMV over the KDD (esc-vcard's KDD is its CUID), used
 * as AES-128 keys (the TKS's prot3.diversVer1Keys=emv default; protocol.md 3.4, 3.7). As hex
 * ENC || MAC || DEK for esc-vcard --keys. */
static gchar *
scp03_developer_card_keys(const gchar *cuid_hex)
{
	const guint8 developer[16] = {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
				      0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F};
	const TokGpKeyUsage usages[] = {TOK_GP_KEY_ENC, TOK_GP_KEY_MAC, TOK_GP_KEY_DEK};
	g_autoptr(GError) error = NULL;
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(&error);
	g_autoptr(TokSecret) master = tok_secret_new_from_data(developer, sizeof(developer));
	g_autoptr(GBytes) cuid = tok_hex_decode(cuid_hex, TOK_HEX_FLAG_NONE, &error);
	g_autoptr(TokGpKeySet) keys = NULL;
	g_autoptr(GString) hex = g_string_new(NULL);

	g_assert_no_error(error);
	keys = tok_gp_key_set_derive(crypto, TOK_GP_DIVERSIFY_EMV, TOK_GP_KEY_TYPE_DES3, master,
				     g_bytes_get_data(cuid, NULL), NULL, 0, NULL, TOK_GP_KEY_TYPE_AES, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < G_N_ELEMENTS(usages); i++) {
		gsize len = 0;
		const guint8 *key = tok_secret_get_data(tok_gp_key_set_get_key(keys, usages[i]), &len);
		g_autofree gchar *part = tok_hex_encode(key, len, FALSE);
		g_string_append(hex, part);
	}
	return g_string_free(g_steal_pointer(&hex), FALSE);
}

static void
test_lifecycle(Fixture *f, gconstpointer data)
{
	const gchar *scp = data;
	g_autofree gchar *cuid = random_cuid();
	g_autoptr(GError) error = NULL;
	ThPcscCard *plugged = NULL;
	g_autoptr(TpsTestRelay) relay = NULL;
	g_autoptr(TpsTokenDb) db = NULL;
	TpsTestRelayResult result;

	if (f->pcsc == NULL || !th_pkcs11_check_available())
		return;
	if (g_strcmp0(scp, "3") == 0) {
		g_autofree gchar *keys = scp03_developer_card_keys(cuid);
		plugged = th_pcsc_plug_vcard(f->pcsc, 0, &error, "--scp", scp, "--cuid", cuid, "--keys", keys, NULL);
	} else {
		plugged = th_pcsc_plug_vcard(f->pcsc, 0, &error, "--scp", scp, "--cuid", cuid, NULL);
	}
	g_assert_no_error(error);
	g_assert_nonnull(plugged);
	relay = new_relay(f, NULL);
	tps_test_relay_set_status_update(relay, TRUE);

	/* FORMAT, plain LOGIN */
	tps_test_relay_set_token_type(relay, "userKey");
	run_op(f, 0, TOK_TPS_OPERATION_FORMAT, relay, &result);
	assert_success(f, TOK_TPS_OPERATION_FORMAT, &result);
	g_assert_true(result.login_requested);
	th_assert_sequence(tps_test_relay_get_transcript(relay), format_sequence);
	db = open_db(f);
	assert_token(db, cuid, TPS_TOKEN_STATUS_FORMATTED, NULL, 0);

	/* ENROLL, EXTENDED_LOGIN */
	tps_test_relay_set_extended_login(relay, TRUE);
	tps_test_relay_set_new_pin(relay, FIRST_PIN);
	run_op(f, 0, TOK_TPS_OPERATION_ENROLL, relay, &result);
	assert_success(f, TOK_TPS_OPERATION_ENROLL, &result);
	g_assert_true(result.extended_login_requested);
	g_assert_cmpuint(result.new_pin_min, ==, 4);
	g_assert_cmpuint(result.new_pin_max, ==, 10);
	th_assert_sequence(tps_test_relay_get_transcript(relay), enroll_sequence);
	assert_token(db, cuid, TPS_TOKEN_STATUS_ACTIVE, "demo", 2);
	check_enrolled_card(f, FIRST_PIN);

	/* PIN RESET, plain LOGIN, no tokenType */
	tps_test_relay_set_extended_login(relay, FALSE);
	tps_test_relay_set_token_type(relay, NULL);
	tps_test_relay_set_new_pin(relay, SECOND_PIN);
	run_op(f, 0, TOK_TPS_OPERATION_RESET_PIN, relay, &result);
	assert_success(f, TOK_TPS_OPERATION_RESET_PIN, &result);
	th_assert_sequence(tps_test_relay_get_transcript(relay), pin_reset_sequence);
	assert_token(db, cuid, TPS_TOKEN_STATUS_ACTIVE, "demo", 2);
	g_assert_true(sign_and_verify(f, SECOND_PIN));
	g_assert_false(sign_and_verify(f, FIRST_PIN));
	log_activity(db, cuid);
	assert_tpsd_alive(f);
	g_assert_true(th_pcsc_check_alive(f->pcsc, &error));
	g_assert_no_error(error);
}

/* ---- refusals ------------------------------------------------------------------------- */

typedef struct {
	gboolean after_keygen;
	gboolean done;
} ForgeState;

/* Alters the modulus in the first READ OBJECT answer after GENERATE KEY: the public key the
 * TPS would certify is no longer the one the card's proof signs. */
static GBytes *
forge_keygen_result(guint index, GBytes *apdu, GBytes *response, gpointer user_data)
{
	ForgeState *st = user_data;
	const guint8 *cmd = g_bytes_get_data(apdu, NULL);
	g_autoptr(GByteArray) forged = NULL;

	/* GENERATE KEY, RSA (0C) or ECC (0D) */
	if (cmd[1] == 0x0C || cmd[1] == 0x0D) {
		st->after_keygen = TRUE;
		return NULL;
	}
	if (!st->after_keygen || st->done || cmd[1] != 0x56 || g_bytes_get_size(response) < 32)
		return NULL;
	st->done = TRUE;
	forged = g_byte_array_new();
	tok_byte_array_append_bytes(forged, response);
	forged->data[20] ^= 0x01; /* 2 length + 00 01|0A + size 2 + modulus|point length 2 + ... */
	return g_byte_array_free_to_bytes(g_steal_pointer(&forged));
}

static void
test_forged_proof(Fixture *f, gconstpointer data)
{
	g_autofree gchar *cuid = random_cuid();
	g_autoptr(GError) error = NULL;
	ThPcscCard *plugged = NULL;
	g_autoptr(TpsTestRelay) relay = NULL;
	g_autoptr(TpsTokenDb) db = NULL;
	g_autofree gchar *certs = NULL;
	ForgeState st = {0};
	TpsTestRelayResult result;

	if (f->pcsc == NULL || !th_pkcs11_check_available())
		return;
	plugged = th_pcsc_plug_vcard(f->pcsc, 0, &error, "--scp", "1", "--cuid", cuid, NULL);
	g_assert_no_error(error);
	g_assert_nonnull(plugged);
	relay = new_relay(f, NULL);
	tps_test_relay_set_token_type(relay, "userKey");
	tps_test_relay_set_new_pin(relay, FIRST_PIN);
	tps_test_relay_set_tamper_func(relay, forge_keygen_result, &st);
	/* an unknown token: ENROLL formats it first */
	run_op(f, 0, TOK_TPS_OPERATION_ENROLL, relay, &result);
	g_assert_true(st.done);
	assert_failure(&result, TOK_TPS_OPERATION_ENROLL, TOK_TPS_STATUS_ERROR_MAC_ENROLL_PDU);
	db = open_db(f);
	wait_activity(db, cuid, 1);
	log_activity(db, cuid);
	{
		g_autoptr(TpsTokenRecord) rec = tps_token_db_get_token(db, cuid, &error);
		g_assert_no_error(error);
		g_assert_cmpint(rec->status, !=, TPS_TOKEN_STATUS_ACTIVE);
	}
	/* no certificate was issued for the forged key, none is on the card */
	{
		g_autoptr(GPtrArray) recs = tps_token_db_list_certs(db, cuid, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(recs->len, ==, 0);
	}
	th_pkcs11_tool(f->pcsc, PKCS11_TIMEOUT_MS, &certs, "--list-objects", "--type", "cert", NULL);
	g_assert_cmpuint(count_substrings(certs != NULL ? certs : "", "Certificate Object"), ==, 0);

	/* the same card, honestly relayed, enrolls */
	tps_test_relay_set_tamper_func(relay, NULL, NULL);
	run_op(f, 0, TOK_TPS_OPERATION_ENROLL, relay, &result);
	assert_success(f, TOK_TPS_OPERATION_ENROLL, &result);
	assert_token(db, cuid, TPS_TOKEN_STATUS_ACTIVE, "demo", 2);
	check_enrolled_card(f, FIRST_PIN);
	assert_tpsd_alive(f);
}

/* A card whose keys are not the TKS's: its cryptogram does not verify. tpsd then serves a
 * good card. */
static void
test_bad_cryptogram(Fixture *f, gconstpointer data)
{
	g_autofree gchar *cuid = random_cuid();
	g_autoptr(GError) error = NULL;
	ThPcscCard *plugged = NULL;
	g_autoptr(TpsTestRelay) relay = NULL;
	TpsTestRelayResult result;

	if (f->pcsc == NULL)
		return;
	plugged = th_pcsc_plug_vcard(f->pcsc, 0, &error, "--scp", data, "--cuid", cuid, "--keys",
					    "0102030405060708090A0B0C0D0E0F10", NULL);
	g_assert_no_error(error);
	g_assert_nonnull(plugged);
	plugged = th_pcsc_plug_vcard(f->pcsc, 1, &error, "--scp", "1", NULL);
	g_assert_no_error(error);
	g_assert_nonnull(plugged);
	relay = new_relay(f, NULL);
	tps_test_relay_set_token_type(relay, "userKey");
	run_op(f, 0, TOK_TPS_OPERATION_FORMAT, relay, &result);
	assert_failure(&result, TOK_TPS_OPERATION_FORMAT, TOK_TPS_STATUS_ERROR_SECURE_CHANNEL);
	/* the channel never opened: no EXTERNAL AUTHENTICATE was sent */
	g_assert_false(g_ptr_array_find_with_equal_func(tps_test_relay_get_transcript(relay), "S> PDU 84820300",
							g_str_equal, NULL));
	run_op(f, 1, TOK_TPS_OPERATION_FORMAT, relay, &result);
	assert_success(f, TOK_TPS_OPERATION_FORMAT, &result);
	assert_tpsd_alive(f);
}

static void
test_wrong_password(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	ThPcscCard *plugged = NULL;
	g_autoptr(TpsTestRelay) relay = NULL;
	TpsTestRelayResult result;

	if (f->pcsc == NULL)
		return;
	plugged = th_pcsc_plug_vcard(f->pcsc, 0, &error, "--scp", "2", NULL);
	g_assert_no_error(error);
	g_assert_nonnull(plugged);
	relay = new_relay(f, NULL);
	tps_test_relay_set_token_type(relay, "userKey");
	tps_test_relay_set_credentials(relay, "demo", "not the password");
	run_op(f, 0, TOK_TPS_OPERATION_FORMAT, relay, &result);
	assert_failure(&result, TOK_TPS_OPERATION_FORMAT, TOK_TPS_STATUS_ERROR_LOGIN);
	g_assert_false(g_ptr_array_find_with_equal_func(tps_test_relay_get_transcript(relay), "S> PDU 80500000",
							g_str_equal, NULL));
	/* an unknown user gets the same answer */
	tps_test_relay_set_credentials(relay, "nobody", th_tpsd_get_password(f->tpsd));
	tps_test_relay_set_extended_login(relay, TRUE);
	run_op(f, 0, TOK_TPS_OPERATION_FORMAT, relay, &result);
	assert_failure(&result, TOK_TPS_OPERATION_FORMAT, TOK_TPS_STATUS_ERROR_LOGIN);
	/* and the right one works */
	tps_test_relay_set_credentials(relay, "demo", th_tpsd_get_password(f->tpsd));
	run_op(f, 0, TOK_TPS_OPERATION_FORMAT, relay, &result);
	assert_success(f, TOK_TPS_OPERATION_FORMAT, &result);
	assert_tpsd_alive(f);
}

/* The client vanishes twice mid-ENROLL (in the prologue, then just before the first key
 * generation): the token is never ACTIVE in between and holds no certificate; a retry
 * enrolls it. */
static void
test_disconnect(Fixture *f, gconstpointer data)
{
	g_autofree gchar *cuid = random_cuid();
	g_autoptr(GError) error = NULL;
	ThPcscCard *plugged = NULL;
	g_autoptr(TpsTestRelay) relay = NULL;
	g_autoptr(TpsTokenDb) db = NULL;
	TpsTestRelayResult result;

	if (f->pcsc == NULL || !th_pkcs11_check_available())
		return;
	plugged = th_pcsc_plug_vcard(f->pcsc, 0, &error, "--scp", "2", "--cuid", cuid, NULL);
	g_assert_no_error(error);
	g_assert_nonnull(plugged);
	db = open_db(f);
	relay = new_relay(f, NULL);
	tps_test_relay_set_token_type(relay, "userKey");
	tps_test_relay_set_new_pin(relay, FIRST_PIN);

	/* a known, FORMATTED token first */
	run_op(f, 0, TOK_TPS_OPERATION_FORMAT, relay, &result);
	assert_success(f, TOK_TPS_OPERATION_FORMAT, &result);
	wait_activity(db, cuid, 1);

	tps_test_relay_set_drop_after_pdus(relay, 3);
	run_op(f, 0, TOK_TPS_OPERATION_ENROLL, relay, &result);
	g_assert_true(result.dropped);
	g_assert_false(result.got_end_op);
	tps_test_relay_set_drop_after_pdus(relay, 0);
	wait_activity(db, cuid, 2);
	assert_token(db, cuid, TPS_TOKEN_STATUS_FORMATTED, NULL, 0);

	tps_test_relay_set_drop_at_ins(relay, 0x0C);
	run_op(f, 0, TOK_TPS_OPERATION_ENROLL, relay, &result);
	g_assert_true(result.dropped);
	g_assert_true(g_ptr_array_find_with_equal_func(tps_test_relay_get_transcript(relay), "S> PDU 840C0203",
						       g_str_equal, NULL));
	tps_test_relay_set_drop_at_ins(relay, -1);
	wait_activity(db, cuid, 3);
	log_activity(db, cuid);
	{
		g_autoptr(TpsTokenRecord) rec = tps_token_db_get_token(db, cuid, &error);
		g_autoptr(GPtrArray) certs = NULL;
		g_assert_no_error(error);
		g_assert_cmpint(rec->status, !=, TPS_TOKEN_STATUS_ACTIVE);
		certs = tps_token_db_list_certs(db, cuid, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(certs->len, ==, 0);
	}

	run_op(f, 0, TOK_TPS_OPERATION_ENROLL, relay, &result);
	assert_success(f, TOK_TPS_OPERATION_ENROLL, &result);
	assert_token(db, cuid, TPS_TOKEN_STATUS_ACTIVE, "demo", 2);
	check_enrolled_card(f, FIRST_PIN);
	assert_tpsd_alive(f);
}

/* ---- malformed and oversized messages ------------------------------------------------- */

typedef enum {
	BAD_GARBAGE,	   /* a chunk that is no message */
	BAD_OVERSIZED,	   /* s= above maxMessageSize (9999) */
	BAD_HUGE_CHUNK,	   /* a 200 kB chunk */
	BAD_FRAMING,	   /* not chunked framing at all */
	BAD_EMPTY_BODY,	   /* the terminating chunk at once */
	BAD_UNKNOWN_OP,	   /* BEGIN_OP operation=4 (RENEW: not an operation of its own) */
	BAD_PDU_RESPONSE,  /* a broken answer to the first APDU */
	BAD_WRONG_ANSWER,  /* a LOGIN_RESPONSE where an APDU response is due */
	BAD_SECOND_BEGIN,  /* another BEGIN_OP where an APDU response is due */
	BAD_SIZE_MISMATCH, /* s= says more than the chunk holds */
} BadKind;

static const gchar *const bad_names[] = {
    "garbage", "oversized", "huge-chunk", "framing", "empty-body", "unknown-op", "pdu-response", "wrong-answer", "second-begin-op", "size-mismatch",
};

static void
send_text_chunk(TpsTestRelayConn *conn, const gchar *text)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(tps_test_relay_conn_send_chunk(conn, (const guint8 *)text, strlen(text), &error));
	g_assert_no_error(error);
}

static void
send_begin_op(TpsTestRelayConn *conn)
{
	const gchar *ext[] = {"tokenType", "userKey", NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) begin = tok_tps_message_new_begin_op(TOK_TPS_OPERATION_FORMAT, ext, 0, &error);

	g_assert_no_error(error);
	g_assert_true(tps_test_relay_conn_send(conn, begin, &error));
	g_assert_no_error(error);
}

/* Reads until END_OP or the end: "end-op" (result must be 1), "closed" (the server ended or
 * dropped the connection). A timeout fails the test: the server must not hang. */
static const gchar *
read_outcome(TpsTestRelayConn *conn, gboolean answer_pdus)
{
	for (;;) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TokTpsMessage) msg = tps_test_relay_conn_read(conn, &error);
		guint res = 0;

		if (msg == NULL) {
			if (error != NULL) {
				g_test_message("connection ended: %s", error->message);
				g_assert_false(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
			}
			return "closed";
		}
		if (tok_tps_message_get_msg_type(msg) == TOK_TPS_MSG_TYPE_END_OP) {
			g_assert_true(tok_tps_message_get_end_op(msg, NULL, &res, NULL, NULL));
			g_assert_cmpuint(res, ==, 1);
			return "end-op";
		}
		/* anything else (an APDU of the prologue): not answered in these tests */
		g_assert_false(answer_pdus);
		return "request";
	}
}

static void
test_malformed(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	ThPcscCard *plugged = NULL;
	g_autoptr(TpsTestRelay) relay = NULL;
	TpsTestRelayResult result;

	if (f->pcsc == NULL)
		return;
	relay = tps_test_relay_new("127.0.0.1", th_tpsd_get_port(f->tpsd), th_tpsd_get_trust_file(f->tpsd));
	tps_test_relay_set_timeout(relay, 120);
	for (guint k = 0; k < G_N_ELEMENTS(bad_names); k++) {
		g_autoptr(TpsTestRelayConn) conn = tps_test_relay_connect(relay, &error);
		g_autoptr(GError) send_error = NULL;
		const gchar *outcome = NULL;

		g_assert_no_error(error);
		g_test_message("malformed case %s", bad_names[k]);
		switch ((BadKind)k) {
		case BAD_GARBAGE:
			send_text_chunk(conn, "hello, TPS");
			break;
		case BAD_OVERSIZED: {
			g_autoptr(GString) big = g_string_new("s=10030&msg_type=2&operation=5&extensions=x%3D");
			while (big->len < 10030 + strlen("s=10030&"))
				g_string_append_c(big, 'a');
			send_text_chunk(conn, big->str);
			break;
		}
		case BAD_HUGE_CHUNK: {
			g_autoptr(GString) huge = g_string_new(NULL);
			while (huge->len < 200000)
				g_string_append(huge, "0123456789abcdef");
			/* the server may stop reading (and reset) before all of it went out */
			tps_test_relay_conn_send_chunk(conn, (const guint8 *)huge->str, huge->len, &send_error);
			break;
		}
		case BAD_FRAMING:
			g_assert_true(tps_test_relay_conn_send_raw(conn, (const guint8 *)"zz\r\nnot chunked\r\n", 17, &error));
			break;
		case BAD_EMPTY_BODY:
			g_assert_true(tps_test_relay_conn_send_end(conn, &error));
			break;
		case BAD_UNKNOWN_OP:
			send_text_chunk(conn, "s=22&msg_type=2&operation=4");
			break;
		case BAD_PDU_RESPONSE:
			send_begin_op(conn);
			g_assert_cmpstr(read_outcome(conn, FALSE), ==, "request");
			send_text_chunk(conn, "s=34&msg_type=10&pdu_size=9&pdu_data=%90%00");
			break;
		case BAD_WRONG_ANSWER:
			send_begin_op(conn);
			g_assert_cmpstr(read_outcome(conn, FALSE), ==, "request");
			send_text_chunk(conn, "s=43&msg_type=4&screen_name=demo&password=x");
			break;
		case BAD_SECOND_BEGIN:
			send_begin_op(conn);
			g_assert_cmpstr(read_outcome(conn, FALSE), ==, "request");
			send_begin_op(conn);
			break;
		case BAD_SIZE_MISMATCH:
			send_text_chunk(conn, "s=99&msg_type=2&operation=5");
			break;
		}
		g_assert_no_error(error);
		if (send_error != NULL)
			g_test_message("send: %s", send_error->message);
		outcome = read_outcome(conn, FALSE);
		g_test_message("%s: %s", bad_names[k], outcome);
		g_assert_cmpstr(outcome, !=, "request");
		assert_tpsd_alive(f);
	}

	/* and tpsd still serves a real FORMAT */
	plugged = th_pcsc_plug_vcard(f->pcsc, 0, &error, "--scp", "1", NULL);
	g_assert_no_error(error);
	g_assert_nonnull(plugged);
	tps_test_relay_set_token_type(relay, "userKey");
	tps_test_relay_set_token_atr(relay, TEST_ATR);
	tps_test_relay_set_credentials(relay, "demo", th_tpsd_get_password(f->tpsd));
	run_op(f, 0, TOK_TPS_OPERATION_FORMAT, relay, &result);
	assert_success(f, TOK_TPS_OPERATION_FORMAT, &result);
	assert_tpsd_alive(f);
}

/* LeakSanitizer crashes walking the dynamic TLS of the dlopen()ed GnuTLS GIO module on this
 * glibc ("Tracer caught signal 11"); not intercepting __tls_get_addr avoids it. Options from
 * $ASAN_OPTIONS still apply on top. */
/* ---- EC P-256 (userKeyEC) ---------------------------------------------------------------- */

/* ENROLL with tokenType=userKeyEC over the real path: a forged key generation result first
 * (refused, nothing issued), then the honest one: two EC P-256 certificates (signing with
 * digitalSignature, encryption with keyAgreement) recorded for the demo user, and OpenSC
 * lists both certificates and two EC private keys. (Signing through OpenSC is not tried:
 * OpenSC's coolkey driver uses the ECC INS bytes 37/38 the other way round from
 * libckyapplet, which the virtual card follows.) */
static void
test_enroll_ec(Fixture *f, gconstpointer data)
{
	g_autofree gchar *cuid = random_cuid();
	g_autoptr(GError) error = NULL;
	ThPcscCard *plugged = NULL;
	g_autoptr(TpsTestRelay) relay = NULL;
	g_autoptr(TpsTokenDb) db = NULL;
	g_autoptr(GPtrArray) recs = NULL;
	g_autofree gchar *certs = NULL;
	g_autofree gchar *keys = NULL;
	ForgeState st = {0};
	TpsTestRelayResult result;

	if (f->pcsc == NULL || !th_pkcs11_check_available())
		return;
	plugged = th_pcsc_plug_vcard(f->pcsc, 0, &error, "--scp", "2", "--cuid", cuid, NULL);
	g_assert_no_error(error);
	g_assert_nonnull(plugged);
	relay = new_relay(f, NULL);
	tps_test_relay_set_status_update(relay, TRUE);
	tps_test_relay_set_token_type(relay, "userKeyEC");
	tps_test_relay_set_new_pin(relay, FIRST_PIN);

	/* a changed byte in the card's point: refused before the CA */
	tps_test_relay_set_tamper_func(relay, forge_keygen_result, &st);
	run_op(f, 0, TOK_TPS_OPERATION_ENROLL, relay, &result);
	g_assert_true(st.done);
	assert_failure(&result, TOK_TPS_OPERATION_ENROLL, TOK_TPS_STATUS_ERROR_MAC_ENROLL_PDU);
	db = open_db(f);
	wait_activity(db, cuid, 1);
	recs = tps_token_db_list_certs(db, cuid, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(recs->len, ==, 0);
	g_clear_pointer(&recs, g_ptr_array_unref);

	/* honestly relayed: GENERATE KEY ECC (84 0D), two EC certificates */
	tps_test_relay_set_tamper_func(relay, NULL, NULL);
	run_op(f, 0, TOK_TPS_OPERATION_ENROLL, relay, &result);
	assert_success(f, TOK_TPS_OPERATION_ENROLL, &result);
	{
		const gchar *const sequence[] = {
		    "C> msg_type=2&operation=1&extensions=tokenType%3DuserKeyEC*",
		    "S> msg_type=14&current_state=10&next_task_name=PROGRESS_PROCESS_PROFILE",
		    "S> PDU 840D0203", /* GENERATE KEY ECC, signing: k2 / k3 */
		    "S> PDU 840D0405", /* encryption: k4 / k5 */
		    "S> PDU 845A0000", /* CREATE OBJECT z0 */
		    "S> msg_type=13&operation=1&result=0&message=0",
		    NULL,
		};
		th_assert_sequence(tps_test_relay_get_transcript(relay), sequence);
	}
	assert_token(db, cuid, TPS_TOKEN_STATUS_ACTIVE, "demo", 2);
	{
		g_autoptr(TpsTokenRecord) rec = tps_token_db_get_token(db, cuid, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(rec->token_type, ==, "userKeyEC");
	}
	recs = tps_token_db_list_certs(db, cuid, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(recs->len, ==, 2);
	for (guint i = 0; i < recs->len; i++) {
		TpsCertRecord *c = g_ptr_array_index(recs, i);
		g_autoptr(X509) cert = pcsc_x509_from_der(c->der, &error);
		gchar group[32] = {0};
		size_t group_len = 0;

		g_assert_no_error(error);
		g_assert_true(EVP_PKEY_is_a(X509_get0_pubkey(cert), "EC"));
		g_assert_cmpint(EVP_PKEY_get_group_name(X509_get0_pubkey(cert), group, sizeof(group), &group_len), ==, 1);
		g_assert_cmpstr(group, ==, "prime256v1");
		if (g_strcmp0(c->key_type, "signing") == 0)
			g_assert_cmphex(X509_get_key_usage(cert), ==, KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION);
		else
			g_assert_cmphex(X509_get_key_usage(cert), ==, KU_KEY_AGREEMENT);
	}
	/* stock middleware reads the z0 EC records */
	g_assert_cmpint(th_pkcs11_tool(f->pcsc, PKCS11_TIMEOUT_MS, &certs, "--list-objects", "--type", "cert", NULL), ==, 0);
	g_test_message("certificates:\n%s", certs);
	g_assert_cmpuint(count_substrings(certs, "Certificate Object"), ==, 2);
	g_assert_cmpint(th_pkcs11_tool(f->pcsc, PKCS11_TIMEOUT_MS, &keys, "--login", "--pin", FIRST_PIN, "--list-objects", "--type", "privkey", NULL), ==, 0);
	g_test_message("private keys:\n%s", keys);
	g_assert_cmpuint(count_substrings(keys, "Private Key Object; EC"), ==, 2);
	assert_tpsd_alive(f);
}

const char *
__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "intercept_tls_get_addr=0";
}

#define ADD(path, data, fn) g_test_add((path), Fixture, (data), fixture_setup, (fn), fixture_teardown)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	signal(SIGPIPE, SIG_IGN);
	ADD("/tps/operations/refused/forged-proof", NULL, test_forged_proof);
	ADD("/tps/operations/refused/bad-cryptogram/scp02", "2", test_bad_cryptogram);
	ADD("/tps/operations/refused/bad-cryptogram/scp03", "3", test_bad_cryptogram);
	ADD("/tps/operations/refused/wrong-password", NULL, test_wrong_password);
	ADD("/tps/operations/disconnect-mid-enroll", NULL, test_disconnect);
	ADD("/tps/operations/malformed-messages", NULL, test_malformed);
	ADD("/tps/operations/scp01/format-enroll-pin-reset", "1", test_lifecycle);
	ADD("/tps/operations/scp02/format-enroll-pin-reset", "2", test_lifecycle);
	ADD("/tps/operations/scp03/format-enroll-pin-reset", "3", test_lifecycle);
	ADD("/tps/operations/scp02/enroll-ec", NULL, test_enroll_ec);
	return g_test_run();
}
