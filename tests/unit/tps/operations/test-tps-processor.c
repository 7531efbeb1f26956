/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The operation processor driven in process: a virtual card (libvcard) behind a test client
 * thread that relays TOKEN_PDU_REQUESTs to it, over a socket pair into a TpsConnection; the
 * real TKS service (file key store, developer keys), SQLite token database (in memory), local
 * CA and users-file authenticator. FORMAT, ENROLL and PIN RESET for SCP01, SCP02 and SCP03
 * cards, and the refusals: a forged proof of possession, a card with other keys, a wrong
 * password, a client that vanishes mid-ENROLL, PIN reset without policy, another user's token,
 * a second active token.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "tks-key-store-file.h"
#include "tks-service.h"
#include "tok-bytes.h"
#include "tok-coolkey-apdu.h"
#include "tok-coolkey-object.h"
#include "tok-error.h"
#include "tok-status-word.h"
#include "tps-authenticator-file.h"
#include "tps-ca-local.h"
#include "tps-context.h"
#include "tps-error.h"
#include "tps-ops-test-client.h"
#include "tps-processor.h"
#include "tps-status.h"
#include "tps-token-db-sqlite.h"

#define TEST_ISSUER_URL "https://tps.example.org:8443/tps/phoneHome"
#define TEST_CUID_A	"40906145C76224192D2B"
#define TEST_CUID_B	"40906145C76224190001"

typedef struct {
	gchar *dir;
	TpsContext ctx;
} Env;

static void
env_rm_rf(const gchar *path)
{
	if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
		g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
		const gchar *name;
		while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
			g_autofree gchar *child = g_build_filename(path, name, NULL);
			env_rm_rf(child);
		}
		g_rmdir(path);
	} else {
		g_unlink(path);
	}
}

/* @master_version: 0, or a key version at which a DES3 master key for defKeySet is generated
 * (key changeover target). */
static Env *
env_new_full(const gchar *extra_config, guint8 master_version)
{
	g_autoptr(GError) error = NULL;
	Env *env = g_new0(Env, 1);
	g_autofree gchar *applets = g_test_build_filename(G_TEST_DIST, "..", "data", "applets", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *store_path = NULL;
	g_autofree gchar *ca_dir = NULL;
	g_autofree gchar *users = NULL;
	g_autoptr(TokSecret) file_key = NULL;
	g_autoptr(TksKeyStoreFile) store = NULL;
	g_autoptr(TokSecret) alice = tok_secret_new_from_text("alice password");
	g_autoptr(TokSecret) bob = tok_secret_new_from_text("bob password");

	env->dir = g_dir_make_tmp("tps-ops-XXXXXX", &error);
	g_assert_no_error(error);
	text = g_strdup_printf("[profile:userKey]\n"
			       "applet-directory=%s\n"
			       "key.signing.key-size=1024\n"
			       "key.encryption.key-size=1024\n"
			       "issuer-info-value=" TEST_ISSUER_URL "\n"
			       "%s",
			       applets,
			       extra_config != NULL ? extra_config : "");
	env->ctx.config = tps_config_load_from_data(text, strlen(text), env->dir, &error);
	g_assert_no_error(error);
	file_key = tok_secret_new_random(TKS_KEY_STORE_FILE_KEY_SIZE, &error);
	g_assert_no_error(error);
	store_path = g_build_filename(env->dir, "keys.tks", NULL);
	store = tks_key_store_file_create(store_path, NULL, file_key, NULL, &error);
	g_assert_no_error(error);
	if (master_version != 0) {
		g_autoptr(TksKeyInfo) info = tks_key_store_generate_key(TKS_KEY_STORE(store),
									 "defKeySet",
									 master_version,
									 TKS_KEY_KIND_MASTER,
									 TKS_KEY_TYPE_DES3,
									 &error);
		g_assert_no_error(error);
		g_assert_nonnull(info);
	}
	env->ctx.tks = tks_service_new(TKS_KEY_STORE(store), tps_config_get_tks_config(env->ctx.config), &error);
	g_assert_no_error(error);
	env->ctx.db = tps_token_db_sqlite_new(":memory:", &error);
	g_assert_no_error(error);
	ca_dir = g_build_filename(env->dir, "ca", NULL);
	env->ctx.ca = tps_ca_local_new_full(ca_dir, "CN=Test CA", 30, TPS_CA_KEY_EC_P256, &error);
	g_assert_no_error(error);
	users = g_build_filename(env->dir, "users", NULL);
	g_assert_true(tps_authenticator_file_add_user(users, "alice", alice, "Alice Example", &error));
	g_assert_true(tps_authenticator_file_add_user(users, "bob", bob, "Bob", &error));
	g_assert_no_error(error);
	env->ctx.auth = tps_authenticator_file_new(users, &error);
	g_assert_no_error(error);
	return env;
}

static Env *
env_new(const gchar *extra_config)
{
	return env_new_full(extra_config, 0);
}

static void
env_free(Env *env)
{
	g_clear_object(&env->ctx.config);
	g_clear_object(&env->ctx.tks);
	g_clear_object(&env->ctx.db);
	g_clear_object(&env->ctx.ca);
	g_clear_object(&env->ctx.auth);
	env_rm_rf(env->dir);
	g_free(env->dir);
	g_free(env);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Env, env_free)

/* What the TKS derives for a card with the developer keys under SCP03 with Dogtag's defaults
 * (prot3.diversVer1Keys=emv): AES-128 card keys = 3DES-ECB(developer key, EMV data of KDD). */
static TokGpKeySet *
card_scp03_developer_keys(GBytes *cuid)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(&error);
	g_autoptr(TokGpKeySet) developer = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_DES3);
	TokGpKeySet *keys;

	g_assert_no_error(error);
	keys = tok_gp_key_set_derive(crypto,
				     TOK_GP_DIVERSIFY_EMV,
				     TOK_GP_KEY_TYPE_DES3,
				     tok_gp_key_set_get_key(developer, TOK_GP_KEY_ENC),
				     g_bytes_get_data(cuid, NULL),
				     NULL,
				     0,
				     g_bytes_get_data(cuid, NULL),
				     TOK_GP_KEY_TYPE_AES,
				     &error);
	g_assert_no_error(error);
	return keys;
}

