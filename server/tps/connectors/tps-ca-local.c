/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <string.h>
#include <unistd.h>

#include "tok-secret.h"
#include "tps-ca-index.h"
#include "tps-ca-local.h"
#include "tps-connectors-private.h"
#include "tps-error.h"

#define TPS_CA_LOCAL_KEY_FILE "ca-key.pem"
#define TPS_CA_LOCAL_CERT_FILE "ca-cert.pem"
#define TPS_CA_LOCAL_INDEX_FILE "index.txt"
#define TPS_CA_LOCAL_CRL_DER_FILE "crl.der"
#define TPS_CA_LOCAL_CRL_PEM_FILE "crl.pem"
#define TPS_CA_LOCAL_MAX_PEM (1024 * 1024)
#define TPS_CA_LOCAL_MAX_SPKI 8192
#define TPS_CA_LOCAL_SERIAL_BYTES 16
#define TPS_CA_LOCAL_MAX_USER 256
#define TPS_CA_LOCAL_MAX_CN 64
#define TPS_CA_LOCAL_DEFAULT_CRL_HOURS 24

typedef struct {
	const gchar *id;
	const gchar *key_usage_rsa;
	const gchar *key_usage_ec;
	guint validity_days;
} TpsCaLocalProfile;

static const TpsCaLocalProfile tps_ca_local_profiles[] = {
    {TPS_CA_PROFILE_USER_SIGNING, "critical,digitalSignature,nonRepudiation",
     "critical,digitalSignature,nonRepudiation", 1825},
    {TPS_CA_PROFILE_USER_ENCRYPTION, "critical,keyEncipherment,dataEncipherment", "critical,keyAgreement",
     1825},
};

typedef struct {
	int nid;
	const gchar *value;
} TpsCaLocalExt;

/* X509_PUBKEY under a local name for its autoptr */
typedef X509_PUBKEY TpsCaLocalPubkey;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsCaLocalPubkey, X509_PUBKEY_free)

struct _TpsCaLocal {
	GObject parent_instance;
	GMutex lock;
	gchar *dir;
	gchar *key_path;
	gchar *cert_path;
	gchar *index_path;
	gchar *crl_der_path;
	gchar *crl_pem_path;
	EVP_PKEY *key;
	X509 *cert;
	GBytes *cert_der;
	TpsCaIndex *index;
	/* the text of index.txt as last written (NULL: unknown), so that an issuance appends one
	 * line to it instead of formatting every entry again */
	GString *index_text;
	guint crl_hours;
};

static void
tps_ca_local_connector_init(TpsCaConnectorInterface *iface);

G_DEFINE_TYPE_WITH_CODE(TpsCaLocal,
			tps_ca_local,
			G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(TPS_TYPE_CA_CONNECTOR, tps_ca_local_connector_init))

static void
tps_ca_local_finalize(GObject *object)
{
	TpsCaLocal *self = TPS_CA_LOCAL(object);

	g_mutex_clear(&self->lock);
	g_free(self->dir);
	g_free(self->key_path);
	g_free(self->cert_path);
	g_free(self->index_path);
	g_free(self->crl_der_path);
	g_free(self->crl_pem_path);
	EVP_PKEY_free(self->key);
	X509_free(self->cert);
	g_clear_pointer(&self->cert_der, g_bytes_unref);
	tps_ca_index_free(self->index);
	if (self->index_text != NULL)
		g_string_free(self->index_text, TRUE);
	G_OBJECT_CLASS(tps_ca_local_parent_class)->finalize(object);
}

static void
tps_ca_local_class_init(TpsCaLocalClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = tps_ca_local_finalize;
}

static void
tps_ca_local_init(TpsCaLocal *self)
{
	g_mutex_init(&self->lock);
	self->crl_hours = TPS_CA_LOCAL_DEFAULT_CRL_HOURS;
}

void
tps_ca_local_set_crl_validity(TpsCaLocal *ca, guint hours)
{
	g_return_if_fail(TPS_IS_CA_LOCAL(ca));
	g_mutex_lock(&ca->lock);
	ca->crl_hours = CLAMP(hours, 1, 8760);
	g_mutex_unlock(&ca->lock);
}

const gchar *
tps_ca_local_get_dir(TpsCaLocal *ca)
{
	g_return_val_if_fail(TPS_IS_CA_LOCAL(ca), NULL);
	return ca->dir;
}

static gboolean
tps_ca_local_publish_crl_locked(TpsCaLocal *self, GError **error);

/* ---- files ---- */

static gboolean
tps_ca_local_write_file(const gchar *path, const gchar *data, gsize len, int mode, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (!g_file_set_contents_full(path, data, (gssize)len,
				      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, mode,
				      &local)) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "cannot write %s: %s", path, local->message);
		return FALSE;
	}
	return TRUE;
}

static gchar *
tps_ca_local_read_file(const gchar *path, gsize max, gsize *len, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree gchar *data = NULL;

	if (!g_file_get_contents(path, &data, len, &local)) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "cannot read %s: %s", path, local->message);
		return NULL;
	}
	if (*len > max) {
		OPENSSL_cleanse(data, *len);
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "%s: %" G_GSIZE_FORMAT " bytes, at most %" G_GSIZE_FORMAT " expected",
			    path, *len, max);
		return NULL;
	}
	return g_steal_pointer(&data);
}

static gboolean
tps_ca_local_save_index(TpsCaLocal *self, GError **error)
{
	g_autofree gchar *text = tps_ca_index_to_string(self->index);

	if (self->index_text != NULL) {
		g_string_free(self->index_text, TRUE);
		self->index_text = NULL;
	}
	if (!tps_ca_local_write_file(self->index_path, text, strlen(text), 0600, error))
		return FALSE;
	self->index_text = g_string_new(text);
	return TRUE;
}

