/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * tpsd: the Token Processing System server.
 *
 *   tpsd [--config FILE] [--state-dir DIR] [--port N]
 *
 * Without a configuration file it runs on embedded defaults in the state directory, creating
 * once what it needs there: a TLS certificate and key (self-signed, for the public host name),
 * the local CA, the TKS key store (a file protected by a random key file, with the developer
 * key set), the SQLite token database, and a users file with a demo user whose random
 * password is printed once, when it is created.
 *
 * Applets: FORMAT installs the CoolKey applet from the profile's applet directory, by default
 * STATE/applets. When that directory does not exist yet, tpsd creates it and copies the *.ijc
 * images of TPS_DEFAULT_APPLET_DIR into it (set at build time: the project's data/applets in
 * the source tree), so FORMAT works on a fresh state directory; an operator may then add or
 * replace images there. A configuration naming another applet-directory is not affected.
 *
 * Every line tpsd prints on stdout (the port, the demo password) is flushed at once, so a
 * reader on a pipe sees it without waiting for a buffer to fill.
 *
 * Memory: every login hashes the password with scrypt, whose 32 MiB working buffer (the
 * default parameters) glibc maps fresh each time: 8192 page faults, about 15% of a login's
 * CPU. With the glibc tunable glibc.malloc.hugetlb=1 such blocks get transparent huge pages
 * (16 faults). Tunables are read when a process starts, so tpsd re-executes itself once with
 * it added to GLIBC_TUNABLES, unless GLIBC_TUNABLES already says anything about
 * glibc.malloc.hugetlb (set glibc.malloc.hugetlb=0 to keep the default).
 */
#include "config.h"

#include "tok-openssl-autoptr.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tks-key-store-file.h"
#include "tks-secret-file.h"
#include "tok-error.h"
#include "tps-authenticator-file.h"
#include "tps-ca-local.h"
#include "tps-error.h"
#include "tps-http-server.h"
#include "tps-processor.h"
#include "tps-token-db-sqlite.h"

#define TPSD_DEMO_USER	       "demo"
#define TPSD_DEMO_PASSWORD_LEN 16
#define TPSD_TLS_DAYS	       825
#define TPSD_MAX_APPLET_SIZE   (1024 * 1024)

#ifndef TPS_DEFAULT_APPLET_DIR
#error "TPS_DEFAULT_APPLET_DIR must be defined by the build"
#endif


typedef struct {
	TpsContext ctx;
	GMainLoop *loop;
} Tpsd;

static void
tpsd_clear(Tpsd *d)
{
	g_clear_object(&d->ctx.config);
	g_clear_object(&d->ctx.tks);
	g_clear_object(&d->ctx.db);
	g_clear_object(&d->ctx.ca);
	g_clear_object(&d->ctx.auth);
	g_clear_object(&d->ctx.crypto);
	g_clear_pointer(&d->loop, g_main_loop_unref);
}

static gboolean
tpsd_mkdir(const gchar *path, GError **error)
{
	if (g_mkdir_with_parents(path, 0700) != 0) {
		int saved = errno;
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "cannot create %s: %s", path, g_strerror(saved));
		return FALSE;
	}
	return TRUE;
}

static gchar *
tpsd_bio_text(BIO *bio)
{
	char *data = NULL;
	long len = BIO_get_mem_data(bio, &data);

	if (len <= 0 || data == NULL)
		return NULL;
	return g_strndup(data, (gsize)len);
}

static gboolean
tpsd_add_extension(X509 *cert, X509V3_CTX *v3, int nid, const char *value, GError **error)
{
	g_autoptr(X509_EXTENSION) ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);

	if (ext == NULL || X509_add_ext(cert, ext, -1) != 1) {
		tok_error_set_openssl(error, "TLS certificate extension");
		return FALSE;
	}
	return TRUE;
}

