/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#include "tps-authenticator-file.h"
#include "tps-connectors-private.h"
#include "tps-error.h"

#define TPS_AUTH_FILE_MAX_USER 256
#define TPS_AUTH_FILE_MAX_CN 256
#define TPS_AUTH_FILE_MAX_UI_TEXT 1024
#define TPS_AUTH_FILE_MIN_LOG2_N 14
#define TPS_AUTH_FILE_MAX_LOG2_N 20
#define TPS_AUTH_FILE_MAX_MEM (256 * 1024 * 1024)
#define TPS_AUTH_FILE_SALT_LEN 16
#define TPS_AUTH_FILE_KEY_LEN 32
#define TPS_AUTH_FILE_FAILED "authentication failed: wrong user ID or password"

typedef struct {
	guint64 n;
	guint32 r;
	guint32 p;
	GBytes *salt;
	GBytes *key;
} TpsAuthHash;

typedef struct {
	gchar *user_id;
	gchar *cn;
	TpsAuthHash hash;
} TpsAuthUser;

/* the Dogtag defaults of protocol.md 6.5 */
static const struct {
	const gchar *key;
	const gchar *text;
} tps_auth_file_default_ui[] = {
    {"title.en", "LDAP Authentication"},
    {"description.en", "This authenticates user against the LDAP directory."},
    {"UID.name.en", "LDAP User ID"},
    {"UID.description.en", "LDAP User ID"},
    {"PASSWORD.name.en", "LDAP Password"},
    {"PASSWORD.description.en", "LDAP Password"},
};

static const gchar *const tps_auth_file_ui_strings[] = {
    "title", "description", "UID.name", "UID.description", "PASSWORD.name", "PASSWORD.description",
};

struct _TpsAuthenticatorFile {
	GObject parent_instance;
	GHashTable *users; /* user id -> TpsAuthUser */
	GHashTable *ui;	   /* "title.en" -> text */
	TpsAuthHash dummy; /* for unknown users */
	/* at most max_hashing password hashes at once (one per CPU): each takes 128*N*r bytes
	 * (32 MiB with the defaults) and a CPU for its whole run, so more at once only adds
	 * memory, not throughput */
	GMutex hash_lock;
	GCond hash_cond;
	guint hashing;
	guint max_hashing;
};

static void
tps_authenticator_file_iface_init(TpsAuthenticatorInterface *iface);

G_DEFINE_TYPE_WITH_CODE(TpsAuthenticatorFile,
			tps_authenticator_file,
			G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(TPS_TYPE_AUTHENTICATOR, tps_authenticator_file_iface_init))

static void
tps_auth_hash_clear(TpsAuthHash *h)
{
	g_clear_pointer(&h->salt, g_bytes_unref);
	g_clear_pointer(&h->key, g_bytes_unref);
}

static void
tps_auth_user_free(TpsAuthUser *u)
{
	if (u == NULL)
		return;
	g_free(u->user_id);
	g_free(u->cn);
	tps_auth_hash_clear(&u->hash);
	g_free(u);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsAuthUser, tps_auth_user_free)

static void
tps_authenticator_file_finalize(GObject *object)
{
	TpsAuthenticatorFile *self = TPS_AUTHENTICATOR_FILE(object);

	g_hash_table_unref(self->users);
	g_hash_table_unref(self->ui);
	tps_auth_hash_clear(&self->dummy);
	g_mutex_clear(&self->hash_lock);
	g_cond_clear(&self->hash_cond);
	G_OBJECT_CLASS(tps_authenticator_file_parent_class)->finalize(object);
}

static void
tps_authenticator_file_class_init(TpsAuthenticatorFileClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = tps_authenticator_file_finalize;
}

static void
tps_authenticator_file_init(TpsAuthenticatorFile *self)
{
	self->users = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)tps_auth_user_free);
	self->ui = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_mutex_init(&self->hash_lock);
	g_cond_init(&self->hash_cond);
	self->max_hashing = MAX(1, g_get_num_processors());
	for (gsize i = 0; i < G_N_ELEMENTS(tps_auth_file_default_ui); i++)
		g_hash_table_insert(self->ui, g_strdup(tps_auth_file_default_ui[i].key),
				    g_strdup(tps_auth_file_default_ui[i].text));
}