/* Appends @data to the index file and makes it durable (fdatasync) before returning: an
 * issuance is the one line it adds, so the file is not rewritten (a new inode, a rename) for
 * every certificate. A crash during the append can leave a partial last line, which
 * tps_ca_local_open() drops (that issuance was never reported). On failure the file is cut
 * back to @old_len; FALSE with *@consistent FALSE if even that failed. */
static gboolean
tps_ca_local_append_index(TpsCaLocal *self, const gchar *data, gsize len, gsize old_len, gboolean *consistent,
			  GError **error)
{
	gsize done = 0;
	int saved_errno = 0;
	const gchar *what = "append to";
	int fd;

	*consistent = TRUE;
	fd = g_open(self->index_path, O_WRONLY | O_APPEND | O_CLOEXEC, 0);
	if (fd < 0) {
		saved_errno = errno;
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "cannot open %s: %s", self->index_path,
			    g_strerror(saved_errno));
		return FALSE;
	}
	while (done < len && saved_errno == 0) {
		gssize n = write(fd, data + done, len - done);

		if (n > 0)
			done += (gsize)n;
		else if (n == 0)
			saved_errno = EIO;
		else if (errno != EINTR)
			saved_errno = errno;
	}
	if (saved_errno == 0 && fdatasync(fd) != 0) {
		saved_errno = errno;
		what = "sync";
	}
	if (saved_errno != 0 && (ftruncate(fd, (off_t)old_len) != 0 || fdatasync(fd) != 0))
		*consistent = FALSE;
	if (close(fd) != 0 && saved_errno == 0) {
		saved_errno = errno;
		what = "close";
		*consistent = FALSE;
	}
	if (saved_errno != 0) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "cannot %s %s: %s", what, self->index_path,
			    g_strerror(saved_errno));
		return FALSE;
	}
	return TRUE;
}

/* The index after tps_ca_index_add() of @entry: the text last written plus the entry's line,
 * appended to the file (durably) without formatting or writing the other entries again. On
 * failure the file holds what it held before, or (when that could not be ensured)
 * index_text is dropped so that the caller's tps_ca_local_restore_index() rewrites it whole. */
static gboolean
tps_ca_local_save_index_added(TpsCaLocal *self, const TpsCaIndexEntry *entry, GError **error)
{
	gsize old_len;
	gboolean consistent = TRUE;

	if (self->index_text == NULL)
		return tps_ca_local_save_index(self, error);
	old_len = self->index_text->len;
	tps_ca_index_append_entry_line(self->index_text, entry);
	if (!tps_ca_local_append_index(self, self->index_text->str + old_len, self->index_text->len - old_len,
				       old_len, &consistent, error)) {
		g_string_truncate(self->index_text, old_len);
		if (!consistent) {
			g_string_free(self->index_text, TRUE);
			self->index_text = NULL;
		}
		return FALSE;
	}
	return TRUE;
}

static GBytes *
tps_ca_local_cert_to_der(X509 *cert, GError **error)
{
	int n = i2d_X509(cert, NULL);
	guint8 *buf;
	unsigned char *p;

	if (n <= 0) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "encoding a certificate");
		return NULL;
	}
	buf = g_malloc((gsize)n);
	p = buf;
	if (i2d_X509(cert, &p) != n) {
		g_free(buf);
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "encoding a certificate");
		return NULL;
	}
	return g_bytes_new_take(buf, (gsize)n);
}

/* After a failed change was undone in memory: writes the index back (best effort, the
 * caller reports the first error). */
static void
tps_ca_local_restore_index(TpsCaLocal *self)
{
	g_autoptr(GError) local = NULL;

	if (!tps_ca_local_save_index(self, &local))
		g_warning("local CA: cannot restore %s: %s", self->index_path, local->message);
}

/* ---- names, serials, certificates ---- */

static X509_NAME *
tps_ca_local_parse_dn(const gchar *text, GError **error)
{
	g_autoptr(X509_NAME) name = X509_NAME_new();
	g_auto(GStrv) parts = NULL;
	guint n;

	if (text == NULL || text[0] == '\0') {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID, "empty CA subject");
		return NULL;
	}
	if (!g_utf8_validate(text, -1, NULL) || strpbrk(text, "\\\"+") != NULL) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
			    "CA subject \"%s\": not UTF-8, or uses escapes, quotes or '+'", text);
		return NULL;
	}
	parts = g_strsplit(text, ",", 0);
	n = g_strv_length(parts);
	/* RFC 4514 writes the most specific RDN first: append in reverse */
	for (guint i = n; i > 0; i--) {
		gchar *part = g_strstrip(parts[i - 1]);
		gchar *eq = strchr(part, '=');
		gchar *attr;
		gchar *value;

		if (eq == NULL) {
			g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
				    "CA subject \"%s\": \"%s\" is not attr=value", text, part);
			return NULL;
		}
		*eq = '\0';
		attr = g_strstrip(part);
		value = g_strstrip(eq + 1);
		if (attr[0] == '\0' || value[0] == '\0') {
			g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
				    "CA subject \"%s\": empty attribute name or value", text);
			return NULL;
		}
		if (X509_NAME_add_entry_by_txt(name, attr, MBSTRING_UTF8, (const unsigned char *)value, -1, -1,
					       0) != 1) {
			g_autoptr(GError) local = NULL;
			tps_ca_set_openssl_error(&local, TPS_ERROR_INVALID, "X509_NAME_add_entry_by_txt");
			g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
				    "CA subject \"%s\": attribute \"%s\" refused (%s)", text, attr, local->message);
			return NULL;
		}
	}
	return g_steal_pointer(&name);
}

static gboolean
tps_ca_local_random_serial(guint8 serial[TPS_CA_LOCAL_SERIAL_BYTES], GError **error)
{
	if (RAND_bytes(serial, TPS_CA_LOCAL_SERIAL_BYTES) != 1) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "random serial number");
		return FALSE;
	}
	serial[0] &= 0x7f; /* positive */
	return TRUE;
}