/* A self-signed P-256 certificate for @hostname (and localhost / 127.0.0.1), written once. */
static gboolean
tpsd_make_tls_certificate(const gchar *cert_path, const gchar *key_path, const gchar *hostname, GError **error)
{
	g_autoptr(EVP_PKEY) key = EVP_EC_gen("P-256");
	g_autoptr(X509) cert = X509_new();
	g_autoptr(BIO) key_bio = BIO_new(BIO_s_mem());
	g_autoptr(BIO) cert_bio = BIO_new(BIO_s_mem());
	g_autofree gchar *key_pem = NULL;
	g_autofree gchar *cert_pem = NULL;
	g_autofree gchar *san = NULL;
	g_autofree gchar *dir = g_path_get_dirname(cert_path);
	guint8 serial[16];
	X509V3_CTX v3;
	X509_NAME *name;
	BIGNUM *bn;

	if (key == NULL || cert == NULL || key_bio == NULL || cert_bio == NULL) {
		tok_error_set_openssl(error, "TLS key");
		return FALSE;
	}
	if (RAND_bytes(serial, sizeof(serial)) != 1) {
		tok_error_set_openssl(error, "TLS certificate serial");
		return FALSE;
	}
	serial[0] &= 0x7F;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) == NULL) {
		BN_free(bn);
		tok_error_set_openssl(error, "TLS certificate serial");
		return FALSE;
	}
	BN_free(bn);
	name = X509_get_subject_name(cert);
	if (X509_set_version(cert, 2) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)hostname, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(cert, name) != 1 || X509_gmtime_adj(X509_getm_notBefore(cert), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(cert), (long)TPSD_TLS_DAYS * 24 * 3600) == NULL ||
	    X509_set_pubkey(cert, key) != 1) {
		tok_error_set_openssl(error, "TLS certificate");
		return FALSE;
	}
	X509V3_set_ctx(&v3, cert, cert, NULL, NULL, 0);
	if (g_strcmp0(hostname, "localhost") == 0)
		san = g_strdup("DNS:localhost,IP:127.0.0.1,IP:::1");
	else if (g_hostname_is_ip_address(hostname))
		san = g_strdup_printf("IP:%s,DNS:localhost,IP:127.0.0.1", hostname);
	else
		san = g_strdup_printf("DNS:%s,DNS:localhost,IP:127.0.0.1", hostname);
	if (!tpsd_add_extension(cert, &v3, NID_subject_alt_name, san, error) ||
	    !tpsd_add_extension(cert, &v3, NID_basic_constraints, "critical,CA:FALSE", error) ||
	    !tpsd_add_extension(cert, &v3, NID_key_usage, "critical,digitalSignature", error) ||
	    !tpsd_add_extension(cert, &v3, NID_ext_key_usage, "serverAuth", error))
		return FALSE;
	if (X509_sign(cert, key, EVP_sha256()) <= 0 || PEM_write_bio_PrivateKey(key_bio, key, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_X509(cert_bio, cert) != 1) {
		tok_error_set_openssl(error, "TLS certificate");
		return FALSE;
	}
	key_pem = tpsd_bio_text(key_bio);
	cert_pem = tpsd_bio_text(cert_bio);
	if (key_pem == NULL || cert_pem == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND, "TLS certificate: no PEM output");
		return FALSE;
	}
	if (!tpsd_mkdir(dir, error))
		return FALSE;
	if (!g_file_set_contents_full(key_path, key_pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error) ||
	    !g_file_set_contents_full(cert_path, cert_pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
		return FALSE;
	g_print("tpsd: created the TLS certificate %s\n", cert_path);
	fflush(stdout);
	return TRUE;
}

static GTlsCertificate *
tpsd_load_tls(TpsConfig *config, GError **error)
{
	const gchar *cert_path = tps_config_get_tls_certificate_path(config);
	const gchar *key_path = tps_config_get_tls_key_path(config);
	gboolean have_cert = g_file_test(cert_path, G_FILE_TEST_EXISTS);
	gboolean have_key = g_file_test(key_path, G_FILE_TEST_EXISTS);

	if (have_cert != have_key) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_CONFIG,
			    "TLS: %s exists but %s does not",
			    have_cert ? cert_path : key_path,
			    have_cert ? key_path : cert_path);
		return NULL;
	}
	if (!have_cert && !tpsd_make_tls_certificate(cert_path, key_path, tps_config_get_public_hostname(config), error))
		return NULL;
	return g_tls_certificate_new_from_files(cert_path, key_path, error);
}