static VcardCard *
card_new(TokGpScp scp, const gchar *cuid, TokGpKeySet *keys)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) cuid_bytes = tok_hex_decode(cuid, TOK_HEX_FLAG_NONE, &error);
	g_autoptr(TokGpKeySet) derived = NULL;
	VcardCardConfig config;
	VcardCard *card;

	g_assert_no_error(error);
	if (keys == NULL && scp == TOK_GP_SCP03) {
		derived = card_scp03_developer_keys(cuid_bytes);
		keys = derived;
	}
	vcard_card_config_init(&config);
	config.scp = scp;
	config.has_cuid = TRUE;
	for (guint i = 0; i < 10; i++)
		config.cuid[i] = ((const guint8 *)g_bytes_get_data(cuid_bytes, NULL))[i];
	config.keys = keys;
	card = vcard_card_new(&config, &error);
	g_assert_no_error(error);
	vcard_card_power_on(card);
	return card;
}

/* One APDU to the card in the clear, as a client would send it after the operation. */
static GBytes *
card_apdu(VcardCard *card, TokApdu *apdu, guint16 want_sw)
{
	g_autoptr(TokApdu) owned = apdu;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) encoded = tok_apdu_encode(owned, TOK_APDU_ENCODING_SHORT, &error);
	g_autoptr(GBytes) response = NULL;
	gsize len = 0;
	const guint8 *data;

	g_assert_no_error(error);
	response = vcard_card_transmit(card, g_bytes_get_data(encoded, NULL), g_bytes_get_size(encoded), &error);
	g_assert_no_error(error);
	data = g_bytes_get_data(response, &len);
	g_assert_cmpuint(len, >=, 2);
	g_assert_cmphex((data[len - 2] << 8) | data[len - 1], ==, want_sw);
	return g_bytes_new(data, len - 2);
}

/* Runs one operation and checks its END_OP: the operation echoed, result and status. */
static void
run_expect(Env *env, TpsOpsTestClient *client, TokTpsStatus want)
{
	TokTpsStatus status = tps_ops_test_client_run(client, &env->ctx);

	g_assert_cmpint(status, ==, want);
	if (client->vanished)
		return;
	g_assert_true(client->got_end_op);
	g_assert_false(client->messages_after_end_op);
	g_assert_cmpint(client->end_operation, ==, client->operation);
	g_assert_cmpuint(client->end_result, ==, want == TOK_TPS_STATUS_NO_ERROR ? 0 : 1);
	g_assert_cmpint(client->end_status, ==, want);
}

static void
run_op(Env *env, VcardCard *card, TokTpsOperation op, TokTpsStatus want)
{
	TpsOpsTestClient client;

	tps_ops_test_client_init(&client, card, op);
	run_expect(env, &client, want);
	tps_ops_test_client_clear(&client);
}

static TpsTokenRecord *
token_get(Env *env, const gchar *cuid)
{
	g_autoptr(GError) error = NULL;
	TpsTokenRecord *rec = tps_token_db_get_token(env->ctx.db, cuid, &error);

	g_assert_no_error(error);
	return rec;
}

static guint
count_certs(Env *env, const gchar *cuid, const gchar *status)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) certs = tps_token_db_list_certs(env->ctx.db, cuid, &error);
	guint n = 0;

	g_assert_no_error(error);
	for (guint i = 0; i < certs->len; i++) {
		const TpsCertRecord *cert = g_ptr_array_index(certs, i);
		if (status == NULL || g_strcmp0(cert->status, status) == 0)
			n++;
	}
	return n;
}