static gboolean
tps_ca_local_add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const gchar *value, GError **error)
{
	g_autoptr(X509_EXTENSION) ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);

	if (ext == NULL || X509_add_ext(cert, ext, -1) != 1) {
		g_autofree gchar *what = g_strdup_printf("certificate extension %s", OBJ_nid2sn(nid));
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, what);
		return FALSE;
	}
	return TRUE;
}

/* Puts the algorithm and key bits of @spki into @cert's subjectPublicKeyInfo as they are:
 * X509_set_pubkey() of a provider key would encode it again and decode the encoding (two
 * OpenSSL 3 coder lookups, which contend between session threads). FALSE, with nothing set,
 * for algorithm parameters other than none, NULL, an OID or a SEQUENCE. */
static gboolean
tps_ca_local_copy_spki(X509 *cert, const X509_PUBKEY *spki)
{
	ASN1_OBJECT *key_alg = NULL;
	const unsigned char *bits = NULL;
	int n_bits = 0;
	X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj = NULL;
	int ptype = V_ASN1_UNDEF;
	const void *pval = NULL;
	ASN1_OBJECT *obj_copy;
	void *pval_copy = NULL;
	unsigned char *bits_copy;

	if (X509_PUBKEY_get0_param(&key_alg, &bits, &n_bits, &alg, spki) != 1 || bits == NULL || n_bits <= 0 ||
	    alg == NULL)
		return FALSE;
	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	switch (ptype) {
	case V_ASN1_UNDEF:
	case V_ASN1_NULL:
		break;
	case V_ASN1_OBJECT:
		if (pval == NULL || (pval_copy = OBJ_dup(pval)) == NULL)
			return FALSE;
		break;
	case V_ASN1_SEQUENCE:
		if (pval == NULL || (pval_copy = ASN1_STRING_dup(pval)) == NULL)
			return FALSE;
		break;
	default:
		return FALSE;
	}
	obj_copy = OBJ_dup(obj);
	bits_copy = OPENSSL_memdup(bits, (size_t)n_bits);
	if (obj_copy == NULL || bits_copy == NULL ||
	    X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(cert), obj_copy, ptype, pval_copy, bits_copy, n_bits) != 1) {
		ASN1_OBJECT_free(obj_copy);
		OPENSSL_free(bits_copy);
		if (ptype == V_ASN1_OBJECT)
			ASN1_OBJECT_free(pval_copy);
		else if (ptype == V_ASN1_SEQUENCE)
			ASN1_STRING_free(pval_copy);
		return FALSE;
	}
	return TRUE;
}

/* A certificate for @pubkey named @subject, issued by @issuer (NULL: self-signed); when @spki
 * (the encoding @pubkey came from) is given, its encoding is copied as it is. */
static X509 *
tps_ca_local_make_cert(EVP_PKEY *pubkey,
		       const X509_PUBKEY *spki,
		       const X509_NAME *subject,
		       X509 *issuer,
		       EVP_PKEY *signing_key,
		       const guint8 *serial,
		       gint64 not_before,
		       gint64 not_after,
		       const TpsCaLocalExt *exts,
		       gsize n_exts,
		       GError **error)
{
	g_autoptr(X509) cert = X509_new();
	g_autoptr(BIGNUM) bn = BN_bin2bn(serial, TPS_CA_LOCAL_SERIAL_BYTES, NULL);
	g_autoptr(ASN1_INTEGER) sn = NULL;
	X509V3_CTX ctx;

	if (cert == NULL || bn == NULL || (sn = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    X509_set_version(cert, X509_VERSION_3) != 1 || X509_set_serialNumber(cert, sn) != 1 ||
	    X509_set_subject_name(cert, subject) != 1 ||
	    X509_set_issuer_name(cert, issuer != NULL ? X509_get_subject_name(issuer) : subject) != 1 ||
	    ASN1_TIME_set(X509_getm_notBefore(cert), (time_t)not_before) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(cert), (time_t)not_after) == NULL ||
	    ((spki == NULL || !tps_ca_local_copy_spki(cert, spki)) && X509_set_pubkey(cert, pubkey) != 1)) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "building a certificate");
		return NULL;
	}
	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : cert, cert, NULL, NULL, 0);
	for (gsize i = 0; i < n_exts; i++) {
		if (!tps_ca_local_add_ext(cert, &ctx, exts[i].nid, exts[i].value, error))
			return NULL;
	}
	if (X509_sign(cert, signing_key, EVP_sha256()) <= 0) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "signing a certificate");
		return NULL;
	}
	return g_steal_pointer(&cert);
}

/* ---- create / open ---- */