guint
tps_authenticator_file_get_n_users(TpsAuthenticatorFile *self)
{
	g_return_val_if_fail(TPS_IS_AUTHENTICATOR_FILE(self), 0);
	return g_hash_table_size(self->users);
}

/* ---- scrypt ---- */

static TokSecret *
tps_auth_file_scrypt(const TpsAuthHash *h, TokSecret *password, gsize out_len, GError **error)
{
	g_autoptr(EVP_KDF) kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_SCRYPT, NULL);
	g_autoptr(EVP_KDF_CTX) ctx = NULL;
	g_autoptr(TokSecret) out = tok_secret_new(out_len);
	gsize pw_len = 0;
	const guint8 *pw = password != NULL ? tok_secret_get_data(password, &pw_len) : NULL;
	gsize salt_len = 0;
	const guint8 *salt = g_bytes_get_data(h->salt, &salt_len);
	uint64_t n = h->n;
	uint32_t r = h->r;
	uint32_t p = h->p;
	uint64_t maxmem = (uint64_t)TPS_AUTH_FILE_MAX_MEM * 2;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)(pw != NULL ? pw : (const guint8 *)""),
					      pw_len),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
	    OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
	    OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
	    OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
	    OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
	    OSSL_PARAM_construct_end(),
	};

	if (kdf == NULL || (ctx = EVP_KDF_CTX_new(kdf)) == NULL ||
	    EVP_KDF_derive(ctx, tok_secret_get_mutable_data(out), out_len, params) != 1) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "scrypt password hash");
		return NULL;
	}
	return g_steal_pointer(&out);
}

/* ---- parsing ---- */

static gboolean
tps_auth_file_parse_u64(const gchar *s, guint64 max, guint64 *out)
{
	guint64 v = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return FALSE;
	for (const gchar *c = s; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return FALSE;
		if (v > (max - (guint64)(*c - '0')) / 10)
			return FALSE;
		v = v * 10 + (guint64)(*c - '0');
	}
	*out = v;
	return TRUE;
}

/* Canonical padded base64 of @min..@max bytes. */
static GBytes *
tps_auth_file_parse_base64(const gchar *text, gsize min, gsize max, const gchar *what, GError **error)
{
	gsize len = strlen(text);
	gsize out_len = 0;
	g_autofree guchar *raw = NULL;
	g_autofree gchar *again = NULL;

	for (gsize i = 0; i < len; i++) {
		gchar c = text[i];
		if (!g_ascii_isalnum(c) && c != '+' && c != '/' && !(c == '=' && i + 2 >= len)) {
			g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "%s is not base64", what);
			return NULL;
		}
	}
	if (len == 0 || len % 4 != 0 || len / 4 * 3 > max + 2) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "%s is not base64 of %" G_GSIZE_FORMAT "-%" G_GSIZE_FORMAT " bytes",
			    what, min, max);
		return NULL;
	}
	raw = g_base64_decode(text, &out_len);
	again = g_base64_encode(raw, out_len);
	if (g_strcmp0(again, text) != 0) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "%s is not canonical base64", what);
		return NULL;
	}
	if (out_len < min || out_len > max) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG,
			    "%s has %" G_GSIZE_FORMAT " bytes (%" G_GSIZE_FORMAT "-%" G_GSIZE_FORMAT " allowed)", what,
			    out_len, min, max);
		return NULL;
	}
	return g_bytes_new_take(g_steal_pointer(&raw), out_len);
}