static TksService *
tpsd_open_tks(TpsConfig *config, GError **error)
{
	g_autofree gchar *dir = g_build_filename(tps_config_get_state_dir(config), "tks", NULL);
	g_autofree gchar *store_path = g_build_filename(dir, "keys.tks", NULL);
	g_autofree gchar *key_path = g_build_filename(dir, "keys.key", NULL);
	g_autoptr(TokSecret) file_key = NULL;
	g_autoptr(TksKeyStoreFile) store = NULL;

	if (!tpsd_mkdir(dir, error))
		return NULL;
	if (!g_file_test(key_path, G_FILE_TEST_EXISTS)) {
		if (g_file_test(store_path, G_FILE_TEST_EXISTS)) {
			g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "TKS key store %s without its key file %s", store_path, key_path);
			return NULL;
		}
		file_key = tok_secret_new_random(TKS_KEY_STORE_FILE_KEY_SIZE, error);
		if (file_key == NULL || !tks_secret_file_write_key(key_path, file_key, error))
			return NULL;
		store = tks_key_store_file_create(store_path, NULL, file_key, NULL, error);
	} else {
		file_key = tks_secret_file_read_key(key_path, TKS_KEY_STORE_FILE_KEY_SIZE, error);
		if (file_key == NULL)
			return NULL;
		store = tks_key_store_file_open(store_path, NULL, file_key, error);
	}
	if (store == NULL)
		return NULL;
	/* installs the developer key set where it is missing */
	return tks_service_new(TKS_KEY_STORE(store), tps_config_get_tks_config(config), error);
}

static TpsAuthenticator *
tpsd_open_users(TpsConfig *config, GError **error)
{
	const gchar *path = tps_config_get_users_file(config);

	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		/* a demo user with a random password, shown once */
		guint8 random[TPSD_DEMO_PASSWORD_LEN];
		static const gchar alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
		g_autoptr(TokSecret) password = tok_secret_new(TPSD_DEMO_PASSWORD_LEN);
		guint8 *pw = tok_secret_get_mutable_data(password);

		if (RAND_bytes(random, sizeof(random)) != 1) {
			tok_error_set_openssl(error, "demo password");
			return NULL;
		}
		for (guint i = 0; i < sizeof(random); i++)
			pw[i] = (guint8)alphabet[random[i] % (sizeof(alphabet) - 1)];
		OPENSSL_cleanse(random, sizeof(random));
		if (!tps_authenticator_file_add_user(path, TPSD_DEMO_USER, password, "Demo User", error))
			return NULL;
		g_print("tpsd: created the demo user \"%s\" with the password \"%.*s\" (shown only now)\n",
			TPSD_DEMO_USER,
			TPSD_DEMO_PASSWORD_LEN,
			(const gchar *)tok_secret_get_data(password, NULL));
		fflush(stdout);
	}
	return tps_authenticator_file_new(path, error);
}

/* First start: STATE/applets gets the applet images shipped with the project. */
static gboolean
tpsd_seed_applets(TpsConfig *config, GError **error)
{
	g_autofree gchar *dst = g_build_filename(tps_config_get_state_dir(config), "applets", NULL);
	g_autoptr(GDir) dir = NULL;
	const gchar *name;
	guint n = 0;

	if (g_file_test(dst, G_FILE_TEST_EXISTS))
		return TRUE;
	dir = g_dir_open(TPS_DEFAULT_APPLET_DIR, 0, NULL);
	if (dir == NULL) {
		g_message("no applet images in %s: put the CoolKey .ijc files into %s", TPS_DEFAULT_APPLET_DIR, dst);
		return TRUE;
	}
	if (!tpsd_mkdir(dst, error))
		return FALSE;
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *from = NULL;
		g_autofree gchar *to = NULL;
		g_autofree gchar *contents = NULL;
		gsize len = 0;

		if (!g_str_has_suffix(name, ".ijc"))
			continue;
		from = g_build_filename(TPS_DEFAULT_APPLET_DIR, name, NULL);
		to = g_build_filename(dst, name, NULL);
		if (!g_file_get_contents(from, &contents, &len, error)) {
			g_prefix_error(error, "applet images: ");
			return FALSE;
		}
		if (len > TPSD_MAX_APPLET_SIZE) {
			g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "applet image %s: %" G_GSIZE_FORMAT " bytes, at most %d",
				    from, len, TPSD_MAX_APPLET_SIZE);
			return FALSE;
		}
		if (!g_file_set_contents_full(to, contents, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error)) {
			g_prefix_error(error, "applet images: ");
			return FALSE;
		}
		n++;
	}
	g_print("tpsd: copied %u applet image(s) from %s to %s\n", n, TPS_DEFAULT_APPLET_DIR, dst);
	fflush(stdout);
	return TRUE;
}