static gboolean
tps_ca_local_create(TpsCaLocal *self, const gchar *subject, guint validity_days, TpsCaKeyType key_type,
		    GError **error)
{
	static const TpsCaLocalExt exts[] = {
	    {NID_basic_constraints, "critical,CA:TRUE"},
	    {NID_key_usage, "critical,keyCertSign,cRLSign"},
	    {NID_subject_key_identifier, "hash"},
	    {NID_authority_key_identifier, "keyid:always"},
	};
	g_autoptr(X509_NAME) name = NULL;
	g_autoptr(EVP_PKEY) key = NULL;
	g_autoptr(X509) cert = NULL;
	g_autoptr(BIO) bio = NULL;
	g_autoptr(TpsCaIndex) index = tps_ca_index_new();
	guint8 serial[TPS_CA_LOCAL_SERIAL_BYTES];
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gchar *pem = NULL;
	long pem_len;
	g_autofree gchar *cert_pem = NULL;

	if (validity_days < 1 || validity_days > 36500) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
			    "CA validity of %u days (1 to 36500 allowed)", validity_days);
		return FALSE;
	}
	name = tps_ca_local_parse_dn(subject, error);
	if (name == NULL)
		return FALSE;
	if (key_type == TPS_CA_KEY_EC_P256)
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else
		key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	if (key == NULL) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "generating the CA key");
		return FALSE;
	}
	if (!tps_ca_local_random_serial(serial, error))
		return FALSE;
	cert = tps_ca_local_make_cert(key, NULL, name, NULL, key, serial, now, now + (gint64)validity_days * 86400,
				      exts, G_N_ELEMENTS(exts), error);
	if (cert == NULL)
		return FALSE;

	/* the key goes through a BIO on the secure heap, cleansed when freed */
	bio = BIO_new(BIO_s_secmem());
	if (bio == NULL || PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "encoding the CA key");
		return FALSE;
	}
	pem_len = BIO_get_mem_data(bio, &pem);
	if (pem_len <= 0 || pem == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND, "encoding the CA key gave nothing");
		return FALSE;
	}
	if (!tps_ca_local_write_file(self->key_path, pem, (gsize)pem_len, 0600, error))
		return FALSE;
	g_clear_pointer(&bio, BIO_free);

	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || PEM_write_bio_X509(bio, cert) != 1) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "encoding the CA certificate");
		return FALSE;
	}
	pem_len = BIO_get_mem_data(bio, &pem);
	if (pem_len <= 0 || pem == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND,
				    "encoding the CA certificate gave nothing");
		return FALSE;
	}
	cert_pem = g_strndup(pem, (gsize)pem_len);
	if (!tps_ca_local_write_file(self->cert_path, cert_pem, (gsize)pem_len, 0644, error))
		return FALSE;

	self->index = g_steal_pointer(&index);
	if (!tps_ca_local_save_index(self, error))
		return FALSE;
	self->key = g_steal_pointer(&key);
	self->cert = g_steal_pointer(&cert);
	g_message("created a local CA in %s", self->dir);
	return TRUE;
}

static gboolean
tps_ca_local_open(TpsCaLocal *self, GError **error)
{
	GStatBuf st;
	gsize len = 0;
	g_autofree gchar *key_pem = NULL;
	g_autofree gchar *cert_pem = NULL;
	g_autofree gchar *index_text = NULL;
	g_autoptr(BIO) bio = NULL;
	g_autoptr(EVP_PKEY) key = NULL;
	g_autoptr(X509) cert = NULL;
	gboolean torn;

	if (g_stat(self->key_path, &st) != 0) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "cannot stat %s: %s", self->key_path,
			    g_strerror(errno));
		return FALSE;
	}
	if ((st.st_mode & 077) != 0) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND,
			    "%s is accessible by group or others (mode %04o): make it 0600", self->key_path,
			    (guint)(st.st_mode & 07777));
		return FALSE;
	}
	key_pem = tps_ca_local_read_file(self->key_path, TPS_CA_LOCAL_MAX_PEM, &len, error);
	if (key_pem == NULL)
		return FALSE;
	bio = BIO_new_mem_buf(key_pem, (int)len);
	if (bio != NULL)
		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	OPENSSL_cleanse(key_pem, len);
	if (key == NULL) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "reading the CA key");
		g_prefix_error(error, "%s: ", self->key_path);
		return FALSE;
	}
	g_clear_pointer(&bio, BIO_free);

	cert_pem = tps_ca_local_read_file(self->cert_path, TPS_CA_LOCAL_MAX_PEM, &len, error);
	if (cert_pem == NULL)
		return FALSE;
	bio = BIO_new_mem_buf(cert_pem, (int)len);
	if (bio != NULL)
		cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (cert == NULL) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "reading the CA certificate");
		g_prefix_error(error, "%s: ", self->cert_path);
		return FALSE;
	}
	if (X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "%s does not belong to the key in %s",
			    self->cert_path, self->key_path);
		return FALSE;
	}

	index_text = tps_ca_local_read_file(self->index_path, TPS_CA_INDEX_MAX_SIZE, &len, error);
	if (index_text == NULL)
		return FALSE;
	/* issuances are appended (tps_ca_local_append_index()): a crash in the middle of one
	 * leaves a partial last line, for a certificate that was never handed out */
	torn = len > 0 && index_text[len - 1] != '\n';
	if (torn) {
		const gchar *nl = g_strrstr_len(index_text, (gssize)len, "\n");

		g_warning("local CA: %s ends in a partial line (an interrupted issuance): dropping %" G_GSIZE_FORMAT " bytes",
			  self->index_path, nl != NULL ? len - (gsize)(nl + 1 - index_text) : len);
		len = nl != NULL ? (gsize)(nl + 1 - index_text) : 0;
	}
	self->index = tps_ca_index_parse(index_text, len, error);
	if (self->index == NULL) {
		g_prefix_error(error, "%s: ", self->index_path);
		return FALSE;
	}
	if (torn) {
		if (!tps_ca_local_save_index(self, error))
			return FALSE;
	} else {
		self->index_text = g_string_new_len(index_text, (gssize)len);
	}
	self->key = g_steal_pointer(&key);
	self->cert = g_steal_pointer(&cert);
	return TRUE;
}

