/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

#include "tps-ca-local.h"
#include "tps-error.h"
#include "tps-token-admin.h"
#include "tps-token-db-sqlite.h"

#define CUID "40906145C7620000A1B2"

typedef struct {
	gchar *dir;
	TpsContext ctx;
	gchar *sig; /* serials of the token's two certificates */
	gchar *enc;
} Fixture;

static void
remove_tree(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	if (dir == NULL)
		return;
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);
		if (g_file_test(child, G_FILE_TEST_IS_DIR))
			remove_tree(child);
		else
			g_unlink(child);
	}
	g_rmdir(path);
}

static gchar *
issue(Fixture *f, const gchar *profile, const gchar *key_type)
{
	g_autoptr(GError) error = NULL;
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	int n = i2d_PUBKEY(key, NULL);
	guint8 *buf = g_malloc((gsize)n);
	unsigned char *p = buf;
	g_autoptr(GBytes) spki = NULL;
	g_autoptr(TpsIssuedCert) ic = NULL;
	g_autoptr(TpsCertRecord) rec = tps_cert_record_new();

	g_assert_cmpint(i2d_PUBKEY(key, &p), ==, n);
	EVP_PKEY_free(key);
	spki = g_bytes_new_take(buf, (gsize)n);
	ic = tps_ca_connector_enroll(f->ctx.ca, profile, CUID, "alice", spki, NULL, &error);
	g_assert_no_error(error);
	rec->serial = g_strdup(ic->serial);
	rec->cuid = g_strdup(CUID);
	rec->user_id = g_strdup("alice");
	rec->key_type = g_strdup(key_type);
	rec->status = g_strdup(TPS_CERT_STATUS_ACTIVE);
	rec->subject = g_strdup(ic->subject);
	rec->issuer = g_strdup(ic->issuer);
	rec->not_before = ic->not_before;
	rec->not_after = ic->not_after;
	rec->der = g_bytes_ref(ic->der);
	g_assert_true(tps_token_db_add_cert(f->ctx.db, rec, &error));
	g_assert_no_error(error);
	return g_strdup(ic->serial);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ca_dir = NULL;
	g_autoptr(TpsTokenRecord) rec = tps_token_record_new();

	f->dir = g_dir_make_tmp("tps-admin-XXXXXX", &error);
	g_assert_no_error(error);
	f->ctx.config = tps_config_load_from_data("", 0, f->dir, &error);
	g_assert_no_error(error);
	f->ctx.db = tps_token_db_sqlite_new(":memory:", &error);
	g_assert_no_error(error);
	ca_dir = g_build_filename(f->dir, "ca", NULL);
	f->ctx.ca = tps_ca_local_new_full(ca_dir, "CN=Test CA", 30, TPS_CA_KEY_EC_P256, &error);
	g_assert_no_error(error);
	rec->cuid = g_strdup(CUID);
	rec->user_id = g_strdup("alice");
	rec->status = TPS_TOKEN_STATUS_ACTIVE;
	rec->previous_status = TPS_TOKEN_STATUS_FORMATTED;
	rec->token_type = g_strdup("userKey");
	g_assert_true(tps_token_db_add_token(f->ctx.db, rec, &error));
	g_assert_no_error(error);
	f->sig = issue(f, TPS_CA_PROFILE_USER_SIGNING, "signing");
	f->enc = issue(f, TPS_CA_PROFILE_USER_ENCRYPTION, "encryption");
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_clear_object(&f->ctx.config);
	g_clear_object(&f->ctx.db);
	g_clear_object(&f->ctx.ca);
	remove_tree(f->dir);
	g_free(f->dir);
	g_free(f->sig);
	g_free(f->enc);
}