static guint
count_activity(Env *env, const gchar *cuid, const gchar *operation, const gchar *result)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) acts = tps_token_db_list_activity(env->ctx.db, cuid, 0, &error);
	guint n = 0;

	g_assert_no_error(error);
	for (guint i = 0; i < acts->len; i++) {
		const TpsActivity *act = g_ptr_array_index(acts, i);
		if (g_strcmp0(act->operation, operation) == 0 && g_strcmp0(act->result, result) == 0) {
			g_assert_cmpstr(act->client_address, ==, "test-client");
			n++;
		}
	}
	return n;
}

static gboolean
tasks_contain(TpsOpsTestClient *client, const gchar *task)
{
	for (guint i = 0; i < client->status_tasks->len; i++) {
		if (g_strcmp0(g_ptr_array_index(client->status_tasks, i), task) == 0)
			return TRUE;
	}
	return FALSE;
}

/* What an enrolled card holds, read in the clear as CoolKey / OpenSC would. */
static void
check_enrolled_card(VcardCard *card, const gchar *pin, const gchar *token_name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) lifecycle = NULL;
	g_autoptr(GBytes) issuer = NULL;
	g_autoptr(GBytes) entry = NULL;
	g_autoptr(GPtrArray) reads = NULL;
	g_autoptr(GByteArray) z0 = g_byte_array_new();
	g_autoptr(TokCoolkeyObjectSet) set = NULL;
	g_autoptr(GBytes) zero = g_bytes_new_static("\0\0\0\0\0\0\0\0", 8);
	g_autoptr(TokSecret) secret = tok_secret_new_from_text(pin);
	g_autoptr(TokSecret) wrong = tok_secret_new_from_text("999999");
	g_autoptr(GPtrArray) certs = NULL;
	g_autofree gchar *url = NULL;
	TokCoolkeyObjectInfo info = {0};

	g_bytes_unref(card_apdu(card, tok_coolkey_apdu_select(), 0x9000));
	lifecycle = card_apdu(card, tok_coolkey_apdu_get_lifecycle(FALSE), 0x9000);
	g_assert_true(tok_bytes_equal_data(lifecycle, (const guint8 *)"\x0F", 1));
	issuer = card_apdu(card, tok_coolkey_apdu_get_issuer_info(), 0x9000);
	url = tok_coolkey_parse_issuer_info(g_bytes_get_data(issuer, NULL), g_bytes_get_size(issuer), &error);
	g_assert_no_error(error);
	g_assert_cmpstr(url, ==, TEST_ISSUER_URL);
	entry = card_apdu(card, tok_coolkey_apdu_list_objects(TOK_COOLKEY_LIST_FIRST), 0x9000);
	g_assert_true(tok_coolkey_parse_object_entry(g_bytes_get_data(entry, NULL), g_bytes_get_size(entry), &info, &error));
	g_assert_cmphex(info.object_id, ==, TOK_COOLKEY_OBJECT_ID_COMBINED);
	g_assert_cmphex(info.acl.read_acl, ==, TOK_COOLKEY_ACL_ANYONE);
	g_assert_cmphex(info.acl.write_acl, ==, TOK_COOLKEY_ACL_RA);
	g_bytes_unref(card_apdu(card, tok_coolkey_apdu_list_objects(TOK_COOLKEY_LIST_NEXT), 0x9C12));
	reads = tok_coolkey_apdu_read_object_plan(TOK_COOLKEY_CLA_CLEAR, info.object_id, 0, info.size, zero, FALSE, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < reads->len; i++) {
		g_autoptr(GBytes) chunk = card_apdu(card, tok_apdu_ref(g_ptr_array_index(reads, i)), 0x9000);
		tok_byte_array_append_bytes(z0, chunk);
	}
	set = tok_coolkey_object_set_decode(z0->data, z0->len, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(tok_coolkey_object_set_get_token_name(set), ==, token_name);
	g_assert_cmpuint(tok_coolkey_object_set_get_n_records(set), ==, 6);
	certs = tok_coolkey_object_set_get_certificates(set);
	g_assert_cmpuint(certs->len, ==, 2);
	/* the new PIN works, another does not */
	g_bytes_unref(card_apdu(card, tok_coolkey_apdu_verify_pin(0, wrong, &error), 0x9C02));
	g_bytes_unref(card_apdu(card, tok_coolkey_apdu_verify_pin(0, secret, &error), 0x9000));
	g_assert_no_error(error);
}

static void
set_policy(Env *env, const gchar *cuid, const gchar *policy)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTokenRecord) rec = token_get(env, cuid);

	g_free(rec->policy);
	rec->policy = g_strdup(policy);
	g_assert_true(tps_token_db_update_token(env->ctx.db, rec, &error));
	g_assert_no_error(error);
}