static gboolean
tps_auth_file_parse_hash(const gchar *text, TpsAuthHash *out, GError **error)
{
	g_auto(GStrv) f = g_strsplit(text, "$", 0);
	guint64 n = 0, r = 0, p = 0;

	if (g_strv_length(f) != 6 || g_strcmp0(f[0], "scrypt") != 0) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_CONFIG,
				    "password hash is not scrypt$N$r$p$salt$key");
		return FALSE;
	}
	if (!tps_auth_file_parse_u64(f[1], (guint64)1 << TPS_AUTH_FILE_MAX_LOG2_N, &n) ||
	    n < ((guint64)1 << TPS_AUTH_FILE_MIN_LOG2_N) || (n & (n - 1)) != 0) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG,
			    "scrypt N \"%s\" is not a power of two from 2^%d to 2^%d", f[1],
			    TPS_AUTH_FILE_MIN_LOG2_N, TPS_AUTH_FILE_MAX_LOG2_N);
		return FALSE;
	}
	if (!tps_auth_file_parse_u64(f[2], 32, &r) || r < 1) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "scrypt r \"%s\" is not 1-32", f[2]);
		return FALSE;
	}
	if (!tps_auth_file_parse_u64(f[3], 16, &p) || p < 1) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "scrypt p \"%s\" is not 1-16", f[3]);
		return FALSE;
	}
	if (128 * n * r > TPS_AUTH_FILE_MAX_MEM) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG,
			    "scrypt N*r needs more than %d MiB of memory", TPS_AUTH_FILE_MAX_MEM / (1024 * 1024));
		return FALSE;
	}
	out->salt = tps_auth_file_parse_base64(f[4], 8, 64, "salt", error);
	if (out->salt == NULL)
		return FALSE;
	out->key = tps_auth_file_parse_base64(f[5], 16, 64, "hash", error);
	if (out->key == NULL) {
		tps_auth_hash_clear(out);
		return FALSE;
	}
	out->n = n;
	out->r = (guint32)r;
	out->p = (guint32)p;
	return TRUE;
}

static gboolean
tps_auth_file_check_text(const gchar *text, gsize max, gboolean allow_empty, const gchar *what, GError **error)
{
	gsize len = strlen(text);

	if (len == 0 && !allow_empty) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "empty %s", what);
		return FALSE;
	}
	if (len > max) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "%s longer than %" G_GSIZE_FORMAT " bytes", what, max);
		return FALSE;
	}
	if (!g_utf8_validate(text, (gssize)len, NULL)) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "%s is not valid UTF-8", what);
		return FALSE;
	}
	for (const gchar *c = text; *c != '\0'; c = g_utf8_next_char(c)) {
		if (g_unichar_iscntrl(g_utf8_get_char(c))) {
			g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "%s contains a control character", what);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
tps_auth_file_check_user_id(const gchar *user_id, GError **error)
{
	if (user_id == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_CONFIG, "no user id");
		return FALSE;
	}
	if (!tps_auth_file_check_text(user_id, TPS_AUTH_FILE_MAX_USER, FALSE, "user id", error))
		return FALSE;
	if (strchr(user_id, ':') != NULL || user_id[0] == '#' || user_id[0] == '@' ||
	    g_ascii_isspace(user_id[0]) || g_ascii_isspace(user_id[strlen(user_id) - 1])) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG,
			    "user id \"%s\" contains ':', starts with '#' or '@', or has surrounding spaces",
			    user_id);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tps_auth_file_parse_ui_line(TpsAuthenticatorFile *self, const gchar *line, GError **error)
{
	const gchar *eq = strchr(line, '=');
	g_autofree gchar *key = NULL;
	const gchar *locale = NULL;
	gboolean known = FALSE;

	if (eq == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_CONFIG, "form line without '='");
		return FALSE;
	}
	key = g_strndup(line + 1, (gsize)(eq - line - 1));
	for (gsize i = 0; i < G_N_ELEMENTS(tps_auth_file_ui_strings); i++) {
		const gchar *s = tps_auth_file_ui_strings[i];
		if (g_str_has_prefix(key, s) && key[strlen(s)] == '.') {
			locale = key + strlen(s) + 1;
			known = TRUE;
		}
	}
	if (!known) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG,
			    "unknown form string \"@%s\" (title, description, UID.name, UID.description, "
			    "PASSWORD.name, PASSWORD.description, then .<locale>)",
			    key);
		return FALSE;
	}
	if (locale[0] == '\0' || strspn(locale, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.@-") !=
				     strlen(locale)) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "form string \"@%s\": bad locale", key);
		return FALSE;
	}
	if (!tps_auth_file_check_text(eq + 1, TPS_AUTH_FILE_MAX_UI_TEXT, FALSE, "form text", error))
		return FALSE;
	g_hash_table_replace(self->ui, g_steal_pointer(&key), g_strdup(eq + 1));
	return TRUE;
}