/* serial -> reason (0 for no reasonCode) of the CA's CRL, checked against the published file */
static GHashTable *
crl_entries(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) der = tps_ca_connector_get_crl(f->ctx.ca, &error);
	g_autofree gchar *path = g_build_filename(f->dir, "ca", "crl.der", NULL);
	g_autofree gchar *file = NULL;
	gsize file_len = 0;
	GHashTable *out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	const unsigned char *p;
	X509_CRL *crl;
	STACK_OF(X509_REVOKED) *revoked;

	g_assert_no_error(error);
	g_assert_true(g_file_get_contents(path, &file, &file_len, NULL));
	g_assert_cmpmem(file, file_len, g_bytes_get_data(der, NULL), g_bytes_get_size(der));
	p = g_bytes_get_data(der, NULL);
	crl = d2i_X509_CRL(NULL, &p, (long)g_bytes_get_size(der));
	g_assert_nonnull(crl);
	revoked = X509_CRL_get_REVOKED(crl);
	for (int i = 0; i < sk_X509_REVOKED_num(revoked); i++) {
		X509_REVOKED *r = sk_X509_REVOKED_value(revoked, i);
		BIGNUM *bn = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(r), NULL);
		char *h = BN_bn2hex(bn);
		gchar *hex = g_ascii_strdown(h, -1);
		ASN1_ENUMERATED *code = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, NULL, NULL);
		while (hex[0] == '0' && hex[1] != '\0')
			memmove(hex, hex + 1, strlen(hex));
		g_hash_table_insert(out, hex, GINT_TO_POINTER(code != NULL ? (gint)ASN1_ENUMERATED_get(code) : 0));
		ASN1_ENUMERATED_free(code);
		OPENSSL_free(h);
		BN_free(bn);
	}
	X509_CRL_free(crl);
	return out;
}

static void
assert_crl(Fixture *f, gint sig_reason, gint enc_reason)
{
	g_autoptr(GHashTable) e = crl_entries(f);
	guint want = (sig_reason >= 0) + (enc_reason >= 0);

	g_assert_cmpuint(g_hash_table_size(e), ==, want);
	g_assert_cmpint(g_hash_table_contains(e, f->sig), ==, sig_reason >= 0);
	g_assert_cmpint(g_hash_table_contains(e, f->enc), ==, enc_reason >= 0);
	if (sig_reason >= 0)
		g_assert_cmpint(GPOINTER_TO_INT(g_hash_table_lookup(e, f->sig)), ==, sig_reason);
	if (enc_reason >= 0)
		g_assert_cmpint(GPOINTER_TO_INT(g_hash_table_lookup(e, f->enc)), ==, enc_reason);
}

static void
assert_cert_status(Fixture *f, const gchar *serial, const gchar *status)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsCertRecord) rec = tps_token_db_get_cert(f->ctx.db, serial, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(rec->status, ==, status);
}

static void
assert_token(Fixture *f, TpsTokenStatus status, TpsTokenStatus previous)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTokenRecord) rec = tps_token_db_get_token(f->ctx.db, CUID, &error);
	g_assert_no_error(error);
	g_assert_cmpint(rec->status, ==, status);
	g_assert_cmpint(rec->previous_status, ==, previous);
}

/* how many activities @operation with @result the log has for the token */
static guint
count_activity(Fixture *f, const gchar *operation, const gchar *result, const gchar *needle)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) acts = tps_token_db_list_activity(f->ctx.db, CUID, 0, &error);
	guint n = 0;

	g_assert_no_error(error);
	for (guint i = 0; i < acts->len; i++) {
		const TpsActivity *a = g_ptr_array_index(acts, i);
		if (g_strcmp0(a->operation, operation) == 0 && g_strcmp0(a->result, result) == 0 &&
		    (needle == NULL || (a->message != NULL && strstr(a->message, needle) != NULL))) {
			g_assert_cmpstr(a->user_id, ==, "agent");
			g_assert_cmpstr(a->client_address, ==, "192.0.2.7");
			n++;
		}
	}
	return n;
}

static void
change(Fixture *f, TpsTokenStatus to)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(tps_token_admin_change_status(&f->ctx, CUID, to, "test", "agent", "192.0.2.7", &error));
	g_assert_no_error(error);
}