/* ENROLL, PIN RESET (refused, allowed, refused again), FORMAT on one card. */
static void
test_lifecycle(gconstpointer data)
{
	TokGpScp scp = GPOINTER_TO_INT(data);
	g_autoptr(Env) env = env_new(NULL);
	g_autoptr(VcardCard) card = card_new(scp, TEST_CUID_A, NULL);
	g_autoptr(TpsTokenRecord) rec = NULL;
	TpsOpsTestClient client;

	/* ENROLL of an unknown token: added, formatted, enrolled */
	tps_ops_test_client_init(&client, card, TOK_TPS_OPERATION_ENROLL);
	run_expect(env, &client, TOK_TPS_STATUS_NO_ERROR);
	g_assert_cmpuint(client.n_logins, ==, 1);
	g_assert_cmpuint(client.n_new_pins, ==, 1);
	g_assert_cmpuint(client.new_pin_min, ==, 4);
	g_assert_cmpuint(client.new_pin_max, ==, 10);
	g_assert_true(tasks_contain(&client, "10:PROGRESS_PROCESS_PROFILE"));
	g_assert_true(tasks_contain(&client, "92:PROGRESS_WRITE_OBJECTS"));
	g_assert_true(tasks_contain(&client, "100:PROGRESS_DONE_ENROLLMENT"));
	tps_ops_test_client_clear(&client);
	rec = token_get(env, TEST_CUID_A);
	g_assert_cmpint(rec->status, ==, TPS_TOKEN_STATUS_ACTIVE);
	g_assert_cmpstr(rec->user_id, ==, "alice");
	g_assert_cmpstr(rec->token_type, ==, "userKey");
	g_assert_cmpstr(rec->applet_id, ==, "1.4.58768072");
	g_assert_nonnull(rec->key_info);
	g_assert_cmpuint(count_certs(env, TEST_CUID_A, TPS_CERT_STATUS_ACTIVE), ==, 2);
	g_assert_cmpuint(count_activity(env, TEST_CUID_A, TPS_ACTIVITY_ADD, "success"), ==, 1);
	g_assert_cmpuint(count_activity(env, TEST_CUID_A, TPS_ACTIVITY_FORMAT, "success"), ==, 1);
	g_assert_cmpuint(count_activity(env, TEST_CUID_A, TPS_ACTIVITY_ENROLLMENT, "success"), ==, 1);
	check_enrolled_card(card, "123456", "Alice Example");

	/* PIN RESET: the default policy says PIN_RESET=NO */
	run_op(env, card, TOK_TPS_OPERATION_RESET_PIN, TOK_TPS_STATUS_ERROR_NOT_PIN_RESETABLE);
	g_assert_cmpuint(count_activity(env, TEST_CUID_A, TPS_ACTIVITY_PIN_RESET, "failure"), ==, 1);
	/* allowed once */
	set_policy(env, TEST_CUID_A, "PIN_RESET=YES;RESET_PIN_RESET_TO_NO=YES");
	tps_ops_test_client_init(&client, card, TOK_TPS_OPERATION_RESET_PIN);
	client.new_pin = "654321";
	run_expect(env, &client, TOK_TPS_STATUS_NO_ERROR);
	g_assert_true(tasks_contain(&client, "100:PROGRESS_PIN_RESET_COMPLETE"));
	tps_ops_test_client_clear(&client);
	g_assert_cmpuint(count_activity(env, TEST_CUID_A, TPS_ACTIVITY_PIN_RESET, "success"), ==, 1);
	check_enrolled_card(card, "654321", "Alice Example");
	g_clear_pointer(&rec, tps_token_record_free);
	rec = token_get(env, TEST_CUID_A);
	g_assert_nonnull(strstr(rec->policy, "PIN_RESET=NO"));
	run_op(env, card, TOK_TPS_OPERATION_RESET_PIN, TOK_TPS_STATUS_ERROR_NOT_PIN_RESETABLE);

	/* FORMAT: certificates revoked, record reset, objects gone */
	run_op(env, card, TOK_TPS_OPERATION_FORMAT, TOK_TPS_STATUS_NO_ERROR);
	g_clear_pointer(&rec, tps_token_record_free);
	rec = token_get(env, TEST_CUID_A);
	g_assert_cmpint(rec->status, ==, TPS_TOKEN_STATUS_FORMATTED);
	g_assert_null(rec->user_id);
	g_assert_cmpuint(count_certs(env, TEST_CUID_A, NULL), ==, 0);
	g_assert_cmpuint(count_activity(env, TEST_CUID_A, TPS_ACTIVITY_CERT_REVOCATION, "success"), ==, 2);
	g_assert_cmpuint(count_activity(env, TEST_CUID_A, TPS_ACTIVITY_FORMAT, "success"), ==, 2);
	g_bytes_unref(card_apdu(card, tok_coolkey_apdu_select(), 0x9000));
	g_bytes_unref(card_apdu(card, tok_coolkey_apdu_list_objects(TOK_COOLKEY_LIST_FIRST), 0x9C12));

	/* enrolled again from FORMATTED, with the extended login form */
	tps_ops_test_client_init(&client, card, TOK_TPS_OPERATION_ENROLL);
	client.extended_login = TRUE;
	client.status_update = FALSE;
	run_expect(env, &client, TOK_TPS_STATUS_NO_ERROR);
	g_assert_cmpuint(client.n_extended_logins, ==, 1);
	g_assert_cmpuint(client.n_logins, ==, 0);
	g_assert_cmpuint(client.status_tasks->len, ==, 0);
	tps_ops_test_client_clear(&client);
	check_enrolled_card(card, "123456", "Alice Example");
}