TpsCaConnector *
tps_ca_local_new_full(const gchar *dir,
		      const gchar *subject,
		      guint validity_days,
		      TpsCaKeyType key_type,
		      GError **error)
{
	g_autoptr(TpsCaLocal) self = NULL;
	gboolean have_key, have_cert, have_index;

	g_return_val_if_fail(error == NULL || *error == NULL, NULL);
	if (dir == NULL || dir[0] == '\0') {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID, "no directory for the local CA");
		return NULL;
	}
	if (g_mkdir_with_parents(dir, 0700) != 0) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "cannot create the CA directory %s: %s", dir,
			    g_strerror(errno));
		return NULL;
	}
	self = g_object_new(TPS_TYPE_CA_LOCAL, NULL);
	self->dir = g_strdup(dir);
	self->key_path = g_build_filename(dir, TPS_CA_LOCAL_KEY_FILE, NULL);
	self->cert_path = g_build_filename(dir, TPS_CA_LOCAL_CERT_FILE, NULL);
	self->index_path = g_build_filename(dir, TPS_CA_LOCAL_INDEX_FILE, NULL);
	self->crl_der_path = g_build_filename(dir, TPS_CA_LOCAL_CRL_DER_FILE, NULL);
	self->crl_pem_path = g_build_filename(dir, TPS_CA_LOCAL_CRL_PEM_FILE, NULL);
	have_key = g_file_test(self->key_path, G_FILE_TEST_EXISTS);
	have_cert = g_file_test(self->cert_path, G_FILE_TEST_EXISTS);
	have_index = g_file_test(self->index_path, G_FILE_TEST_EXISTS);
	if (!have_key && !have_cert && !have_index) {
		if (!tps_ca_local_create(self, subject, validity_days, key_type, error)) {
			g_prefix_error(error, "creating the local CA in %s: ", dir);
			return NULL;
		}
	} else if (!have_key || !have_cert || !have_index) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND,
			    "the local CA in %s is incomplete: %s is missing", dir,
			    !have_key ? TPS_CA_LOCAL_KEY_FILE : !have_cert ? TPS_CA_LOCAL_CERT_FILE : TPS_CA_LOCAL_INDEX_FILE);
		return NULL;
	} else if (!tps_ca_local_open(self, error)) {
		g_prefix_error(error, "opening the local CA in %s: ", dir);
		return NULL;
	}
	self->cert_der = tps_ca_local_cert_to_der(self->cert, error);
	if (self->cert_der == NULL)
		return NULL;
	/* a new CA publishes its (empty) CRL at once; an existing one if the files are gone */
	if (!have_key || !g_file_test(self->crl_der_path, G_FILE_TEST_EXISTS) ||
	    !g_file_test(self->crl_pem_path, G_FILE_TEST_EXISTS)) {
		gboolean published;

		g_mutex_lock(&self->lock);
		published = tps_ca_local_publish_crl_locked(self, error);
		g_mutex_unlock(&self->lock);
		if (!published) {
			g_prefix_error(error, "local CA in %s: ", dir);
			return NULL;
		}
	}
	return TPS_CA_CONNECTOR(g_steal_pointer(&self));
}

TpsCaConnector *
tps_ca_local_new(const gchar *dir, const gchar *subject, guint validity_days, GError **error)
{
	return tps_ca_local_new_full(dir, subject, validity_days, TPS_CA_KEY_RSA_3072, error);
}

/* ---- enrollment ---- */

/* A P-256 key in the one DER form it has (RFC 5480: id-ecPublicKey, namedCurve prime256v1,
 * uncompressed point; what i2d_PUBKEY() and the enrollment give), taken apart without an
 * OpenSSL 3 decoder lookup: the key from its point (on the curve, or NULL), the X509_PUBKEY
 * from the same fields. NULL, nothing set, for any other input: the caller decodes that. */
static X509_PUBKEY *
tps_ca_local_parse_p256_spki(const guint8 *data, gsize len, EVP_PKEY **key)
{
	static const guint8 prefix[] = {
	    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
	    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
	};
	const gsize point_len = 65;
	g_autoptr(OSSL_PARAM_BLD) bld = NULL;
	g_autoptr(OSSL_PARAM) params = NULL;
	g_autoptr(EVP_PKEY_CTX) ctx = NULL;
	g_autoptr(EVP_PKEY) pkey = NULL;
	g_autoptr(TpsCaLocalPubkey) xpk = NULL;
	unsigned char *bits;

	if (len != sizeof(prefix) + point_len || memcmp(data, prefix, sizeof(prefix)) != 0 ||
	    data[sizeof(prefix)] != 0x04)
		return NULL;
	bld = OSSL_PARAM_BLD_new();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (bld == NULL || ctx == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, SN_X9_62_prime256v1, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, data + sizeof(prefix), point_len) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		ERR_clear_error();
		return NULL;
	}
	xpk = X509_PUBKEY_new();
	bits = OPENSSL_memdup(data + sizeof(prefix), point_len);
	if (xpk == NULL || bits == NULL ||
	    X509_PUBKEY_set0_param(xpk, OBJ_nid2obj(NID_X9_62_id_ecPublicKey), V_ASN1_OBJECT,
				   OBJ_nid2obj(NID_X9_62_prime256v1), bits, (int)point_len) != 1) {
		OPENSSL_free(bits);
		ERR_clear_error();
		return NULL;
	}
	*key = g_steal_pointer(&pkey);
	return g_steal_pointer(&xpk);
}

/* The SubjectPublicKeyInfo, decoded once: its key (*@key, owned) is checked here and its
 * encoding goes into the certificate as it is (tps_ca_local_copy_spki()). */