static void
test_suspend_and_found(Fixture *f, gconstpointer data)
{
	assert_crl(f, -1, -1);
	change(f, TPS_TOKEN_STATUS_SUSPENDED);
	assert_token(f, TPS_TOKEN_STATUS_SUSPENDED, TPS_TOKEN_STATUS_ACTIVE);
	assert_crl(f, 6, 6);
	assert_cert_status(f, f->sig, TPS_CERT_STATUS_ON_HOLD);
	assert_cert_status(f, f->enc, TPS_CERT_STATUS_ON_HOLD);
	g_assert_cmpuint(count_activity(f, TPS_ACTIVITY_CERT_REVOCATION, "success", "certificateHold"), ==, 2);
	g_assert_cmpuint(count_activity(f, TPS_ACTIVITY_TOKEN_STATUS_CHANGE, "success", NULL), ==, 1);

	/* found: back to ACTIVE, the holds are lifted */
	change(f, TPS_TOKEN_STATUS_ACTIVE);
	assert_token(f, TPS_TOKEN_STATUS_ACTIVE, TPS_TOKEN_STATUS_SUSPENDED);
	assert_crl(f, -1, -1);
	assert_cert_status(f, f->sig, TPS_CERT_STATUS_ACTIVE);
	assert_cert_status(f, f->enc, TPS_CERT_STATUS_ACTIVE);
	g_assert_cmpuint(count_activity(f, TPS_ACTIVITY_CERT_UNREVOCATION, "success", f->sig), ==, 1);
	g_assert_cmpuint(count_activity(f, TPS_ACTIVITY_CERT_UNREVOCATION, "success", f->enc), ==, 1);
}

static void
test_suspend_then_lost(Fixture *f, gconstpointer data)
{
	change(f, TPS_TOKEN_STATUS_SUSPENDED);
	change(f, TPS_TOKEN_STATUS_PERM_LOST); /* 3:2: the held certificates become keyCompromise */
	assert_token(f, TPS_TOKEN_STATUS_PERM_LOST, TPS_TOKEN_STATUS_SUSPENDED);
	assert_crl(f, 1, 1);
	assert_cert_status(f, f->sig, TPS_CERT_STATUS_REVOKED);
	assert_cert_status(f, f->enc, TPS_CERT_STATUS_REVOKED);
	g_assert_cmpuint(count_activity(f, TPS_ACTIVITY_CERT_REVOCATION, "success", "keyCompromise"), ==, 2);
}

static void
test_permanent(Fixture *f, gconstpointer data)
{
	struct {
		TpsTokenStatus to;
		gint reason; /* in the CRL; 0 = no reasonCode (unspecified) */
		const gchar *name;
	} cases[] = {
	    {TPS_TOKEN_STATUS_PERM_LOST, 1, "keyCompromise"},
	    {TPS_TOKEN_STATUS_DAMAGED, 0, "unspecified"},
	    {TPS_TOKEN_STATUS_TERMINATED, 5, "cessationOfOperation"},
	};
	TpsTokenStatus to = GPOINTER_TO_INT(data);

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		if (cases[i].to != to)
			continue;
		change(f, to);
		assert_token(f, to, TPS_TOKEN_STATUS_ACTIVE);
		assert_crl(f, cases[i].reason, cases[i].reason);
		assert_cert_status(f, f->sig, TPS_CERT_STATUS_REVOKED);
		assert_cert_status(f, f->enc, TPS_CERT_STATUS_REVOKED);
		g_assert_cmpuint(count_activity(f, TPS_ACTIVITY_CERT_REVOCATION, "success", cases[i].name), ==, 2);
		return;
	}
	g_assert_not_reached();
}

static void
test_terminated_unformatted(Fixture *f, gconstpointer data)
{
	change(f, TPS_TOKEN_STATUS_TERMINATED);
	change(f, TPS_TOKEN_STATUS_UNFORMATTED); /* 6:7: nothing more to revoke */
	assert_token(f, TPS_TOKEN_STATUS_UNFORMATTED, TPS_TOKEN_STATUS_TERMINATED);
	assert_crl(f, 5, 5);
	g_assert_cmpuint(count_activity(f, TPS_ACTIVITY_CERT_REVOCATION, "success", NULL), ==, 2);
}