/* The test client flips a modulus byte of what the card's key generation returned: the proof
 * no longer verifies, nothing goes to the CA and nothing is recorded. */
static void
test_forged_proof(void)
{
	g_autoptr(Env) env = env_new(NULL);
	g_autoptr(VcardCard) card = card_new(TOK_GP_SCP02, TEST_CUID_A, NULL);
	g_autoptr(TpsTokenRecord) rec = NULL;
	TpsOpsTestClient client;

	tps_ops_test_client_init(&client, card, TOK_TPS_OPERATION_ENROLL);
	client.flip_keygen_output = TRUE;
	run_expect(env, &client, TOK_TPS_STATUS_ERROR_MAC_ENROLL_PDU);
	g_assert_true(client.flipped);
	tps_ops_test_client_clear(&client);
	rec = token_get(env, TEST_CUID_A);
	g_assert_cmpint(rec->status, ==, TPS_TOKEN_STATUS_FORMATTED);
	g_assert_null(rec->user_id);
	g_assert_cmpuint(count_certs(env, TEST_CUID_A, NULL), ==, 0);
	g_assert_cmpuint(count_activity(env, TEST_CUID_A, TPS_ACTIVITY_ENROLLMENT, "failure"), ==, 1);
	g_assert_cmpuint(count_activity(env, TEST_CUID_A, TPS_ACTIVITY_CERT_REVOCATION, "success"), ==, 0);
}

/* A card with other keys than the TKS's: the card cryptogram does not verify. */
static void
test_bad_cryptogram(gconstpointer data)
{
	TokGpScp scp = GPOINTER_TO_INT(data);
	g_autoptr(Env) env = env_new(NULL);
	g_autoptr(GError) error = NULL;
	const guint8 other[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xF0, 0x01};
	g_autoptr(TokGpKeySet) keys = tok_gp_key_set_new_from_data(scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3,
								   other, sizeof(other), &error);
	g_autoptr(VcardCard) card = NULL;
	g_autoptr(TpsTokenRecord) rec = NULL;

	g_assert_no_error(error);
	card = card_new(scp, TEST_CUID_A, keys);
	run_op(env, card, TOK_TPS_OPERATION_FORMAT, TOK_TPS_STATUS_ERROR_SECURE_CHANNEL);
	run_op(env, card, TOK_TPS_OPERATION_ENROLL, TOK_TPS_STATUS_ERROR_SECURE_CHANNEL);
	/* the record was added, never formatted */
	rec = token_get(env, TEST_CUID_A);
	g_assert_cmpint(rec->status, ==, TPS_TOKEN_STATUS_UNFORMATTED);
	g_assert_cmpuint(count_activity(env, TEST_CUID_A, TPS_ACTIVITY_FORMAT, "failure"), ==, 1);
}

static void
test_wrong_password(void)
{
	g_autoptr(Env) env = env_new(NULL);
	g_autoptr(VcardCard) card = card_new(TOK_GP_SCP01, TEST_CUID_A, NULL);
	TpsOpsTestClient client;

	tps_ops_test_client_init(&client, card, TOK_TPS_OPERATION_ENROLL);
	client.password = "not alice's password";
	run_expect(env, &client, TOK_TPS_STATUS_ERROR_LOGIN);
	/* nothing happened to the card beyond reading what it is */
	g_assert_cmpuint(client.n_new_pins, ==, 0);
	tps_ops_test_client_clear(&client);
	/* an unknown user gets the same answer */
	tps_ops_test_client_init(&client, card, TOK_TPS_OPERATION_FORMAT);
	client.user = "mallory";
	run_expect(env, &client, TOK_TPS_STATUS_ERROR_LOGIN);
	tps_ops_test_client_clear(&client);
	g_assert_cmpuint(count_certs(env, TEST_CUID_A, NULL), ==, 0);
}

/* The client vanishes when the card is asked to generate a key: the record stays FORMATTED
 * without owner or certificates, and the next ENROLL succeeds. */