static X509_PUBKEY *
tps_ca_local_parse_spki(GBytes *spki, gboolean *is_ec, EVP_PKEY **key, GError **error)
{
	gsize len = 0;
	const guint8 *data = spki != NULL ? g_bytes_get_data(spki, &len) : NULL;
	const unsigned char *p = data;
	g_autoptr(TpsCaLocalPubkey) xpk = NULL;
	g_autoptr(EVP_PKEY) pkey = NULL;
	g_autoptr(EVP_PKEY_CTX) pctx = NULL;

	if (data == NULL || len == 0 || len > TPS_CA_LOCAL_MAX_SPKI) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
			    "public key of %" G_GSIZE_FORMAT " bytes (1 to %d allowed)", len,
			    TPS_CA_LOCAL_MAX_SPKI);
		return NULL;
	}
	ERR_clear_error();
	xpk = tps_ca_local_parse_p256_spki(data, len, &pkey);
	if (xpk == NULL) {
		xpk = d2i_X509_PUBKEY(NULL, &p, (long)len);
		pkey = xpk != NULL ? X509_PUBKEY_get0(xpk) : NULL;
		if (pkey != NULL && EVP_PKEY_up_ref(pkey) != 1)
			pkey = NULL; /* still X509_PUBKEY's */
	} else {
		p = data + len;
	}
	if (pkey == NULL) {
		tps_ca_set_openssl_error(error, TPS_ERROR_INVALID, "malformed SubjectPublicKeyInfo");
		return NULL;
	}
	if ((gsize)(p - data) != len) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
			    "%" G_GSIZE_FORMAT " bytes after the SubjectPublicKeyInfo", len - (gsize)(p - data));
		return NULL;
	}
	if (EVP_PKEY_is_a(pkey, "RSA")) {
		int bits = EVP_PKEY_get_bits(pkey);
		if (bits < 1024 || bits > 8192) {
			g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
				    "RSA key of %d bits (1024 to 8192 accepted)", bits);
			return NULL;
		}
		*is_ec = FALSE;
	} else if (EVP_PKEY_is_a(pkey, "EC")) {
		gchar group[64] = {0};
		size_t glen = 0;
		if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &glen) != 1 ||
		    !(g_strcmp0(group, "prime256v1") == 0 || g_strcmp0(group, "secp384r1") == 0 ||
		      g_strcmp0(group, "secp521r1") == 0)) {
			ERR_clear_error();
			g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
				    "EC key on curve \"%s\" (P-256, P-384 or P-521 accepted)",
				    group[0] != '\0' ? group : "explicit or unknown");
			return NULL;
		}
		*is_ec = TRUE;
	} else {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID, "unsupported public key type %s",
			    OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
		return NULL;
	}
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (pctx == NULL || EVP_PKEY_public_check(pctx) != 1) {
		tps_ca_set_openssl_error(error, TPS_ERROR_INVALID, "public key check failed");
		return NULL;
	}
	ERR_clear_error(); /* decoders may leave notes on the queue even when they succeed */
	*key = g_steal_pointer(&pkey);
	return g_steal_pointer(&xpk);
}

static X509_NAME *
tps_ca_local_subject(const gchar *user_id, const gchar *cn, GError **error)
{
	g_autoptr(X509_NAME) name = X509_NAME_new();

	if (name == NULL ||
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"Token Key User", -1, -1,
				       0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "UID", MBSTRING_UTF8, (const unsigned char *)user_id, -1, -1,
				       0) != 1 ||
	    (cn != NULL &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) != 1)) {
		tps_ca_set_openssl_error(error, TPS_ERROR_INVALID, "building the subject name");
		return NULL;
	}
	return g_steal_pointer(&name);
}

static TpsIssuedCert *
tps_ca_local_enroll(TpsCaConnector *ca,
		    const gchar *ca_profile_id,
		    const gchar *cuid,
		    const gchar *user_id,
		    GBytes *spki_der,
		    const gchar *subject_cn,
		    GError **error)
{
	TpsCaLocal *self = TPS_CA_LOCAL(ca);
	const TpsCaLocalProfile *profile = NULL;
	g_autoptr(TpsCaLocalPubkey) pubkey = NULL;
	g_autoptr(EVP_PKEY) key = NULL;
	g_autoptr(X509_NAME) subject = NULL;
	g_autoptr(X509) cert = NULL;
	g_autoptr(GBytes) der = NULL;
	g_autoptr(GMutexLocker) locker = NULL;
	g_autofree gchar *serial_text = NULL;
	guint8 serial[TPS_CA_LOCAL_SERIAL_BYTES];
	gboolean is_ec = FALSE;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gint64 ca_not_after = 0;
	gint64 not_after;
	TpsCaLocalExt exts[] = {
	    {NID_basic_constraints, "CA:FALSE"},
	    {NID_key_usage, NULL},
	    {NID_subject_key_identifier, "hash"},
	    {NID_authority_key_identifier, "keyid:always"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(tps_ca_local_profiles); i++) {
		if (g_strcmp0(ca_profile_id, tps_ca_local_profiles[i].id) == 0)
			profile = &tps_ca_local_profiles[i];
	}
	if (profile == NULL) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND, "the local CA has no profile \"%s\"",
			    ca_profile_id != NULL ? ca_profile_id : "(null)");
		return NULL;
	}
	if (!tps_ca_index_check_cuid(cuid, error) ||
	    !tps_ca_index_check_text(user_id, TPS_CA_LOCAL_MAX_USER, "user id", error) ||
	    (subject_cn != NULL &&
	     !tps_ca_index_check_text(subject_cn, TPS_CA_LOCAL_MAX_CN, "subject common name", error))) {
		g_prefix_error(error, "enrollment with %s: ", profile->id);
		return NULL;
	}
	pubkey = tps_ca_local_parse_spki(spki_der, &is_ec, &key, error);
	if (pubkey == NULL) {
		g_prefix_error(error, "enrollment with %s for token %s: ", profile->id, cuid);
		return NULL;
	}
	subject = tps_ca_local_subject(user_id, subject_cn, error);
	if (subject == NULL)
		return NULL;
	exts[1].value = is_ec ? profile->key_usage_ec : profile->key_usage_rsa;

	locker = g_mutex_locker_new(&self->lock);
	if (!tps_ca_time_to_unix(X509_get0_notAfter(self->cert), &ca_not_after, error))
		return NULL;
	not_after = MIN(now + (gint64)profile->validity_days * 86400, ca_not_after);
	if (not_after <= now) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "the local CA certificate has expired");
		return NULL;
	}
	do {
		g_clear_pointer(&serial_text, g_free);
		if (!tps_ca_local_random_serial(serial, error))
			return NULL;
		serial_text = tps_ca_serial_to_string(serial, sizeof(serial));
	} while (tps_ca_index_lookup(self->index, serial_text) != NULL);
	cert = tps_ca_local_make_cert(key, pubkey, subject, self->cert, self->key, serial, now, not_after, exts,
				      G_N_ELEMENTS(exts), error);
	if (cert == NULL)
		return NULL;
	der = tps_ca_local_cert_to_der(cert, error);
	if (der == NULL)
		return NULL;
	if (!tps_ca_index_add(self->index,
			      tps_ca_index_entry_new(serial_text, not_after, profile->id, cuid, user_id), error))
		return NULL;
	if (!tps_ca_local_save_index_added(self, tps_ca_index_lookup(self->index, serial_text), error)) {
		tps_ca_index_remove(self->index, serial_text);
		if (self->index_text == NULL)
			tps_ca_local_restore_index(self);
		return NULL;
	}
	g_debug("issued %s certificate %s for token %s", profile->id, serial_text, cuid);
	/* the certificate is at hand: no need to parse its encoding again */
	return tps_issued_cert_new_from_x509(cert, der, error);
}