static gboolean
tpsd_open_context(Tpsd *d, GError **error)
{
	TpsConfig *config = d->ctx.config;

	if (!tpsd_mkdir(tps_config_get_state_dir(config), error))
		return FALSE;
	if (!tpsd_seed_applets(config, error))
		return FALSE;
	d->ctx.tks = tpsd_open_tks(config, error);
	if (d->ctx.tks == NULL) {
		g_prefix_error(error, "TKS: ");
		return FALSE;
	}
	d->ctx.db = tps_token_db_sqlite_new(tps_config_get_database_path(config), error);
	if (d->ctx.db == NULL) {
		g_prefix_error(error, "token database: ");
		return FALSE;
	}
	d->ctx.ca = tps_ca_local_new(tps_config_get_ca_directory(config),
				     tps_config_get_ca_subject(config),
				     tps_config_get_ca_validity_days(config),
				     error);
	if (d->ctx.ca == NULL) {
		g_prefix_error(error, "CA: ");
		return FALSE;
	}
	d->ctx.auth = tpsd_open_users(config, error);
	if (d->ctx.auth == NULL) {
		g_prefix_error(error, "users: ");
		return FALSE;
	}
	/* one set of secure-channel primitives for every session */
	d->ctx.crypto = tok_gp_crypto_new(error);
	if (d->ctx.crypto == NULL) {
		g_prefix_error(error, "secure channel cryptography: ");
		return FALSE;
	}
	return TRUE;
}

/* The port the kernel gives for "any" on @address (the phone-home document needs it before the
 * server is built). */