static void
test_disconnect(void)
{
	g_autoptr(Env) env = env_new(NULL);
	g_autoptr(VcardCard) card = card_new(TOK_GP_SCP03, TEST_CUID_A, NULL);
	g_autoptr(TpsTokenRecord) rec = NULL;
	TpsOpsTestClient client;
	TokTpsStatus status;

	tps_ops_test_client_init(&client, card, TOK_TPS_OPERATION_ENROLL);
	client.vanish_at_keygen = TRUE;
	status = tps_ops_test_client_run(&client, &env->ctx);
	g_assert_true(client.vanished);
	g_assert_false(client.got_end_op);
	g_assert_cmpint(status, ==, TOK_TPS_STATUS_ERROR_CONN_LOST);
	tps_ops_test_client_clear(&client);
	rec = token_get(env, TEST_CUID_A);
	g_assert_cmpint(rec->status, ==, TPS_TOKEN_STATUS_FORMATTED);
	g_assert_null(rec->user_id);
	g_assert_cmpuint(count_certs(env, TEST_CUID_A, NULL), ==, 0);
	g_assert_cmpuint(count_activity(env, TEST_CUID_A, TPS_ACTIVITY_ENROLLMENT, "failure"), ==, 1);

	/* the card must be reset as a reader would after the client went away */
	vcard_card_reset(card);
	run_op(env, card, TOK_TPS_OPERATION_ENROLL, TOK_TPS_STATUS_NO_ERROR);
	g_clear_pointer(&rec, tps_token_record_free);
	rec = token_get(env, TEST_CUID_A);
	g_assert_cmpint(rec->status, ==, TPS_TOKEN_STATUS_ACTIVE);
	g_assert_cmpuint(count_certs(env, TEST_CUID_A, TPS_CERT_STATUS_ACTIVE), ==, 2);
	check_enrolled_card(card, "123456", "Alice Example");
}

/* (user, token): bob may not enrol or format alice's token; alice may not hold two active
 * tokens; re-enrolling her token supersedes her certificates. */
static void
test_owner(void)
{
	g_autoptr(Env) env = env_new(NULL);
	g_autoptr(VcardCard) card_a = card_new(TOK_GP_SCP01, TEST_CUID_A, NULL);
	g_autoptr(VcardCard) card_b = card_new(TOK_GP_SCP01, TEST_CUID_B, NULL);
	TpsOpsTestClient client;

	run_op(env, card_a, TOK_TPS_OPERATION_ENROLL, TOK_TPS_STATUS_NO_ERROR);
	tps_ops_test_client_init(&client, card_a, TOK_TPS_OPERATION_ENROLL);
	client.user = "bob";
	client.password = "bob password";
	run_expect(env, &client, TOK_TPS_STATUS_ERROR_NOT_TOKEN_OWNER);
	tps_ops_test_client_clear(&client);
	tps_ops_test_client_init(&client, card_a, TOK_TPS_OPERATION_FORMAT);
	client.user = "bob";
	client.password = "bob password";
	run_expect(env, &client, TOK_TPS_STATUS_ERROR_NOT_TOKEN_OWNER);
	tps_ops_test_client_clear(&client);
	g_assert_cmpuint(count_certs(env, TEST_CUID_A, TPS_CERT_STATUS_ACTIVE), ==, 2);

	/* allowMultiActiveTokensUser=false */
	run_op(env, card_b, TOK_TPS_OPERATION_ENROLL, TOK_TPS_STATUS_ERROR_HAS_AT_LEAST_ONE_ACTIVE_TOKEN);
	/* bob may */
	tps_ops_test_client_init(&client, card_b, TOK_TPS_OPERATION_ENROLL);
	client.user = "bob";
	client.password = "bob password";
	run_expect(env, &client, TOK_TPS_STATUS_NO_ERROR);
	tps_ops_test_client_clear(&client);
	check_enrolled_card(card_b, "123456", "Bob");

	/* re-enrollment (RE_ENROLL=YES by default): new certificates, the old ones revoked */
	run_op(env, card_a, TOK_TPS_OPERATION_ENROLL, TOK_TPS_STATUS_NO_ERROR);
	g_assert_cmpuint(count_certs(env, TEST_CUID_A, TPS_CERT_STATUS_ACTIVE), ==, 2);
	g_assert_cmpuint(count_certs(env, TEST_CUID_A, TPS_CERT_STATUS_REVOKED), ==, 2);
	/* RE_ENROLL=NO refuses it */
	set_policy(env, TEST_CUID_A, "RE_ENROLL=NO");
	run_op(env, card_a, TOK_TPS_OPERATION_ENROLL, TOK_TPS_STATUS_ERROR_DISABLED_TOKEN);
}