/* ---- revocation and CRL ---- */

static gboolean
tps_ca_local_revoke(TpsCaConnector *ca, const gchar *serial, guint reason, GError **error)
{
	TpsCaLocal *self = TPS_CA_LOCAL(ca);
	g_autofree gchar *norm = NULL;
	g_autoptr(GMutexLocker) locker = NULL;
	TpsCaIndexEntry *e;
	TpsCaIndexEntry saved;

	if (!tps_crl_reason_is_valid(reason)) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID, "%u is not an RFC 5280 revocation reason",
			    reason);
		return FALSE;
	}
	norm = tps_ca_index_normalize_serial(serial, error);
	if (norm == NULL)
		return FALSE;
	locker = g_mutex_locker_new(&self->lock);
	e = tps_ca_index_lookup(self->index, norm);
	if (e == NULL) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND,
			    "the local CA did not issue a certificate with serial %s", norm);
		return FALSE;
	}
	if (e->revoked && (e->reason != TPS_CRL_REASON_CERTIFICATE_HOLD || reason == e->reason))
		return TRUE; /* already revoked: keep the first reason and date */
	saved = *e;
	e->revoked = TRUE;
	e->reason = reason;
	e->revoked_at = g_get_real_time() / G_USEC_PER_SEC;
	if (!tps_ca_local_save_index(self, error) || !tps_ca_local_publish_crl_locked(self, error)) {
		e->revoked = saved.revoked;
		e->reason = saved.reason;
		e->revoked_at = saved.revoked_at;
		tps_ca_local_restore_index(self);
		g_prefix_error(error, "revoking certificate %s: ", norm);
		return FALSE;
	}
	g_debug("revoked certificate %s (%s)", norm, tps_crl_reason_to_string(reason));
	return TRUE;
}

static gboolean
tps_ca_local_unrevoke(TpsCaConnector *ca, const gchar *serial, GError **error)
{
	TpsCaLocal *self = TPS_CA_LOCAL(ca);
	g_autofree gchar *norm = tps_ca_index_normalize_serial(serial, error);
	g_autoptr(GMutexLocker) locker = NULL;
	TpsCaIndexEntry *e;
	gint64 revoked_at;

	if (norm == NULL)
		return FALSE;
	locker = g_mutex_locker_new(&self->lock);
	e = tps_ca_index_lookup(self->index, norm);
	if (e == NULL) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND,
			    "the local CA did not issue a certificate with serial %s", norm);
		return FALSE;
	}
	if (!e->revoked)
		return TRUE;
	if (e->reason != TPS_CRL_REASON_CERTIFICATE_HOLD) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
			    "certificate %s is revoked for good (%s), only certificateHold can be lifted", norm,
			    tps_crl_reason_to_string(e->reason));
		return FALSE;
	}
	revoked_at = e->revoked_at;
	e->revoked = FALSE;
	e->reason = 0;
	e->revoked_at = 0;
	if (!tps_ca_local_save_index(self, error) || !tps_ca_local_publish_crl_locked(self, error)) {
		e->revoked = TRUE;
		e->reason = TPS_CRL_REASON_CERTIFICATE_HOLD;
		e->revoked_at = revoked_at;
		tps_ca_local_restore_index(self);
		g_prefix_error(error, "taking certificate %s off hold: ", norm);
		return FALSE;
	}
	g_debug("certificate %s taken off hold", norm);
	return TRUE;
}

static gboolean
tps_ca_local_crl_add_entry(X509_CRL *crl, const TpsCaIndexEntry *e, GError **error)
{
	g_autoptr(X509_REVOKED) rev = X509_REVOKED_new();
	g_autoptr(BIGNUM) bn = NULL;
	g_autoptr(ASN1_INTEGER) sn = NULL;
	g_autoptr(ASN1_TIME) when = ASN1_TIME_set(NULL, (time_t)e->revoked_at);

	if (rev == NULL || when == NULL || BN_hex2bn(&bn, e->serial) == 0 ||
	    (sn = BN_to_ASN1_INTEGER(bn, NULL)) == NULL || X509_REVOKED_set_serialNumber(rev, sn) != 1 ||
	    X509_REVOKED_set_revocationDate(rev, when) != 1) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "building a CRL entry");
		return FALSE;
	}
	/* RFC 5280 5.3.1: no reasonCode extension for "unspecified" */
	if (e->reason != TPS_CRL_REASON_UNSPECIFIED) {
		g_autoptr(ASN1_ENUMERATED) code = ASN1_ENUMERATED_new();
		if (code == NULL || ASN1_ENUMERATED_set(code, (long)e->reason) != 1 ||
		    X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, code, 0, 0) != 1) {
			tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "CRL entry reason");
			return FALSE;
		}
	}
	if (X509_CRL_add0_revoked(crl, rev) != 1) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "adding a CRL entry");
		return FALSE;
	}
	rev = NULL; /* owned by the CRL */
	return TRUE;
}