static gboolean
tps_auth_file_parse_user_line(TpsAuthenticatorFile *self, const gchar *line, GError **error)
{
	const gchar *c1 = strchr(line, ':');
	const gchar *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
	g_autoptr(TpsAuthUser) user = NULL;
	g_autofree gchar *hash = NULL;

	if (c1 == NULL || c2 == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_CONFIG, "not user:hash:cn");
		return FALSE;
	}
	user = g_new0(TpsAuthUser, 1);
	user->user_id = g_strndup(line, (gsize)(c1 - line));
	hash = g_strndup(c1 + 1, (gsize)(c2 - c1 - 1));
	user->cn = g_strdup(c2 + 1);
	if (!tps_auth_file_check_user_id(user->user_id, error) ||
	    !tps_auth_file_check_text(user->cn, TPS_AUTH_FILE_MAX_CN, TRUE, "cn", error))
		return FALSE;
	if (!tps_auth_file_parse_hash(hash, &user->hash, error)) {
		g_prefix_error(error, "user \"%s\": ", user->user_id);
		return FALSE;
	}
	if (g_hash_table_contains(self->users, user->user_id)) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "user \"%s\" appears twice", user->user_id);
		return FALSE;
	}
	g_hash_table_insert(self->users, user->user_id, user);
	user = NULL;
	return TRUE;
}

static gboolean
tps_auth_file_parse(TpsAuthenticatorFile *self, const gchar *data, gsize len, GError **error)
{
	gsize pos = 0;
	guint lineno = 0;

	if (len > TPS_AUTHENTICATOR_FILE_MAX_SIZE) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "users file of %" G_GSIZE_FORMAT " bytes (at most %d)",
			    len, TPS_AUTHENTICATOR_FILE_MAX_SIZE);
		return FALSE;
	}
	if (len > 0 && data == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_CONFIG, "no users file data");
		return FALSE;
	}
	while (pos < len) {
		const gchar *start = data + pos;
		const gchar *nl = memchr(start, '\n', len - pos);
		gsize n = nl != NULL ? (gsize)(nl - start) : len - pos;
		g_autofree gchar *line = NULL;
		g_autoptr(GError) local = NULL;
		const gchar *p;

		lineno++;
		pos += n + (nl != NULL ? 1 : 0);
		if (memchr(start, '\0', n) != NULL) {
			g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "line %u: NUL byte", lineno);
			return FALSE;
		}
		if (n > 0 && start[n - 1] == '\r')
			n--;
		line = g_strndup(start, n);
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		if (line[0] == '@' ? !tps_auth_file_parse_ui_line(self, line, &local)
				   : !tps_auth_file_parse_user_line(self, line, &local)) {
			g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "line %u: %s", lineno, local->message);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
tps_auth_file_setup_dummy(TpsAuthenticatorFile *self, GError **error)
{
	guint8 salt[TPS_AUTH_FILE_SALT_LEN];
	guint8 key[TPS_AUTH_FILE_KEY_LEN];
	GHashTableIter it;
	gpointer value = NULL;

	/* unknown users cost what a known user's hash costs: the parameters of the file's first
	 * user found, else the defaults */
	self->dummy.n = TPS_AUTHENTICATOR_FILE_SCRYPT_N;
	self->dummy.r = TPS_AUTHENTICATOR_FILE_SCRYPT_R;
	self->dummy.p = TPS_AUTHENTICATOR_FILE_SCRYPT_P;
	g_hash_table_iter_init(&it, self->users);
	if (g_hash_table_iter_next(&it, NULL, &value)) {
		const TpsAuthUser *u = value;
		self->dummy.n = u->hash.n;
		self->dummy.r = u->hash.r;
		self->dummy.p = u->hash.p;
	}
	if (RAND_bytes(salt, sizeof(salt)) != 1 || RAND_bytes(key, sizeof(key)) != 1) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "random bytes");
		return FALSE;
	}
	self->dummy.salt = g_bytes_new(salt, sizeof(salt));
	self->dummy.key = g_bytes_new(key, sizeof(key));
	return TRUE;
}

TpsAuthenticator *
tps_authenticator_file_new_from_data(const gchar *data, gsize len, GError **error)
{
	g_autoptr(TpsAuthenticatorFile) self = g_object_new(TPS_TYPE_AUTHENTICATOR_FILE, NULL);

	g_return_val_if_fail(error == NULL || *error == NULL, NULL);
	if (!tps_auth_file_parse(self, data, len, error) || !tps_auth_file_setup_dummy(self, error))
		return NULL;
	return TPS_AUTHENTICATOR(g_steal_pointer(&self));
}