/* Token states no operation may touch, and refused transitions. */
static void
test_states(void)
{
	g_autoptr(Env) env = env_new("[operations]\nallowed-transitions=0:0,0:4,4:4,4:0\n");
	g_autoptr(VcardCard) card = card_new(TOK_GP_SCP01, TEST_CUID_A, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTokenRecord) rec = NULL;

	/* 7:0 removed: an unknown token can be neither formatted nor enrolled */
	run_op(env, card, TOK_TPS_OPERATION_FORMAT, TOK_TPS_STATUS_ERROR_DISABLED_TOKEN);
	run_op(env, card, TOK_TPS_OPERATION_ENROLL, TOK_TPS_STATUS_ERROR_DISABLED_TOKEN);
	/* PIN RESET of an unknown token */
	{
		g_autoptr(VcardCard) other = card_new(TOK_GP_SCP01, TEST_CUID_B, NULL);
		run_op(env, other, TOK_TPS_OPERATION_RESET_PIN, TOK_TPS_STATUS_ERROR_UNKNOWN_TOKEN);
	}
	/* a terminated token */
	rec = tps_token_record_new();
	rec->cuid = g_strdup(TEST_CUID_B);
	rec->status = TPS_TOKEN_STATUS_TERMINATED;
	g_assert_true(tps_token_db_add_token(env->ctx.db, rec, &error));
	g_assert_no_error(error);
	{
		g_autoptr(VcardCard) other = card_new(TOK_GP_SCP01, TEST_CUID_B, NULL);
		run_op(env, other, TOK_TPS_OPERATION_FORMAT, TOK_TPS_STATUS_ERROR_TOKEN_TERMINATED);
		rec->status = TPS_TOKEN_STATUS_PERM_LOST;
		g_assert_true(tps_token_db_update_token(env->ctx.db, rec, &error));
		run_op(env, other, TOK_TPS_OPERATION_ENROLL, TOK_TPS_STATUS_ERROR_NO_OPERATION_ON_LOST_TOKEN);
	}
	/* operations the Java TPS does not implement: result 1, message 0 */
	{
		TpsOpsTestClient client;
		tps_ops_test_client_init(&client, card, TOK_TPS_OPERATION_RENEW);
		g_assert_cmpint(tps_ops_test_client_run(&client, &env->ctx), ==, TOK_TPS_STATUS_NO_ERROR);
		g_assert_true(client.got_end_op);
		g_assert_cmpint(client.end_operation, ==, TOK_TPS_OPERATION_RENEW);
		g_assert_cmpuint(client.end_result, ==, 1);
		g_assert_cmpint(client.end_status, ==, TOK_TPS_STATUS_NO_ERROR);
		g_assert_cmpuint(client.n_pdus, ==, 0);
		tps_ops_test_client_clear(&client);
	}
}

/* sym-keys-update: FORMAT replaces the developer keys (version 01) by the master key's version
 * 02 keys (PUT KEY on the card manager); ENROLL and FORMAT then run on those. */
static void
test_key_changeover(gconstpointer data)
{
	TokGpScp scp = GPOINTER_TO_INT(data);
	g_autoptr(Env) env = env_new_full("sym-keys-update=true\nsym-keys-required-version=2\n", 0x02);
	g_autoptr(VcardCard) card = card_new(scp, TEST_CUID_A, NULL);
	g_autoptr(TpsTokenRecord) rec = NULL;

	g_assert_cmpuint(vcard_card_get_key_version(card), ==, 0x01);
	run_op(env, card, TOK_TPS_OPERATION_FORMAT, TOK_TPS_STATUS_NO_ERROR);
	g_assert_cmpuint(vcard_card_get_key_version(card), ==, 0x02);
	g_assert_cmpuint(count_activity(env, TEST_CUID_A, TPS_ACTIVITY_KEY_CHANGEOVER, "success"), ==, 1);
	rec = token_get(env, TEST_CUID_A);
	g_assert_true(g_str_has_prefix(rec->key_info, "02"));
	run_op(env, card, TOK_TPS_OPERATION_ENROLL, TOK_TPS_STATUS_NO_ERROR);
	check_enrolled_card(card, "123456", "Alice Example");
	run_op(env, card, TOK_TPS_OPERATION_FORMAT, TOK_TPS_STATUS_NO_ERROR);
	g_assert_cmpuint(vcard_card_get_key_version(card), ==, 0x02);
	g_assert_cmpuint(count_activity(env, TEST_CUID_A, TPS_ACTIVITY_KEY_CHANGEOVER, "success"), ==, 1);
}