static void
test_refused(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	/* 4:7 is no manual transition: nothing changes, the refusal is logged */
	g_assert_false(tps_token_admin_change_status(&f->ctx, CUID, TPS_TOKEN_STATUS_UNFORMATTED, NULL, "agent",
						     "192.0.2.7", &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_TRANSITION);
	g_clear_error(&error);
	assert_token(f, TPS_TOKEN_STATUS_ACTIVE, TPS_TOKEN_STATUS_FORMATTED);
	assert_crl(f, -1, -1);
	g_assert_cmpuint(count_activity(f, TPS_ACTIVITY_TOKEN_STATUS_CHANGE, "failure", NULL), ==, 1);

	/* lost for good: no way back */
	change(f, TPS_TOKEN_STATUS_PERM_LOST);
	g_assert_false(tps_token_admin_change_status(&f->ctx, CUID, TPS_TOKEN_STATUS_ACTIVE, NULL, "agent",
						     "192.0.2.7", &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_TRANSITION);
	g_clear_error(&error);
	assert_crl(f, 1, 1);

	/* unknown token, bad context */
	g_assert_false(tps_token_admin_change_status(&f->ctx, "40906145C7620000FFFF", TPS_TOKEN_STATUS_SUSPENDED,
						     NULL, "agent", NULL, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
	g_clear_error(&error);
	{
		TpsContext empty = {0};
		g_assert_false(tps_token_admin_change_status(&empty, CUID, TPS_TOKEN_STATUS_SUSPENDED, NULL, "agent",
							     NULL, &error));
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_clear_error(&error);
	}
}

/* ---- a CA that fails on demand ---- */

#define TEST_TYPE_FAILING_CA (test_failing_ca_get_type())
G_DECLARE_FINAL_TYPE(TestFailingCa, test_failing_ca, TEST, FAILING_CA, GObject)

struct _TestFailingCa {
	GObject parent_instance;
	TpsCaConnector *real;
	gchar *fail_serial; /* revoke/unrevoke of this serial fails */
};

static void test_failing_ca_iface_init(TpsCaConnectorInterface *iface);
G_DEFINE_TYPE_WITH_CODE(TestFailingCa,
			test_failing_ca,
			G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(TPS_TYPE_CA_CONNECTOR, test_failing_ca_iface_init))

static void
test_failing_ca_finalize(GObject *object)
{
	TestFailingCa *self = TEST_FAILING_CA(object);
	g_clear_object(&self->real);
	g_free(self->fail_serial);
	G_OBJECT_CLASS(test_failing_ca_parent_class)->finalize(object);
}

static void
test_failing_ca_class_init(TestFailingCaClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = test_failing_ca_finalize;
}

static void
test_failing_ca_init(TestFailingCa *self)
{
}

static TpsIssuedCert *
failing_enroll(TpsCaConnector *ca, const gchar *p, const gchar *c, const gchar *u, GBytes *k, const gchar *cn,
	       GError **error)
{
	return tps_ca_connector_enroll(TEST_FAILING_CA(ca)->real, p, c, u, k, cn, error);
}

static gboolean
failing_revoke(TpsCaConnector *ca, const gchar *serial, guint reason, GError **error)
{
	TestFailingCa *self = TEST_FAILING_CA(ca);
	if (g_strcmp0(serial, self->fail_serial) == 0) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "CA unreachable (test)");
		return FALSE;
	}
	return tps_ca_connector_revoke(self->real, serial, reason, error);
}

static gboolean
failing_unrevoke(TpsCaConnector *ca, const gchar *serial, GError **error)
{
	TestFailingCa *self = TEST_FAILING_CA(ca);
	if (g_strcmp0(serial, self->fail_serial) == 0) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "CA unreachable (test)");
		return FALSE;
	}
	return tps_ca_connector_unrevoke(self->real, serial, error);
}

static GBytes *
failing_get_crl(TpsCaConnector *ca, GError **error)
{
	return tps_ca_connector_get_crl(TEST_FAILING_CA(ca)->real, error);
}

static GBytes *
failing_get_ca_certificate(TpsCaConnector *ca, GError **error)
{
	return tps_ca_connector_get_ca_certificate(TEST_FAILING_CA(ca)->real, error);
}

static void
test_failing_ca_iface_init(TpsCaConnectorInterface *iface)
{
	iface->enroll = failing_enroll;
	iface->revoke = failing_revoke;
	iface->unrevoke = failing_unrevoke;
	iface->get_crl = failing_get_crl;
	iface->get_ca_certificate = failing_get_ca_certificate;
}