static gchar *
tps_auth_file_read(const gchar *path, gsize *len, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree gchar *data = NULL;

	if (!g_file_get_contents(path, &data, len, &local)) {
		g_set_error(error, TPS_ERROR, g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? TPS_ERROR_CONFIG : TPS_ERROR_BACKEND,
			    "cannot read the users file %s: %s", path, local->message);
		return NULL;
	}
	return g_steal_pointer(&data);
}

TpsAuthenticator *
tps_authenticator_file_new(const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;
	TpsAuthenticator *auth;

	g_return_val_if_fail(path != NULL, NULL);
	data = tps_auth_file_read(path, &len, error);
	if (data == NULL)
		return NULL;
	auth = tps_authenticator_file_new_from_data(data, len, error);
	if (auth == NULL)
		g_prefix_error(error, "%s: ", path);
	return auth;
}

/* ---- the interface ---- */

static gchar *
tps_auth_file_ui_lookup(TpsAuthenticatorFile *self, const gchar *name, const gchar *locale)
{
	if (locale != NULL && locale[0] != '\0') {
		g_auto(GStrv) variants = g_get_locale_variants(locale);
		for (guint i = 0; variants[i] != NULL; i++) {
			g_autofree gchar *key = g_strdup_printf("%s.%s", name, variants[i]);
			const gchar *text = g_hash_table_lookup(self->ui, key);
			if (text != NULL)
				return g_strdup(text);
		}
	}
	{
		g_autofree gchar *key = g_strdup_printf("%s.en", name);
		return g_strdup(g_hash_table_lookup(self->ui, key));
	}
}

static gboolean
tps_authenticator_file_get_ui(TpsAuthenticator *a,
			      const gchar *locale,
			      gchar **title,
			      gchar **description,
			      GPtrArray **fields,
			      GError **error)
{
	TpsAuthenticatorFile *self = TPS_AUTHENTICATOR_FILE(a);

	if (title != NULL)
		*title = tps_auth_file_ui_lookup(self, "title", locale);
	if (description != NULL)
		*description = tps_auth_file_ui_lookup(self, "description", locale);
	if (fields != NULL) {
		g_autofree gchar *uid_name = tps_auth_file_ui_lookup(self, "UID.name", locale);
		g_autofree gchar *uid_desc = tps_auth_file_ui_lookup(self, "UID.description", locale);
		g_autofree gchar *pw_name = tps_auth_file_ui_lookup(self, "PASSWORD.name", locale);
		g_autofree gchar *pw_desc = tps_auth_file_ui_lookup(self, "PASSWORD.description", locale);
		*fields = g_ptr_array_new_with_free_func((GDestroyNotify)tps_auth_field_free);
		g_ptr_array_add(*fields, tps_auth_field_new("UID", uid_name, uid_desc, "string"));
		g_ptr_array_add(*fields, tps_auth_field_new("PASSWORD", pw_name, pw_desc, "password"));
	}
	return TRUE;
}

static gboolean
tps_authenticator_file_authenticate(TpsAuthenticator *a,
				    const gchar *user_id,
				    TokSecret *password,
				    GHashTable **attributes,
				    GError **error)
{
	TpsAuthenticatorFile *self = TPS_AUTHENTICATOR_FILE(a);
	const TpsAuthUser *user = user_id != NULL ? g_hash_table_lookup(self->users, user_id) : NULL;
	const TpsAuthHash *h = user != NULL ? &user->hash : &self->dummy;
	gsize key_len = 0;
	const guint8 *key = g_bytes_get_data(h->key, &key_len);
	g_autoptr(TokSecret) derived = NULL;
	gboolean ok;

	/* wait for a free slot (a session worker thread, never a main loop) */
	g_mutex_lock(&self->hash_lock);
	while (self->hashing >= self->max_hashing)
		g_cond_wait(&self->hash_cond, &self->hash_lock);
	self->hashing++;
	g_mutex_unlock(&self->hash_lock);
	derived = tps_auth_file_scrypt(h, password, key_len, error);
	g_mutex_lock(&self->hash_lock);
	self->hashing--;
	g_cond_signal(&self->hash_cond);
	g_mutex_unlock(&self->hash_lock);
	if (derived == NULL)
		return FALSE;
	ok = tok_secret_equal_data(derived, key, key_len) && user != NULL && password != NULL &&
	     tok_secret_get_size(password) > 0;
	if (!ok) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_AUTH, TPS_AUTH_FILE_FAILED);
		return FALSE;
	}
	if (attributes != NULL) {
		*attributes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		g_hash_table_insert(*attributes, g_strdup("uid"), g_strdup(user->user_id));
		if (user->cn[0] != '\0')
			g_hash_table_insert(*attributes, g_strdup("cn"), g_strdup(user->cn));
	}
	return TRUE;
}