static void
test_status_mapping(void)
{
	struct {
		GQuark domain;
		gint code;
		TokTpsStatus want;
	} cases[] = {
	    {TPS_ERROR, TPS_ERROR_AUTH, TOK_TPS_STATUS_ERROR_LOGIN},
	    {TPS_ERROR, TPS_ERROR_NOT_AUTHORIZED, TOK_TPS_STATUS_ERROR_NOT_TOKEN_OWNER},
	    {TPS_ERROR, TPS_ERROR_POLICY, TOK_TPS_STATUS_ERROR_DISABLED_TOKEN},
	    {TPS_ERROR, TPS_ERROR_TRANSITION, TOK_TPS_STATUS_ERROR_DISABLED_TOKEN},
	    {TPS_ERROR, TPS_ERROR_NOT_FOUND, TOK_TPS_STATUS_ERROR_UNKNOWN_TOKEN},
	    {TPS_ERROR, TPS_ERROR_CONFIG, TOK_TPS_STATUS_ERROR_MISCONFIGURATION},
	    {TPS_ERROR, TPS_ERROR_BACKEND, TOK_TPS_STATUS_ERROR_DB},
	    {TPS_ERROR, TPS_ERROR_EXISTS, TOK_TPS_STATUS_ERROR_CREATE_TUS_TOKEN_ENTRY},
	    {TPS_ERROR, TPS_ERROR_PROTOCOL, TOK_TPS_STATUS_ERROR_CONNECTION},
	    {TPS_ERROR, TPS_ERROR_INVALID, TOK_TPS_STATUS_ERROR_CONNECTION},
	    {TPS_ERROR, TPS_ERROR_DISCONNECTED, TOK_TPS_STATUS_ERROR_CONN_LOST},
	    {TPS_ERROR, TPS_ERROR_TIMEOUT, TOK_TPS_STATUS_ERROR_CONN_LOST},
	    {TPS_ERROR, TPS_ERROR_FAILED, TOK_TPS_STATUS_ERROR_CANNOT_PERFORM_OPERATION},
	    {TKS_ERROR, TKS_ERROR_CARD_CRYPTOGRAM, TOK_TPS_STATUS_ERROR_SECURE_CHANNEL},
	    {TKS_ERROR, TKS_ERROR_NOT_FOUND, TOK_TPS_STATUS_ERROR_SECURE_CHANNEL},
	    {TOK_ERROR, TOK_ERROR_CARD, TOK_TPS_STATUS_ERROR_CANNOT_PERFORM_OPERATION},
	    {G_IO_ERROR, G_IO_ERROR_CANCELLED, TOK_TPS_STATUS_ERROR_CONN_LOST},
	    {G_IO_ERROR, G_IO_ERROR_TIMED_OUT, TOK_TPS_STATUS_ERROR_CONN_LOST},
	    {TPS_STATUS_ERROR, TOK_TPS_STATUS_ERROR_UPGRADE_APPLET, TOK_TPS_STATUS_ERROR_UPGRADE_APPLET},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = g_error_new_literal(cases[i].domain, cases[i].code, "x");
		g_assert_cmpint(tps_status_from_error(error), ==, cases[i].want);
	}
	g_assert_cmpint(tps_status_from_error(NULL), ==, TOK_TPS_STATUS_ERROR_CANNOT_PERFORM_OPERATION);
	/* tagging: the first tag wins, the message stays */
	{
		g_autoptr(GError) error = g_error_new_literal(TOK_ERROR, TOK_ERROR_CARD, "card said no");
		tps_status_error_tag(&error, TOK_TPS_STATUS_ERROR_SECURE_CHANNEL);
		tps_status_error_tag(&error, TOK_TPS_STATUS_ERROR_UPGRADE_APPLET);
		g_assert_error(error, TPS_STATUS_ERROR, TOK_TPS_STATUS_ERROR_SECURE_CHANNEL);
		g_assert_cmpstr(error->message, ==, "card said no");
		tps_status_error_tag(NULL, TOK_TPS_STATUS_ERROR_LOGIN);
	}
	/* a lost client stays a lost client, a client breaking the protocol stays one */
	{
		g_autoptr(GError) error = g_error_new_literal(TPS_ERROR, TPS_ERROR_DISCONNECTED, "gone");
		g_autoptr(GError) protocol = g_error_new_literal(TPS_ERROR, TPS_ERROR_PROTOCOL, "bad message");
		tps_status_error_tag(&error, TOK_TPS_STATUS_ERROR_MAC_ENROLL_PDU);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_DISCONNECTED);
		g_assert_cmpint(tps_status_from_error(error), ==, TOK_TPS_STATUS_ERROR_CONN_LOST);
		tps_status_error_tag(&protocol, TOK_TPS_STATUS_ERROR_CREATE_CARDMGR);
		g_assert_cmpint(tps_status_from_error(protocol), ==, TOK_TPS_STATUS_ERROR_CONNECTION);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_data_func("/tps/operations/lifecycle/scp01", GINT_TO_POINTER(TOK_GP_SCP01), test_lifecycle);
	g_test_add_data_func("/tps/operations/lifecycle/scp02", GINT_TO_POINTER(TOK_GP_SCP02), test_lifecycle);
	g_test_add_data_func("/tps/operations/lifecycle/scp03", GINT_TO_POINTER(TOK_GP_SCP03), test_lifecycle);
	g_test_add_func("/tps/operations/enroll/forged-proof", test_forged_proof);
	g_test_add_data_func("/tps/operations/secure-channel/bad-cryptogram/scp01", GINT_TO_POINTER(TOK_GP_SCP01), test_bad_cryptogram);
	g_test_add_data_func("/tps/operations/secure-channel/bad-cryptogram/scp03", GINT_TO_POINTER(TOK_GP_SCP03), test_bad_cryptogram);
	g_test_add_func("/tps/operations/login/wrong-password", test_wrong_password);
	g_test_add_func("/tps/operations/enroll/disconnect", test_disconnect);
	g_test_add_func("/tps/operations/enroll/owner", test_owner);
	g_test_add_func("/tps/operations/states", test_states);
	g_test_add_data_func("/tps/operations/key-changeover/scp01", GINT_TO_POINTER(TOK_GP_SCP01), test_key_changeover);
	g_test_add_data_func("/tps/operations/key-changeover/scp02", GINT_TO_POINTER(TOK_GP_SCP02), test_key_changeover);
	g_test_add_data_func("/tps/operations/key-changeover/scp03", GINT_TO_POINTER(TOK_GP_SCP03), test_key_changeover);
	g_test_add_func("/tps/operations/status/mapping", test_status_mapping);
	return g_test_run();
}