/* wraps the fixture's CA; operations on @serial fail */
static TestFailingCa *
install_failing_ca(Fixture *f, const gchar *serial)
{
	TestFailingCa *fake = g_object_new(TEST_TYPE_FAILING_CA, NULL);
	fake->real = f->ctx.ca;
	fake->fail_serial = g_strdup(serial);
	f->ctx.ca = TPS_CA_CONNECTOR(fake);
	return fake;
}

static void
test_ca_failure(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	TestFailingCa *fake = install_failing_ca(f, f->enc);

	/* the signing certificate goes on hold, the encryption one fails: all is undone */
	g_assert_false(tps_token_admin_change_status(&f->ctx, CUID, TPS_TOKEN_STATUS_SUSPENDED, "lost?", "agent",
						     "192.0.2.7", &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
	g_assert_nonnull(strstr(error->message, "rolled back"));
	g_assert_nonnull(strstr(error->message, "CA unreachable"));
	g_assert_nonnull(strstr(error->message, f->enc));
	g_clear_error(&error);
	assert_token(f, TPS_TOKEN_STATUS_ACTIVE, TPS_TOKEN_STATUS_FORMATTED);
	assert_crl(f, -1, -1);
	assert_cert_status(f, f->sig, TPS_CERT_STATUS_ACTIVE);
	assert_cert_status(f, f->enc, TPS_CERT_STATUS_ACTIVE);
	g_assert_cmpuint(count_activity(f, TPS_ACTIVITY_CERT_REVOCATION, "failure", f->enc), ==, 1);
	g_assert_cmpuint(count_activity(f, TPS_ACTIVITY_CERT_UNREVOCATION, "success", "rolled back"), ==, 1);
	g_assert_cmpuint(count_activity(f, TPS_ACTIVITY_TOKEN_STATUS_CHANGE, "failure", "rolled back"), ==, 1);

	/* the CA works again: the change goes through */
	g_clear_pointer(&fake->fail_serial, g_free);
	change(f, TPS_TOKEN_STATUS_SUSPENDED);
	assert_crl(f, 6, 6);

	/* found again while the CA fails: the token stays SUSPENDED, holds stay */
	fake->fail_serial = g_strdup(f->enc);
	g_assert_false(tps_token_admin_change_status(&f->ctx, CUID, TPS_TOKEN_STATUS_ACTIVE, NULL, "agent",
						     "192.0.2.7", &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
	g_clear_error(&error);
	assert_token(f, TPS_TOKEN_STATUS_SUSPENDED, TPS_TOKEN_STATUS_ACTIVE);
	assert_crl(f, 6, 6);
	assert_cert_status(f, f->sig, TPS_CERT_STATUS_ON_HOLD);
	assert_cert_status(f, f->enc, TPS_CERT_STATUS_ON_HOLD);

	/* a permanent revocation already made stays, the token status goes back */
	g_free(fake->fail_serial);
	fake->fail_serial = g_strdup(f->enc);
	g_assert_false(tps_token_admin_change_status(&f->ctx, CUID, TPS_TOKEN_STATUS_TERMINATED, NULL, "agent",
						     "192.0.2.7", &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
	g_clear_error(&error);
	assert_token(f, TPS_TOKEN_STATUS_SUSPENDED, TPS_TOKEN_STATUS_ACTIVE);
	assert_crl(f, 5, 6);
	assert_cert_status(f, f->sig, TPS_CERT_STATUS_REVOKED);
	assert_cert_status(f, f->enc, TPS_CERT_STATUS_ON_HOLD);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, func, data) g_test_add("/tps/token-admin/" path, Fixture, data, fixture_setup, func, fixture_teardown)
	ADD("suspend-and-found", test_suspend_and_found, NULL);
	ADD("suspend-then-lost", test_suspend_then_lost, NULL);
	ADD("perm-lost", test_permanent, GINT_TO_POINTER(TPS_TOKEN_STATUS_PERM_LOST));
	ADD("damaged", test_permanent, GINT_TO_POINTER(TPS_TOKEN_STATUS_DAMAGED));
	ADD("terminated", test_permanent, GINT_TO_POINTER(TPS_TOKEN_STATUS_TERMINATED));
	ADD("terminated-unformatted", test_terminated_unformatted, NULL);
	ADD("refused", test_refused, NULL);
	ADD("ca-failure", test_ca_failure, NULL);
#undef ADD
	return g_test_run();
}