static void
tps_authenticator_file_iface_init(TpsAuthenticatorInterface *iface)
{
	iface->get_ui = tps_authenticator_file_get_ui;
	iface->authenticate = tps_authenticator_file_authenticate;
}

/* ---- writing ---- */

gchar *
tps_authenticator_file_hash_password(TokSecret *password, GError **error)
{
	guint8 salt[TPS_AUTH_FILE_SALT_LEN];
	TpsAuthHash h = {.n = TPS_AUTHENTICATOR_FILE_SCRYPT_N,
			 .r = TPS_AUTHENTICATOR_FILE_SCRYPT_R,
			 .p = TPS_AUTHENTICATOR_FILE_SCRYPT_P};
	g_autoptr(TokSecret) key = NULL;
	g_autofree gchar *salt_b64 = NULL;
	g_autofree gchar *key_b64 = NULL;
	gsize key_len = 0;
	const guint8 *key_data;

	if (password == NULL || tok_secret_get_size(password) == 0) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID, "empty password");
		return NULL;
	}
	if (RAND_bytes(salt, sizeof(salt)) != 1) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "random salt");
		return NULL;
	}
	h.salt = g_bytes_new_static(salt, sizeof(salt));
	key = tps_auth_file_scrypt(&h, password, TPS_AUTH_FILE_KEY_LEN, error);
	g_bytes_unref(h.salt);
	if (key == NULL)
		return NULL;
	key_data = tok_secret_get_data(key, &key_len);
	salt_b64 = g_base64_encode(salt, sizeof(salt));
	key_b64 = g_base64_encode(key_data, key_len);
	return g_strdup_printf("scrypt$%" G_GUINT64_FORMAT "$%u$%u$%s$%s", h.n, h.r, h.p, salt_b64, key_b64);
}

gboolean
tps_authenticator_file_add_user(const gchar *path,
				const gchar *user_id,
				TokSecret *password,
				const gchar *cn,
				GError **error)
{
	g_autofree gchar *data = NULL;
	g_autofree gchar *hash = NULL;
	g_autoptr(GString) text = g_string_new(NULL);
	g_autoptr(GError) local = NULL;
	gsize len = 0;

	g_return_val_if_fail(path != NULL, FALSE);
	if (!tps_auth_file_check_user_id(user_id, &local) ||
	    (cn != NULL && !tps_auth_file_check_text(cn, TPS_AUTH_FILE_MAX_CN, TRUE, "cn", &local))) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID, local->message);
		return FALSE;
	}
	if (g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_autoptr(TpsAuthenticatorFile) existing = g_object_new(TPS_TYPE_AUTHENTICATOR_FILE, NULL);
		data = tps_auth_file_read(path, &len, error);
		if (data == NULL)
			return FALSE;
		if (!tps_auth_file_parse(existing, data, len, error)) {
			g_prefix_error(error, "%s: ", path);
			return FALSE;
		}
		if (g_hash_table_contains(existing->users, user_id)) {
			g_set_error(error, TPS_ERROR, TPS_ERROR_EXISTS, "%s: user \"%s\" exists already", path, user_id);
			return FALSE;
		}
		g_string_append_len(text, data, (gssize)len);
		if (len > 0 && data[len - 1] != '\n')
			g_string_append_c(text, '\n');
	} else {
		g_string_append(text, "# esc-tps users: user:scrypt$N$r$p$salt$hash:display name\n");
	}
	hash = tps_authenticator_file_hash_password(password, error);
	if (hash == NULL)
		return FALSE;
	g_string_append_printf(text, "%s:%s:%s\n", user_id, hash, cn != NULL ? cn : "");
	if (!g_file_set_contents_full(path, text->str, (gssize)text->len,
				      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600, &local)) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "cannot write the users file %s: %s", path,
			    local->message);
		return FALSE;
	}
	return TRUE;
}