/* Signs a CRL of every revoked certificate with the next CRL number (saved in the index).
 * Called with the lock held. */
static GBytes *
tps_ca_local_make_crl_locked(TpsCaLocal *self, GError **error)
{
	g_autoptr(X509_CRL) crl = X509_CRL_new();
	g_autoptr(ASN1_TIME) this_update = NULL;
	g_autoptr(ASN1_TIME) next_update = NULL;
	g_autoptr(ASN1_INTEGER) number = ASN1_INTEGER_new();
	g_autoptr(X509_EXTENSION) aki = NULL;
	GPtrArray *entries;
	guint64 crl_number;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	X509V3_CTX ctx;
	guint8 *buf;
	unsigned char *p;
	int n;

	entries = tps_ca_index_get_entries(self->index);
	crl_number = tps_ca_index_get_crl_number(self->index) + 1;

	this_update = ASN1_TIME_set(NULL, (time_t)now);
	next_update = ASN1_TIME_set(NULL, (time_t)(now + (gint64)self->crl_hours * 3600));
	if (crl == NULL || number == NULL || this_update == NULL || next_update == NULL ||
	    X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(self->cert)) != 1 ||
	    X509_CRL_set1_lastUpdate(crl, this_update) != 1 || X509_CRL_set1_nextUpdate(crl, next_update) != 1) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "building the CRL");
		return NULL;
	}
	for (guint i = 0; i < entries->len; i++) {
		const TpsCaIndexEntry *e = g_ptr_array_index(entries, i);
		if (e->revoked && !tps_ca_local_crl_add_entry(crl, e, error))
			return NULL;
	}
	X509_CRL_sort(crl);
	X509V3_set_ctx(&ctx, self->cert, NULL, NULL, crl, 0);
	aki = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier, "keyid:always");
	if (ASN1_INTEGER_set_uint64(number, crl_number) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, number, 0, 0) != 1 || aki == NULL ||
	    X509_CRL_add_ext(crl, aki, -1) != 1) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "CRL extensions");
		return NULL;
	}
	if (X509_CRL_sign(crl, self->key, EVP_sha256()) <= 0) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "signing the CRL");
		return NULL;
	}
	n = i2d_X509_CRL(crl, NULL);
	if (n <= 0) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "encoding the CRL");
		return NULL;
	}
	/* the CRL number is used up even if the caller drops this CRL */
	tps_ca_index_set_crl_number(self->index, crl_number);
	if (!tps_ca_local_save_index(self, error)) {
		tps_ca_index_set_crl_number(self->index, crl_number - 1);
		return NULL;
	}
	buf = g_malloc((gsize)n);
	p = buf;
	if (i2d_X509_CRL(crl, &p) != n) {
		g_free(buf);
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "encoding the CRL");
		return NULL;
	}
	return g_bytes_new_take(buf, (gsize)n);
}

/* Writes @crl_der as crl.der and crl.pem, each atomically (0644: the CRL is public). */
static gboolean
tps_ca_local_write_crl_files(TpsCaLocal *self, GBytes *crl_der, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(crl_der, &len);
	g_autofree gchar *b64 = g_base64_encode(data, len);
	g_autoptr(GString) pem = g_string_new("-----BEGIN X509 CRL-----\n");
	gsize b64_len = strlen(b64);

	for (gsize off = 0; off < b64_len; off += 64) {
		g_string_append_len(pem, b64 + off, (gssize)MIN((gsize)64, b64_len - off));
		g_string_append_c(pem, '\n');
	}
	g_string_append(pem, "-----END X509 CRL-----\n");
	if (!tps_ca_local_write_file(self->crl_der_path, (const gchar *)data, len, 0644, error) ||
	    !tps_ca_local_write_file(self->crl_pem_path, pem->str, pem->len, 0644, error)) {
		g_prefix_error(error, "publishing the CRL: ");
		return FALSE;
	}
	return TRUE;
}

/* Signs a fresh CRL and publishes it in the CA directory. Called with the lock held. */
static gboolean
tps_ca_local_publish_crl_locked(TpsCaLocal *self, GError **error)
{
	g_autoptr(GBytes) crl = tps_ca_local_make_crl_locked(self, error);

	if (crl == NULL) {
		g_prefix_error(error, "publishing the CRL: ");
		return FALSE;
	}
	return tps_ca_local_write_crl_files(self, crl, error);
}

static GBytes *
tps_ca_local_get_crl(TpsCaConnector *ca, GError **error)
{
	TpsCaLocal *self = TPS_CA_LOCAL(ca);
	g_autoptr(GBytes) crl = NULL;
	gboolean ok;

	g_mutex_lock(&self->lock);
	crl = tps_ca_local_make_crl_locked(self, error);
	/* the files always hold the newest CRL the CA signed */
	ok = crl != NULL && tps_ca_local_write_crl_files(self, crl, error);
	g_mutex_unlock(&self->lock);
	if (!ok)
		return NULL;
	return g_steal_pointer(&crl);
}

static GBytes *
tps_ca_local_get_ca_certificate(TpsCaConnector *ca, GError **error)
{
	TpsCaLocal *self = TPS_CA_LOCAL(ca);
	return g_bytes_ref(self->cert_der);
}

static void
tps_ca_local_connector_init(TpsCaConnectorInterface *iface)
{
	iface->enroll = tps_ca_local_enroll;
	iface->revoke = tps_ca_local_revoke;
	iface->unrevoke = tps_ca_local_unrevoke;
	iface->get_crl = tps_ca_local_get_crl;
	iface->get_ca_certificate = tps_ca_local_get_ca_certificate;
}