static guint16
tpsd_pick_port(const gchar *address, GError **error)
{
	g_autoptr(GSocketListener) listener = g_socket_listener_new();
	g_autoptr(GInetAddress) inet = g_inet_address_new_from_string(address);
	g_autoptr(GSocketAddress) any = NULL;
	g_autoptr(GSocketAddress) effective = NULL;

	if (inet == NULL) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "listen address %s is not an IP address", address);
		return 0;
	}
	any = g_inet_socket_address_new(inet, 0);
	if (!g_socket_listener_add_address(listener, any, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
		return 0;
	return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
}

/* See the top of the file: once, before anything else, run again with transparent huge pages
 * for malloc's mmap'd blocks. Returns only when that is not needed or not possible. */
static void
tpsd_reexec_for_huge_pages(char **argv)
{
	const gchar *tunables = g_getenv("GLIBC_TUNABLES");
	g_autofree gchar *value = NULL;

	if (tunables != NULL && strstr(tunables, "glibc.malloc.hugetlb") != NULL)
		return;
	value = tunables != NULL && tunables[0] != '\0' ? g_strconcat(tunables, ":glibc.malloc.hugetlb=1", NULL)
							  : g_strdup("glibc.malloc.hugetlb=1");
	if (!g_setenv("GLIBC_TUNABLES", value, TRUE))
		return;
	execv("/proc/self/exe", argv);
	/* still here: go on without (the variable stays, so a child would not loop either) */
	g_printerr("tpsd: cannot re-execute with %s (%s); going on without it\n", value, g_strerror(errno));
}

static void
tpsd_on_session(TpsConnection *connection, TokTpsMessage *begin_op, gpointer user_data)
{
	Tpsd *d = user_data;

	tps_processor_run(&d->ctx, connection, begin_op);
}

static gboolean
tpsd_on_signal(gpointer user_data)
{
	Tpsd *d = user_data;

	g_main_loop_quit(d->loop);
	return G_SOURCE_REMOVE;
}

int
main(int argc, char **argv)
{
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *state_dir = NULL;
	gint port = -1;
	const GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file (default: embedded defaults)", "FILE"},
	    {"state-dir", 's', 0, G_OPTION_ARG_FILENAME, &state_dir, "State directory (overrides [server] state-dir)", "DIR"},
	    {"port", 'p', 0, G_OPTION_ARG_INT, &port, "HTTPS port (0: any free port)", "N"},
	    {NULL},
	};
	g_autoptr(GOptionContext) options = g_option_context_new("- Token Processing System server");
	g_autoptr(GError) error = NULL;
	g_autoptr(GTlsCertificate) certificate = NULL;
	g_autoptr(TpsHttpServer) server = NULL;
	Tpsd d = {0};
	guint16 https_port;
	guint16 http_port;
	int rc = 1;

	tpsd_reexec_for_huge_pages(argv);
	g_option_context_add_main_entries(options, entries, NULL);
	if (!g_option_context_parse(options, &argc, &argv, &error)) {
		g_printerr("tpsd: %s\n", error->message);
		return 2;
	}
	if (port < -1 || port > 65535) {
		g_printerr("tpsd: --port %d is not a port number\n", port);
		return 2;
	}
	d.ctx.config = tps_config_load_with_state_dir(config_path, state_dir, &error);
	if (d.ctx.config == NULL) {
		g_printerr("tpsd: configuration: %s\n", error->message);
		return 1;
	}
	if (!tpsd_open_context(&d, &error)) {
		g_printerr("tpsd: %s\n", error->message);
		tpsd_clear(&d);
		return 1;
	}
	certificate = tpsd_load_tls(d.ctx.config, &error);
	if (certificate == NULL) {
		g_printerr("tpsd: TLS: %s\n", error->message);
		tpsd_clear(&d);
		return 1;
	}
	https_port = port >= 0 ? (guint16)port : tps_config_get_https_port(d.ctx.config);
	http_port = tps_config_get_http_port(d.ctx.config);
	if (https_port == 0) {
		https_port = tpsd_pick_port(tps_config_get_listen_address(d.ctx.config), &error);
		if (https_port == 0) {
			g_printerr("tpsd: %s\n", error->message);
			tpsd_clear(&d);
			return 1;
		}
	}
	tps_config_set_bound_ports(d.ctx.config, https_port, http_port);
	server = tps_http_server_new(certificate,
				     tps_config_get_phone_home_xml(d.ctx.config),
				     tps_config_get_max_message_size(d.ctx.config),
				     tps_config_get_session_timeout(d.ctx.config),
				     tpsd_on_session,
				     &d,
				     NULL);
	if (!tps_http_server_listen(server, tps_config_get_listen_address(d.ctx.config), https_port, http_port, &error)) {
		g_printerr("tpsd: %s\n", error->message);
		g_clear_object(&server);
		tpsd_clear(&d);
		return 1;
	}
	g_print("tpsd: listening on https://%s:%u/tps/tps (state in %s)\n",
		tps_config_get_listen_address(d.ctx.config),
		(guint)tps_http_server_get_https_port(server),
		tps_config_get_state_dir(d.ctx.config));
	fflush(stdout);
	if (http_port != 0) {
		g_print("tpsd: plain HTTP on port %u\n", (guint)tps_http_server_get_http_port(server));
		fflush(stdout);
	}
	d.loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, tpsd_on_signal, &d);
	g_unix_signal_add(SIGTERM, tpsd_on_signal, &d);
	g_main_loop_run(d.loop);
	g_print("tpsd: stopping\n");
	fflush(stdout);
	tps_http_server_stop(server);
	/* sessions end on their own threads; they hold no reference to the context after that.
	 * Their finish deadlines are timeouts on this context: keep dispatching it. */
	while (tps_http_server_get_n_sessions(server) > 0) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		g_usleep(G_USEC_PER_SEC / 20);
	}
	rc = 0;
	g_clear_object(&server);
	tpsd_clear(&d);
	return rc;
}
