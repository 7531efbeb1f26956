/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tks-key-store-pkcs11.h"

#include <gmodule.h>
#include <openssl/crypto.h>
#include <p11-kit/pkcs11.h>
#include <string.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-crypto.h"
#include "tok-gp-keys.h"

#define TKS_P11_MAX_OBJECTS  65536 /* secret keys we are prepared to look through */
#define TKS_P11_MAX_SLOTS    1024
#define TKS_P11_MAX_ATTR     256 /* longest CKA_LABEL we read */
#define TKS_P11_TOKEN_LABEL  32	 /* CK_TOKEN_INFO.label: 32 blank-padded bytes */
#define TKS_P11_HMAC_KEY_MIN 32	 /* HMAC keys are zero-padded to this */
#define TKS_P11_WRAPPED_MAX  128
#define TKS_P11_USERS_KEY    "tks-key-store-pkcs11-users"

typedef enum {
	TKS_P11_ROLE_MASTER,
	TKS_P11_ROLE_MASTER_HMAC,
	TKS_P11_ROLE_DEVELOPER, /* + TksKeyType: one role per type */
	TKS_P11_N_ROLES = TKS_P11_ROLE_DEVELOPER + 3,
} TksP11Role;

static const gchar *const tks_p11_role_ids[TKS_P11_N_ROLES] = {
    TKS_KEY_STORE_PKCS11_ID_MASTER, TKS_KEY_STORE_PKCS11_ID_MASTER_HMAC, TKS_KEY_STORE_PKCS11_ID_DEVELOPER "des3",
    TKS_KEY_STORE_PKCS11_ID_DEVELOPER "aes128", TKS_KEY_STORE_PKCS11_ID_DEVELOPER "aes256"};

struct _TksKeyStorePkcs11 {
	GObject parent_instance;
	GMutex lock; /* serialises every use of the session */
	gchar *module_path;
	gchar *token_label;
	TksKeyStorePkcs11Flags flags;
	TokSecret *pin;
	GModule *module;
	CK_FUNCTION_LIST_PTR p11;
	gboolean module_acquired;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE session;
	gboolean have_session;
	gboolean session_lost; /* the token dropped it: reopen before the next call */
	TokGpCrypto *crypto;
};

static void
tks_key_store_pkcs11_iface_init(TksKeyStoreInterface *iface);

G_DEFINE_TYPE_WITH_CODE(TksKeyStorePkcs11, tks_key_store_pkcs11, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(TKS_TYPE_KEY_STORE, tks_key_store_pkcs11_iface_init))

#define TKS_P11_RV(x) {CKR_##x, "CKR_" #x}
static const struct {
	CK_RV rv;
	const gchar *name;
} tks_p11_rv_names[] = {
	TKS_P11_RV(OK), TKS_P11_RV(CANCEL), TKS_P11_RV(HOST_MEMORY), TKS_P11_RV(SLOT_ID_INVALID), TKS_P11_RV(GENERAL_ERROR),
	TKS_P11_RV(FUNCTION_FAILED), TKS_P11_RV(ARGUMENTS_BAD), TKS_P11_RV(NO_EVENT), TKS_P11_RV(NEED_TO_CREATE_THREADS),
	TKS_P11_RV(CANT_LOCK), TKS_P11_RV(ATTRIBUTE_READ_ONLY), TKS_P11_RV(ATTRIBUTE_SENSITIVE),
	TKS_P11_RV(ATTRIBUTE_TYPE_INVALID), TKS_P11_RV(ATTRIBUTE_VALUE_INVALID), TKS_P11_RV(ACTION_PROHIBITED),
	TKS_P11_RV(DATA_INVALID), TKS_P11_RV(DATA_LEN_RANGE), TKS_P11_RV(DEVICE_ERROR), TKS_P11_RV(DEVICE_MEMORY),
	TKS_P11_RV(DEVICE_REMOVED), TKS_P11_RV(ENCRYPTED_DATA_INVALID), TKS_P11_RV(ENCRYPTED_DATA_LEN_RANGE),
	TKS_P11_RV(FUNCTION_CANCELED), TKS_P11_RV(FUNCTION_NOT_PARALLEL), TKS_P11_RV(FUNCTION_NOT_SUPPORTED),
	TKS_P11_RV(KEY_HANDLE_INVALID), TKS_P11_RV(KEY_SIZE_RANGE), TKS_P11_RV(KEY_TYPE_INCONSISTENT),
	TKS_P11_RV(KEY_NOT_NEEDED), TKS_P11_RV(KEY_CHANGED), TKS_P11_RV(KEY_NEEDED), TKS_P11_RV(KEY_INDIGESTIBLE),
	TKS_P11_RV(KEY_FUNCTION_NOT_PERMITTED), TKS_P11_RV(KEY_NOT_WRAPPABLE), TKS_P11_RV(KEY_UNEXTRACTABLE),
	TKS_P11_RV(MECHANISM_INVALID), TKS_P11_RV(MECHANISM_PARAM_INVALID), TKS_P11_RV(OBJECT_HANDLE_INVALID),
	TKS_P11_RV(OPERATION_ACTIVE), TKS_P11_RV(OPERATION_NOT_INITIALIZED), TKS_P11_RV(PIN_INCORRECT),
	TKS_P11_RV(PIN_INVALID), TKS_P11_RV(PIN_LEN_RANGE), TKS_P11_RV(PIN_EXPIRED), TKS_P11_RV(PIN_LOCKED),
	TKS_P11_RV(SESSION_CLOSED), TKS_P11_RV(SESSION_COUNT), TKS_P11_RV(SESSION_HANDLE_INVALID),
	TKS_P11_RV(SESSION_PARALLEL_NOT_SUPPORTED), TKS_P11_RV(SESSION_READ_ONLY), TKS_P11_RV(SESSION_EXISTS),
	TKS_P11_RV(SESSION_READ_ONLY_EXISTS), TKS_P11_RV(SESSION_READ_WRITE_SO_EXISTS), TKS_P11_RV(SIGNATURE_INVALID),
	TKS_P11_RV(SIGNATURE_LEN_RANGE), TKS_P11_RV(TEMPLATE_INCOMPLETE), TKS_P11_RV(TEMPLATE_INCONSISTENT),
	TKS_P11_RV(TOKEN_NOT_PRESENT), TKS_P11_RV(TOKEN_NOT_RECOGNIZED), TKS_P11_RV(TOKEN_WRITE_PROTECTED),
	TKS_P11_RV(UNWRAPPING_KEY_SIZE_RANGE), TKS_P11_RV(UNWRAPPING_KEY_TYPE_INCONSISTENT),
	TKS_P11_RV(USER_ALREADY_LOGGED_IN), TKS_P11_RV(USER_NOT_LOGGED_IN), TKS_P11_RV(USER_PIN_NOT_INITIALIZED),
	TKS_P11_RV(USER_TYPE_INVALID), TKS_P11_RV(USER_ANOTHER_ALREADY_LOGGED_IN), TKS_P11_RV(USER_TOO_MANY_TYPES),
	TKS_P11_RV(WRAPPED_KEY_INVALID), TKS_P11_RV(WRAPPED_KEY_LEN_RANGE), TKS_P11_RV(WRAPPING_KEY_HANDLE_INVALID),
	TKS_P11_RV(WRAPPING_KEY_SIZE_RANGE), TKS_P11_RV(WRAPPING_KEY_TYPE_INCONSISTENT),
	TKS_P11_RV(RANDOM_SEED_NOT_SUPPORTED), TKS_P11_RV(RANDOM_NO_RNG), TKS_P11_RV(DOMAIN_PARAMS_INVALID),
	TKS_P11_RV(CURVE_NOT_SUPPORTED), TKS_P11_RV(BUFFER_TOO_SMALL), TKS_P11_RV(SAVED_STATE_INVALID),
	TKS_P11_RV(INFORMATION_SENSITIVE), TKS_P11_RV(STATE_UNSAVEABLE), TKS_P11_RV(CRYPTOKI_NOT_INITIALIZED),
	TKS_P11_RV(CRYPTOKI_ALREADY_INITIALIZED), TKS_P11_RV(MUTEX_BAD), TKS_P11_RV(MUTEX_NOT_LOCKED),
	TKS_P11_RV(NEW_PIN_MODE), TKS_P11_RV(NEXT_OTP), TKS_P11_RV(EXCEEDED_MAX_ITERATIONS),
	TKS_P11_RV(FIPS_SELF_TEST_FAILED), TKS_P11_RV(LIBRARY_LOAD_FAILED), TKS_P11_RV(PIN_TOO_WEAK),
	TKS_P11_RV(PUBLIC_KEY_INVALID), TKS_P11_RV(FUNCTION_REJECTED), TKS_P11_RV(UNWRAPPING_KEY_HANDLE_INVALID),
};

const gchar *
tks_key_store_pkcs11_rv_to_string(gulong rv)
{
	for (gsize i = 0; i < G_N_ELEMENTS(tks_p11_rv_names); i++) {
		if (tks_p11_rv_names[i].rv == rv)
			return tks_p11_rv_names[i].name;
	}
	return NULL;
}

/* "<what>: <call> failed: CKR_NAME (0x...)": CKR_PIN_* are WRONG_PASSPHRASE, what the token
 * cannot do NOT_SUPPORTED, the rest BACKEND. A failure that lost the session marks it for
 * reopening (@self is NULL while there is none). */
static G_GNUC_PRINTF(5, 6) void
tks_p11_fail(TksKeyStorePkcs11 *self, GError **error, CK_RV rv, const gchar *call, const gchar *format, ...)
{
	const gchar *name = tks_key_store_pkcs11_rv_to_string(rv);
	TksError code = TKS_ERROR_BACKEND;
	g_autofree gchar *what = NULL;
	va_list args;

	va_start(args, format);
	what = g_strdup_vprintf(format, args);
	va_end(args);
	if (rv >= CKR_PIN_INCORRECT && rv <= CKR_PIN_LOCKED)
		code = TKS_ERROR_WRONG_PASSPHRASE;
	if (rv == CKR_MECHANISM_INVALID || rv == CKR_MECHANISM_PARAM_INVALID || rv == CKR_FUNCTION_NOT_SUPPORTED ||
	    rv == CKR_KEY_SIZE_RANGE || rv == CKR_KEY_TYPE_INCONSISTENT ||
	    (rv >= CKR_KEY_FUNCTION_NOT_PERMITTED && rv <= CKR_KEY_UNEXTRACTABLE))
		code = TKS_ERROR_NOT_SUPPORTED;
	if (self != NULL && (rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED || rv == CKR_DEVICE_REMOVED ||
			     rv == CKR_DEVICE_ERROR || rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_USER_NOT_LOGGED_IN))
		self->session_lost = TRUE;
	g_set_error(error, TKS_ERROR, code, "%s: %s failed: %s (0x%08lX)", what, call, name != NULL ? name : "unknown CK_RV",
		    (gulong)rv);
}

/* C_Initialize and C_Finalize act on the whole process, and GModule gives every store the
 * same library: the stores using each function list are counted (2 x stores, + 1 if one of
 * them initialised the module) in a GLib dataset keyed by the list, under a lock that is
 * process-wide like the state it guards; the last store finalises what a store initialised. */
static gboolean
tks_p11_module_use(TksKeyStorePkcs11 *self, gboolean acquire, GError **error)
{
	static GMutex lock;
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&lock);
	gsize count = GPOINTER_TO_SIZE(g_dataset_get_data(self->p11, TKS_P11_USERS_KEY));
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
	CK_RV rv = acquire && count == 0 ? self->p11->C_Initialize(&args) : CKR_OK;

	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		tks_p11_fail(NULL, error, rv, "C_Initialize", "PKCS#11 module %s", self->module_path);
		return FALSE;
	}
	if (!acquire && count < 2)
		return TRUE;
	count = acquire ? count + 2 + (count == 0 && rv == CKR_OK) : count - 2;
	if (count == 1)
		(void)self->p11->C_Finalize(NULL);
	g_dataset_set_data(self->p11, TKS_P11_USERS_KEY, count > 1 ? GSIZE_TO_POINTER(count) : NULL);
	self->module_acquired = acquire;
	return TRUE;
}

static gboolean
tks_p11_find_slot(TksKeyStorePkcs11 *self, GError **error)
{
	g_autofree CK_SLOT_ID *slots = NULL;
	CK_ULONG n = 0;
	guint found = 0;
	CK_RV rv = self->p11->C_GetSlotList(CK_TRUE, NULL, &n);

	if (rv == CKR_OK) {
		n = MIN(n, TKS_P11_MAX_SLOTS);
		slots = g_new0(CK_SLOT_ID, n + 1);
		rv = self->p11->C_GetSlotList(CK_TRUE, slots, &n);
	}
	if (rv != CKR_OK) {
		tks_p11_fail(NULL, error, rv, "C_GetSlotList", "listing the tokens of %s", self->module_path);
		return FALSE;
	}
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO info;
		g_autofree gchar *label = NULL;
		if (self->p11->C_GetTokenInfo(slots[i], &info) != CKR_OK)
			continue;
		label = g_strchomp(g_strndup((const gchar *)info.label, sizeof(info.label)));
		if (g_strcmp0(label, self->token_label) == 0 && found++ == 0)
			self->slot = slots[i];
	}
	if (found != 1)
		g_set_error(error, TKS_ERROR, TKS_ERROR_CONFIG, "%s token labelled \"%s\" in PKCS#11 module %s (%lu tokens)",
			    found == 0 ? "no" : "more than one", self->token_label, self->module_path, (gulong)n);
	return found == 1;
}

/* Finds the token, opens the session and logs in. */
static gboolean
tks_p11_connect(TksKeyStorePkcs11 *self, GError **error)
{
	gsize len = 0;
	const guint8 *pin = self->pin != NULL ? tok_secret_get_data(self->pin, &len) : NULL;
	CK_TOKEN_INFO info;
	CK_RV rv;

	if (!tks_p11_find_slot(self, error))
		return FALSE;
	rv = self->p11->C_OpenSession(self->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &self->session);
	if (rv != CKR_OK) {
		tks_p11_fail(NULL, error, rv, "C_OpenSession", "opening a session on token \"%s\"", self->token_label);
		return FALSE;
	}
	if (pin != NULL) {
		rv = self->p11->C_Login(self->session, CKU_USER, (CK_UTF8CHAR_PTR)pin, len);
		if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
			tks_p11_fail(NULL, error, rv, "C_Login", "logging in to token \"%s\"", self->token_label);
		else
			rv = CKR_OK;
	} else if ((rv = self->p11->C_GetTokenInfo(self->slot, &info)) != CKR_OK) {
		tks_p11_fail(NULL, error, rv, "C_GetTokenInfo", "token \"%s\"", self->token_label);
	} else if (info.flags & CKF_LOGIN_REQUIRED) {
		rv = CKR_PIN_INCORRECT;
		g_set_error(error, TKS_ERROR, TKS_ERROR_WRONG_PASSPHRASE, "token \"%s\" needs the user PIN and none was given",
			    self->token_label);
	}
	if (rv != CKR_OK) {
		(void)self->p11->C_CloseSession(self->session);
		return FALSE;
	}
	self->have_session = TRUE;
	self->session_lost = FALSE;
	return TRUE;
}

/* Called with the lock held before every operation. */
static gboolean
tks_p11_ensure_session(TksKeyStorePkcs11 *self, GError **error)
{
	if (self->have_session && !self->session_lost)
		return TRUE;
	if (self->have_session)
		(void)self->p11->C_CloseSession(self->session);
	self->have_session = FALSE;
	if (!tks_p11_connect(self, error)) {
		g_prefix_error(error, "reconnecting to the token: ");
		return FALSE;
	}
	return TRUE;
}

gchar *
tks_key_store_pkcs11_label(const gchar *key_set, guint8 version)
{
	return g_strdup_printf("%s#%02X", key_set, version);
}

/* One token object as we see it; key_set is empty for somebody else's object. */
typedef struct {
	CK_OBJECT_HANDLE handle;
	gchar key_set[TKS_KEY_SET_NAME_MAX + 1];
	guint8 version;
	TksP11Role role;
	CK_KEY_TYPE key_type;
	CK_ULONG value_len; /* CK_UNAVAILABLE_INFORMATION if the token does not say */
} TksP11Object;

/* "<key set>#<VV>" -> @obj's key set and version; FALSE for anything else. */
static gboolean
tks_p11_parse_label(const gchar *data, gsize len, TksP11Object *obj)
{
	gint value = 0;
	if (len < 4 || len - 3 > TKS_KEY_SET_NAME_MAX || data[len - 3] != '#')
		return FALSE;
	for (gsize i = len - 2; i < len; i++) {
		if (!g_ascii_isdigit(data[i]) && !(data[i] >= 'A' && data[i] <= 'F'))
			return FALSE;
		value = value * 16 + g_ascii_xdigit_value(data[i]);
	}
	for (gsize i = 0; i < len - 3; i++)
		obj->key_set[i] = data[i];
	obj->key_set[len - 3] = '\0';
	obj->version = (guint8)value;
	if (value != 0 && strlen(obj->key_set) == len - 3 && tks_key_set_name_is_valid(obj->key_set))
		return TRUE;
	obj->key_set[0] = '\0';
	return FALSE;
}

/* Our objects on the token, only those labelled @label if it is not NULL. */
static GArray *
tks_p11_find(TksKeyStorePkcs11 *self, const gchar *label, GError **error)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE attrs[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_TOKEN, &yes, 1},
				{CKA_LABEL, (void *)label, label != NULL ? strlen(label) : 0}};
	g_autoptr(GArray) found = g_array_new(FALSE, FALSE, sizeof(TksP11Object));
	g_autoptr(GArray) handles = g_array_new(FALSE, FALSE, sizeof(CK_OBJECT_HANDLE));
	CK_RV rv = self->p11->C_FindObjectsInit(self->session, attrs, label != NULL ? 3 : 2);

	while (rv == CKR_OK && handles->len <= TKS_P11_MAX_OBJECTS) {
		CK_OBJECT_HANDLE batch[64];
		CK_ULONG got = 0;
		rv = self->p11->C_FindObjects(self->session, batch, G_N_ELEMENTS(batch), &got);
		if (rv != CKR_OK || got == 0 || got > G_N_ELEMENTS(batch))
			break;
		g_array_append_vals(handles, batch, (guint)got);
	}
	(void)self->p11->C_FindObjectsFinal(self->session);
	if (rv == CKR_OK && handles->len > TKS_P11_MAX_OBJECTS)
		rv = CKR_DEVICE_MEMORY;
	if (rv != CKR_OK) {
		tks_p11_fail(self, error, rv, "C_FindObjects", "searching token \"%s\" for keys", self->token_label);
		return NULL;
	}
	for (guint i = 0; i < handles->len; i++) {
		TksP11Object obj = {.handle = g_array_index(handles, CK_OBJECT_HANDLE, i)};
		gchar text[TKS_P11_MAX_ATTR];
		gchar id[32];
		CK_ATTRIBUTE want[] = {{CKA_LABEL, text, sizeof(text)}, {CKA_ID, id, sizeof(id)},
				       {CKA_KEY_TYPE, &obj.key_type, sizeof(obj.key_type)},
				       {CKA_VALUE_LEN, &obj.value_len, sizeof(obj.value_len)}};

		rv = self->p11->C_GetAttributeValue(self->session, obj.handle, want, G_N_ELEMENTS(want));
		if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE &&
		    rv != CKR_BUFFER_TOO_SMALL) {
			tks_p11_fail(self, error, rv, "C_GetAttributeValue", "reading token \"%s\"", self->token_label);
			return NULL;
		}
		if (want[3].ulValueLen != sizeof(obj.value_len))
			obj.value_len = CK_UNAVAILABLE_INFORMATION;
		/* ours: a known CKA_ID and a "<key set>#<VV>" label */
		for (guint r = 0; r < TKS_P11_N_ROLES && want[0].ulValueLen <= sizeof(text) &&
				  want[1].ulValueLen <= sizeof(id) && want[2].ulValueLen == sizeof(obj.key_type); r++) {
			if (want[1].ulValueLen == strlen(tks_p11_role_ids[r]) &&
			    memcmp(id, tks_p11_role_ids[r], want[1].ulValueLen) == 0 &&
			    tks_p11_parse_label(text, want[0].ulValueLen, &obj)) {
				obj.role = (TksP11Role)r;
				g_array_append_val(found, obj);
			}
		}
	}
	return g_steal_pointer(&found);
}

/* The objects at one key address. */
typedef struct {
	gchar *key_set;
	guint8 version;
	GArray *objects; /* of TksP11Object */
	guint count[TKS_P11_N_ROLES];
	const TksP11Object *by_role[TKS_P11_N_ROLES];
	TksKeyKind kind; /* with the type, set by a load that checked the key */
	TksKeyType type;
} TksP11Key;

static void
tks_p11_key_clear(TksP11Key *key)
{
	g_clear_pointer(&key->key_set, g_free);
	g_clear_pointer(&key->objects, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TksP11Key, tks_p11_key_clear)

/* The objects of key (@key_set, @version). @check 1: NOT_FOUND if there are none; 2: also
 * INVALID_DATA unless they are a master (with or without its HMAC key) or a developer set. */
static gboolean
tks_p11_key_load(TksKeyStorePkcs11 *self, const gchar *key_set, guint8 version, guint check, TksP11Key *key, GError **error)
{
	g_autofree gchar *label = tks_key_store_pkcs11_label(key_set, version);
	const TksP11Object *m = NULL;
	const TksP11Object *h = NULL;

	tks_p11_key_clear(key);
	memset(key, 0, sizeof(*key));
	key->key_set = g_strdup(key_set);
	key->version = version;
	key->objects = tks_p11_find(self, label, error);
	for (guint i = 0; key->objects != NULL && i < key->objects->len; i++) {
		const TksP11Object *obj = &g_array_index(key->objects, TksP11Object, i);
		key->count[obj->role]++;
		key->by_role[obj->role] = obj;
	}
	if (key->objects == NULL || check == 0)
		return key->objects != NULL;
	if (key->objects->len == 0) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_NOT_FOUND, "no key %s version %02X on token \"%s\"", key_set, version,
			    self->token_label);
		return FALSE;
	}
	if (check == 1)
		return TRUE;
	m = key->by_role[TKS_P11_ROLE_MASTER];
	h = key->by_role[TKS_P11_ROLE_MASTER_HMAC];
	key->kind = TKS_KEY_KIND_MASTER;
	key->type = m == NULL || m->key_type == CKK_DES2 ? TKS_KEY_TYPE_DES3
		    : m->value_len == 32		    ? TKS_KEY_TYPE_AES256 : TKS_KEY_TYPE_AES128;
	if (key->count[TKS_P11_ROLE_MASTER] == 1 && key->objects->len == 1 + key->count[TKS_P11_ROLE_MASTER_HMAC] &&
	    (h == NULL || (key->count[TKS_P11_ROLE_MASTER_HMAC] == 1 && h->key_type == CKK_GENERIC_SECRET)) &&
	    ((m->key_type == CKK_DES2 && (m->value_len == 16 || m->value_len == CK_UNAVAILABLE_INFORMATION)) ||
	     (m->key_type == CKK_AES && (m->value_len == 16 || m->value_len == 32))))
		return TRUE;
	key->kind = TKS_KEY_KIND_DEVELOPER;
	for (guint t = TKS_KEY_TYPE_DES3; t <= TKS_KEY_TYPE_AES256; t++) {
		const TksP11Object *d = key->by_role[TKS_P11_ROLE_DEVELOPER + t];
		key->type = (TksKeyType)t;
		if (key->objects->len == 1 && d != NULL && d->key_type == CKK_GENERIC_SECRET &&
		    (d->value_len == CK_UNAVAILABLE_INFORMATION || d->value_len == tks_key_value_length(key->kind, key->type)))
			return TRUE;
	}
	g_set_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA,
		    "the %u objects of key %s version %02X on token \"%s\" do not form a key (incomplete, duplicated or of "
		    "another type): delete the key and store it again",
		    key->objects->len, key_set, version, self->token_label);
	return FALSE;
}

/* C_Encrypt (or C_Sign if @sign) of @in with @key, exactly @out_len bytes out. */
static gboolean
tks_p11_run(TksKeyStorePkcs11 *self, CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE type, gboolean sign, const guint8 *in,
	    gsize len, guint8 *out, gsize out_len, const gchar *what, GError **error)
{
	guint8 iv[16] = {0};
	CK_MECHANISM mech = {type, type == CKM_AES_CBC ? iv : NULL, type == CKM_AES_CBC ? sizeof(iv) : 0};
	CK_ULONG got = out_len;
	const gchar *call = sign ? "C_SignInit" : "C_EncryptInit";
	CK_RV rv = sign ? self->p11->C_SignInit(self->session, &mech, key)
			: self->p11->C_EncryptInit(self->session, &mech, key);

	if (rv == CKR_OK) {
		call = sign ? "C_Sign" : "C_Encrypt";
		rv = sign ? self->p11->C_Sign(self->session, (CK_BYTE_PTR)in, len, out, &got)
			  : self->p11->C_Encrypt(self->session, (CK_BYTE_PTR)in, len, out, &got);
	}
	if (rv == CKR_OK && got != out_len)
		rv = CKR_FUNCTION_FAILED;
	if (rv != CKR_OK)
		tks_p11_fail(self, error, rv, call, "%s (mechanism 0x%lX)", what, (gulong)type);
	return rv == CKR_OK;
}

/* The clear value ENC || MAC || KEK of a developer key set (extractable, not sensitive). */
static TokSecret *
tks_p11_read_developer(TksKeyStorePkcs11 *self, const TksP11Key *key, GError **error)
{
	gsize len = tks_key_value_length(TKS_KEY_KIND_DEVELOPER, key->type);
	g_autoptr(TokSecret) value = tok_secret_new(len);
	CK_ATTRIBUTE attr = {CKA_VALUE, tok_secret_get_mutable_data(value), len};
	CK_RV rv = self->p11->C_GetAttributeValue(self->session, key->by_role[TKS_P11_ROLE_DEVELOPER + key->type]->handle,
						  &attr, 1);

	if (rv == CKR_OK && attr.ulValueLen != len)
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
	if (rv == CKR_OK)
		return g_steal_pointer(&value);
	tks_p11_fail(self, error, rv, "C_GetAttributeValue", "reading developer key %s#%02X", key->key_set, key->version);
	return NULL;
}

/* The key check values: of a master in the token (DES-ECB(key, 00 x 8) or AES-CBC(key, IV 0,
 * 01 x 16), first 3 bytes), of a developer set from its value. */
static TksKeyInfo *
tks_p11_key_info(TksKeyStorePkcs11 *self, const TksP11Key *key, GError **error)
{
	guint8 kcvs[3 * TKS_KCV_SIZE] = {0};
	guint8 in[16];
	guint8 res[16] = {0};
	gsize len = key->type == TKS_KEY_TYPE_DES3 ? 8 : 16;

	memset(in, len == 8 ? 0x00 : 0x01, sizeof(in));
	if (key->kind == TKS_KEY_KIND_DEVELOPER) {
		g_autoptr(TokSecret) value = tks_p11_read_developer(self, key, error);
		if (value == NULL || !tks_key_value_compute_kcvs(self->crypto, key->kind, key->type, value, kcvs, error))
			return NULL;
	} else if (!tks_p11_run(self, key->by_role[TKS_P11_ROLE_MASTER]->handle, len == 8 ? CKM_DES3_ECB : CKM_AES_CBC, FALSE,
				in, len, res, len, "key check value", error)) {
		g_prefix_error(error, "key %s version %02X: ", key->key_set, key->version);
		return NULL;
	}
	for (guint j = 0; key->kind == TKS_KEY_KIND_MASTER && j < TKS_KCV_SIZE; j++)
		kcvs[j] = res[j];
	return tks_key_info_new(key->key_set, key->version, key->kind, key->type, kcvs);
}

/* The key set ENC || MAC || KEK of @value (@klen bytes each). */
static TokGpKeySet *
tks_p11_key_set_new(TokGpKeyType type, GByteArray *value, gsize klen, GError **error)
{
	g_autoptr(TokSecret) enc = tok_secret_new_from_data(value->data, klen);
	g_autoptr(TokSecret) mac = tok_secret_new_from_data(value->data + klen, klen);
	g_autoptr(TokSecret) dek = tok_secret_new_from_data(value->data + 2 * klen, klen);
	TokGpKeySet *keys = tok_gp_key_set_new(type, enc, mac, dek, error);

	tks_error_convert(error, TKS_ERROR_FAILED);
	return keys;
}

/* The master wrapped (RFC 5649, CKM_AES_KEY_WRAP_PAD) under @transport_key, imported for the
 * occasion as a session key that can only wrap. Only masters created with export=wrap are
 * extractable. */
static GBytes *
tks_p11_wrap_master(TksKeyStorePkcs11 *self, const TksP11Key *key, TokSecret *transport_key, GError **error)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE aes = CKK_AES;
	CK_BBOOL yes = CK_TRUE;
	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_KEY_TYPE, &aes, sizeof(aes)}, {CKA_TOKEN, &no, 1},
			       {CKA_PRIVATE, &yes, 1}, {CKA_SENSITIVE, &yes, 1}, {CKA_EXTRACTABLE, &no, 1}, {CKA_WRAP, &yes, 1},
			       {CKA_UNWRAP, &no, 1}, {CKA_ENCRYPT, &no, 1}, {CKA_DECRYPT, &no, 1},
			       {CKA_VALUE, (void *)tok_secret_get_data(transport_key, NULL),
				tok_secret_get_size(transport_key)}};
	CK_MECHANISM kwp = {CKM_AES_KEY_WRAP_PAD, NULL, 0};
	CK_OBJECT_HANDLE master = key->by_role[TKS_P11_ROLE_MASTER]->handle;
	CK_OBJECT_HANDLE transport = CK_INVALID_HANDLE;
	CK_BBOOL extractable = CK_FALSE;
	CK_ATTRIBUTE attr = {CKA_EXTRACTABLE, &extractable, sizeof(extractable)};
	guint8 blob[TKS_P11_WRAPPED_MAX];
	CK_ULONG blob_len = sizeof(blob);
	const gchar *call = "C_CreateObject";
	CK_RV rv = self->p11->C_GetAttributeValue(self->session, master, &attr, 1);

	if (rv != CKR_OK || extractable != CK_TRUE) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_NOT_SUPPORTED,
			    "master key %s version %02X never leaves token \"%s\" (only masters created by a store opened "
			    "with export=wrap can, wrapped)",
			    key->key_set, key->version, self->token_label);
		return NULL;
	}
	rv = self->p11->C_CreateObject(self->session, tmpl, G_N_ELEMENTS(tmpl), &transport);
	if (rv == CKR_OK) {
		call = "C_WrapKey";
		rv = self->p11->C_WrapKey(self->session, &kwp, transport, master, blob, &blob_len);
		(void)self->p11->C_DestroyObject(self->session, transport);
	}
	if (rv == CKR_OK)
		return g_bytes_new(blob, MIN(blob_len, sizeof(blob)));
	tks_p11_fail(self, error, rv, call, "wrapping key %s version %02X", key->key_set, key->version);
	return NULL;
}

/* The clear value of an extractable master (through a one-time transport key). */
static TokSecret *
tks_p11_master_value(TksKeyStorePkcs11 *self, const TksP11Key *key, GError **error)
{
	g_autoptr(TokSecret) transport = tok_secret_new_random(TKS_TRANSPORT_KEY_SIZE, NULL);
	g_autoptr(GBytes) wrapped = transport != NULL ? tks_p11_wrap_master(self, key, transport, error) : NULL;
	return wrapped != NULL ? tks_key_unwrap_pad(transport, wrapped, error) : NULL;
}

/* Card keys from a master, computed inside the token (only they leave it); "none" returns
 * an extractable master itself. */
static TokGpKeySet *
tks_p11_derive_master(TksKeyStorePkcs11 *self, const TksP11Key *key, const TksDeriveParams *p, GError **error)
{
	g_autoptr(TokWipedByteArray) out = g_byte_array_sized_new(160); /* never reallocated */
	g_autoptr(TokSecret) value = NULL;
	CK_OBJECT_HANDLE master = key->by_role[TKS_P11_ROLE_MASTER]->handle;
	gsize klen = tks_key_type_get_key_length(key->type);
	gboolean des = key->type == TKS_KEY_TYPE_DES3;
	gboolean ok = TRUE;

	switch (p->method) {
	case TOK_GP_DIVERSIFY_NONE:
		value = tks_p11_master_value(self, key, error);
		for (guint i = 0; i < 3 && value != NULL; i++)
			g_byte_array_append(out, tok_secret_get_data(value, NULL), (guint)klen);
		return value != NULL ? tks_p11_key_set_new(tks_key_type_to_gp(key->type), out, klen, error) : NULL;
	case TOK_GP_DIVERSIFY_VISA2:
	case TOK_GP_DIVERSIFY_EMV:
		for (guint8 n = 1; n <= 3 && ok && des; n++) {
			guint8 data[16];
			if (p->method == TOK_GP_DIVERSIFY_VISA2)
				tok_gp_diversification_data_visa2(p->kdd, n, data);
			else
				tok_gp_diversification_data_emv(p->kdd, n, data);
			g_byte_array_set_size(out, n * 16);
			ok = tks_p11_run(self, master, CKM_DES3_ECB, FALSE, data, 16, out->data + (n - 1) * 16, 16,
					 "VISA2/EMV diversification", error);
		}
		if (des && ok && p->result_type == TOK_GP_KEY_TYPE_DES3)
			tok_gp_des_set_odd_parity(out->data, 48);
		if (des)
			return ok ? tks_p11_key_set_new(p->result_type, out, 16, error) : NULL;
		break;
	case TOK_GP_DIVERSIFY_NIST_SP800_108:
		for (guint8 i = 1; i <= 2 && ok && key->count[TKS_P11_ROLE_MASTER_HMAC] == 1; i++) {
			g_autoptr(GByteArray) msg = g_byte_array_new();
			/* i || label 04 || 00 || context || L = 384 bits */
			tok_byte_array_append_u8(msg, i);
			tok_byte_array_append_u16_be(msg, 0x0400);
			g_byte_array_append(msg, p->context_is_cuid ? p->cuid : p->kdd, TOK_GP_KDD_SIZE);
			tok_byte_array_append_u16_be(msg, 384);
			g_byte_array_set_size(out, i * 32);
			ok = tks_p11_run(self, key->by_role[TKS_P11_ROLE_MASTER_HMAC]->handle, CKM_SHA256_HMAC, TRUE, msg->data,
					 msg->len, out->data + (i - 1) * 32, 32, "NIST SP 800-108 with the HMAC key", error);
		}
		g_byte_array_set_size(out, 48);
		tok_gp_des_set_odd_parity(out->data, 48);
		if (key->count[TKS_P11_ROLE_MASTER_HMAC] == 1)
			return ok ? tks_p11_key_set_new(TOK_GP_KEY_TYPE_DES3, out, 16, error) : NULL;
		break;
	case TOK_GP_DIVERSIFY_GPKMC:
		for (guint i = 0; i < 3 * klen / 16 && ok && !des; i++) {
			g_autoptr(GByteArray) msg = g_byte_array_new();
			/* i 00 00 00 c 00 00 00 CUID[6..9] CUID[4..5] L, i = 1.. per 16 bytes, c = 1 2 3 */
			tok_byte_array_append_u32_be(msg, (guint32)(i % (klen / 16) + 1) << 24);
			tok_byte_array_append_u32_be(msg, (guint32)(i / (klen / 16) + 1) << 24);
			g_byte_array_append(msg, p->cuid + 6, 4);
			g_byte_array_append(msg, p->cuid + 4, 2);
			tok_byte_array_append_u16_be(msg, (guint16)(klen * 8));
			g_byte_array_set_size(out, (i + 1) * 16);
			ok = tks_p11_run(self, master, CKM_AES_CMAC, TRUE, msg->data, msg->len, out->data + i * 16, 16,
					 "GPKMC diversification", error);
		}
		if (!des)
			return ok ? tks_p11_key_set_new(TOK_GP_KEY_TYPE_AES, out, klen, error) : NULL;
		break;
	}
	g_set_error_literal(error, TKS_ERROR, TKS_ERROR_NOT_SUPPORTED,
			    p->method != TOK_GP_DIVERSIFY_NIST_SP800_108
				? "this diversification does not apply to the master's type"
				: "NIST SP 800-108 needs the master's HMAC key (CKA_ID \"master-hmac\"), which a master "
				  "generated in the token has only if the store was opened with export=wrap");
	return NULL;
}

/* Card keys from a developer key set: in software, each from its own component. */
static TokGpKeySet *
tks_p11_derive_developer(TksKeyStorePkcs11 *self, const TksP11Key *key, const TksDeriveParams *p, GError **error)
{
	const TokGpKeyUsage usages[3] = {TOK_GP_KEY_ENC, TOK_GP_KEY_MAC, TOK_GP_KEY_DEK};
	gsize klen = tks_key_type_get_key_length(key->type);
	g_autoptr(TokSecret) value = tks_p11_read_developer(self, key, error);
	g_autoptr(TokWipedByteArray) out = g_byte_array_sized_new(TKS_KEY_VALUE_MAX);
	g_autoptr(GError) error_local = NULL;

	for (guint i = 0; i < 3 && value != NULL && error_local == NULL; i++) {
		g_autoptr(TokSecret) part = tok_secret_slice(value, i * klen, klen);
		g_autoptr(TokGpKeySet) set = tok_gp_key_set_derive(self->crypto, p->method, tks_key_type_to_gp(key->type), part,
								   p->kdd, p->context_is_cuid ? p->cuid : p->kdd,
								   p->context_is_cuid ? TOK_GP_CUID_SIZE : TOK_GP_KDD_SIZE,
								   p->cuid, p->result_type, &error_local);
		TokSecret *card_key = set != NULL ? tok_gp_key_set_get_key(set, usages[i]) : NULL;

		if (card_key != NULL)
			g_byte_array_append(out, tok_secret_get_data(card_key, NULL), (guint)tok_secret_get_size(card_key));
	}
	if (value == NULL)
		return NULL;
	if (error_local != NULL) {
		tks_error_convert(&error_local, g_error_matches(error_local, TOK_ERROR, TOK_ERROR_NOT_SUPPORTED)
							? TKS_ERROR_NOT_SUPPORTED
							: TKS_ERROR_FAILED);
		g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	return tks_p11_key_set_new(p->result_type, out, out->len / 3, error);
}

/* Creates from @value (or generates if NULL) the object of @role for a key of @type (see the
 * header), remembered in @created. */
static gboolean
tks_p11_make(TksKeyStorePkcs11 *self, const gchar *label, TksP11Role role, TksKeyType type, gboolean extractable,
	     const guint8 *value, gsize value_len, GArray *created, GError **error)
{
	gboolean developer = role >= TKS_P11_ROLE_DEVELOPER;
	gboolean master = role == TKS_P11_ROLE_MASTER;
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = !master ? CKK_GENERIC_SECRET : type == TKS_KEY_TYPE_DES3 ? CKK_DES2 : CKK_AES;
	CK_ULONG len = tks_key_type_get_key_length(type) * (developer ? 3 : 1);
	CK_BBOOL yes = CK_TRUE;
	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE attrs[] = {
	    {CKA_CLASS, &cls, sizeof(cls)}, {CKA_KEY_TYPE, &kt, sizeof(kt)}, {CKA_TOKEN, &yes, 1}, {CKA_PRIVATE, &yes, 1},
	    {CKA_LABEL, (void *)label, strlen(label)}, {CKA_ID, (void *)tks_p11_role_ids[role], strlen(tks_p11_role_ids[role])},
	    {CKA_SENSITIVE, developer ? &no : &yes, 1}, {CKA_EXTRACTABLE, developer || (master && extractable) ? &yes : &no, 1},
	    {CKA_ENCRYPT, master ? &yes : &no, 1}, {CKA_DECRYPT, &no, 1}, {CKA_VERIFY, &no, 1}, {CKA_WRAP, &no, 1},
	    {CKA_SIGN, role == TKS_P11_ROLE_MASTER_HMAC || (master && type != TKS_KEY_TYPE_DES3) ? &yes : &no, 1},
	    {CKA_UNWRAP, &no, 1}, {CKA_DERIVE, &no, 1},
	    {value != NULL ? CKA_VALUE : CKA_VALUE_LEN, value != NULL ? (void *)value : &len,
	     value != NULL ? value_len : sizeof(len)}};
	CK_ULONG n = G_N_ELEMENTS(attrs) - (value == NULL && kt == CKK_DES2); /* no CKA_VALUE_LEN for DES */
	CK_MECHANISM mech = {kt == CKK_DES2 ? CKM_DES2_KEY_GEN : kt == CKK_AES ? CKM_AES_KEY_GEN : CKM_GENERIC_SECRET_KEY_GEN,
			     NULL, 0};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_RV rv = value == NULL ? self->p11->C_GenerateKey(self->session, &mech, attrs, n, &h)
				 : self->p11->C_CreateObject(self->session, attrs, n, &h);


	if (rv == CKR_OK)
		g_array_append_val(created, h);
	else
		tks_p11_fail(self, error, rv, value == NULL ? "C_GenerateKey" : "C_CreateObject", "storing the %s object",
			     tks_p11_role_ids[role]);
	return rv == CKR_OK;
}

/* Stores @value (import) or generates the key (@value NULL) at a free address; a master gets
 * its zero-padded HMAC key when its value passes through here (import, export=wrap). */
static TksKeyInfo *
tks_p11_add_locked(TksKeyStorePkcs11 *self, const gchar *key_set, guint8 version, TksKeyKind kind, TksKeyType type,
		   TokSecret *value, GError **error)
{
	g_autofree gchar *label = tks_key_store_pkcs11_label(key_set, version);
	g_autoptr(GArray) created = g_array_new(FALSE, FALSE, sizeof(CK_OBJECT_HANDLE));
	g_autoptr(TokWipedByteArray) padded = g_byte_array_sized_new(TKS_P11_HMAC_KEY_MIN + 32);
	g_autoptr(TokSecret) generated = NULL;
	g_auto(TksP11Key) key = {0};
	gboolean exportable = (self->flags & TKS_KEY_STORE_PKCS11_FLAG_EXPORTABLE) != 0;
	gboolean master = kind == TKS_KEY_KIND_MASTER;
	TksKeyInfo *info = NULL;
	gboolean ok;

	if (!tks_p11_key_load(self, key_set, version, 0, &key, error))
		return NULL;
	if (key.objects->len > 0) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_EXISTS, "key %s version %02X already exists on token \"%s\"", key_set,
			    version, self->token_label);
		return NULL;
	}
	ok = tks_p11_make(self, label, master ? TKS_P11_ROLE_MASTER : TKS_P11_ROLE_DEVELOPER + type, type, exportable,
			  value != NULL ? tok_secret_get_data(value, NULL) : NULL,
			  value != NULL ? tok_secret_get_size(value) : 0, created, error);
	if (ok && master && value == NULL && exportable)
		ok = tks_p11_key_load(self, key_set, version, 2, &key, error) &&
		     (value = generated = tks_p11_master_value(self, &key, error)) != NULL;
	if (ok && master && value != NULL) {
		g_byte_array_append(padded, tok_secret_get_data(value, NULL), (guint)tok_secret_get_size(value));
		while (padded->len < TKS_P11_HMAC_KEY_MIN)
			tok_byte_array_append_u8(padded, 0x00);
		ok = tks_p11_make(self, label, TKS_P11_ROLE_MASTER_HMAC, type, FALSE, padded->data, padded->len, created,
				  error);
	}
	if (ok && tks_p11_key_load(self, key_set, version, 2, &key, error))
		info = tks_p11_key_info(self, &key, error);
	for (guint i = 0; info == NULL && i < created->len; i++)
		(void)self->p11->C_DestroyObject(self->session, g_array_index(created, CK_OBJECT_HANDLE, i));
	if (info == NULL)
		g_prefix_error(error, "%s key %s version %02X: ",
			       value == NULL || generated != NULL ? "generating" : "importing", key_set, version);
	return info;
}

/* Every method runs under the lock, on a live session. */
#define TKS_P11_LOCK(self, error, failed)                                                                              \
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&(self)->lock);                              \
	if (!tks_p11_ensure_session((self), (error))) return failed;

static GPtrArray *
tks_key_store_pkcs11_list_keys(TksKeyStore *store, GError **error)
{
	TksKeyStorePkcs11 *self = TKS_KEY_STORE_PKCS11(store);
	g_autoptr(GPtrArray) infos = g_ptr_array_new_with_free_func((GDestroyNotify)tks_key_info_free);
	g_autoptr(GArray) objects = NULL;
	g_autoptr(GError) error_local = NULL;
	TKS_P11_LOCK(self, error, NULL)
	objects = tks_p11_find(self, NULL, error);
	for (guint i = 0; objects != NULL && i < objects->len && error_local == NULL; i++) {
		const TksP11Object *obj = &g_array_index(objects, TksP11Object, i);
		g_auto(TksP11Key) key = {0};
		TksKeyInfo *info = NULL;
		if (obj->role == TKS_P11_ROLE_MASTER_HMAC) /* one key, one master or developer object */
			continue;
		if (tks_p11_key_load(self, obj->key_set, obj->version, 2, &key, &error_local))
			info = tks_p11_key_info(self, &key, &error_local);
		if (info != NULL)
			g_ptr_array_add(infos, info);
		if (g_error_matches(error_local, TKS_ERROR, TKS_ERROR_INVALID_DATA)) {
			g_debug("skipped: %s", error_local->message);
			g_clear_error(&error_local);
		}
	}
	if (error_local != NULL)
		g_propagate_error(error, g_steal_pointer(&error_local));
	else if (objects != NULL)
		return g_steal_pointer(&infos);
	return NULL;
}

static TksKeyInfo *
tks_key_store_pkcs11_lookup_key(TksKeyStore *store, const gchar *key_set, guint8 version, GError **error)
{
	TksKeyStorePkcs11 *self = TKS_KEY_STORE_PKCS11(store);
	g_auto(TksP11Key) key = {0};
	TKS_P11_LOCK(self, error, NULL)
	return tks_p11_key_load(self, key_set, version, 2, &key, error) ? tks_p11_key_info(self, &key, error) : NULL;
}

static TksKeyInfo *
tks_key_store_pkcs11_import_key(TksKeyStore *store, const gchar *key_set, guint8 version, TksKeyKind kind,
				TksKeyType type, TokSecret *value, GError **error)
{
	TKS_P11_LOCK(TKS_KEY_STORE_PKCS11(store), error, NULL)
	return tks_p11_add_locked(TKS_KEY_STORE_PKCS11(store), key_set, version, kind, type, value, error);
}

static TksKeyInfo *
tks_key_store_pkcs11_generate_key(TksKeyStore *store, const gchar *key_set, guint8 version, TksKeyKind kind,
				  TksKeyType type, GError **error)
{
	TKS_P11_LOCK(TKS_KEY_STORE_PKCS11(store), error, NULL)
	return tks_p11_add_locked(TKS_KEY_STORE_PKCS11(store), key_set, version, kind, type, NULL, error);
}

static gboolean
tks_key_store_pkcs11_delete_key(TksKeyStore *store, const gchar *key_set, guint8 version, GError **error)
{
	TksKeyStorePkcs11 *self = TKS_KEY_STORE_PKCS11(store);
	g_auto(TksP11Key) key = {0};
	CK_RV rv = CKR_OK;
	TKS_P11_LOCK(self, error, FALSE)
	if (!tks_p11_key_load(self, key_set, version, 1, &key, error))
		return FALSE;
	for (guint i = 0; i < key.objects->len && rv == CKR_OK; i++)
		rv = self->p11->C_DestroyObject(self->session, g_array_index(key.objects, TksP11Object, i).handle);
	if (rv != CKR_OK)
		tks_p11_fail(self, error, rv, "C_DestroyObject", "deleting key %s version %02X", key_set, version);
	return rv == CKR_OK;
}

static TokGpKeySet *
tks_key_store_pkcs11_derive_card_keys(TksKeyStore *store, const gchar *key_set, guint8 version,
				      const TksDeriveParams *params, GError **error)
{
	TksKeyStorePkcs11 *self = TKS_KEY_STORE_PKCS11(store);
	g_auto(TksP11Key) key = {0};
	TokGpKeySet *keys;
	TKS_P11_LOCK(self, error, NULL)
	if (!tks_p11_key_load(self, key_set, version, 2, &key, error))
		return NULL;
	if (((params->method == TOK_GP_DIVERSIFY_NONE || params->method == TOK_GP_DIVERSIFY_GPKMC) &&
	     params->result_type != tks_key_type_to_gp(key.type)) ||
	    (params->method == TOK_GP_DIVERSIFY_NIST_SP800_108 && params->result_type != TOK_GP_KEY_TYPE_DES3)) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_NOT_SUPPORTED,
			    "key set %s version %02X holds %s keys, which this diversification cannot turn into %s card keys",
			    key_set, version, tks_key_type_to_string(key.type),
			    params->result_type == TOK_GP_KEY_TYPE_DES3 ? "DES3" : "AES");
		return NULL;
	}
	keys = key.kind == TKS_KEY_KIND_DEVELOPER ? tks_p11_derive_developer(self, &key, params, error)
						  : tks_p11_derive_master(self, &key, params, error);
	if (keys == NULL)
		g_prefix_error(error, "key set %s version %02X: ", key_set, version);
	return keys;
}

static GBytes *
tks_key_store_pkcs11_export_wrapped(TksKeyStore *store, const gchar *key_set, guint8 version, TokSecret *transport_key,
				    GError **error)
{
	TksKeyStorePkcs11 *self = TKS_KEY_STORE_PKCS11(store);
	g_auto(TksP11Key) key = {0};
	g_autoptr(TokSecret) value = NULL;
	TKS_P11_LOCK(self, error, NULL)
	if (!tks_p11_key_load(self, key_set, version, 2, &key, error))
		return NULL;
	if (key.kind == TKS_KEY_KIND_MASTER)
		return tks_p11_wrap_master(self, &key, transport_key, error);
	value = tks_p11_read_developer(self, &key, error);
	return value != NULL ? tks_key_wrap_pad(transport_key, value, error) : NULL;
}

static TksKeyInfo *
tks_key_store_pkcs11_import_wrapped(TksKeyStore *store, const TksKeyInfo *info, TokSecret *transport_key,
				    GBytes *wrapped, GError **error)
{
	TksKeyStorePkcs11 *self = TKS_KEY_STORE_PKCS11(store);
	TksKeyKind kind = tks_key_info_get_kind(info);
	TksKeyType type = tks_key_info_get_key_type(info);
	g_autoptr(TokSecret) value = tks_key_unwrap_pad(transport_key, wrapped, error);
	g_autoptr(TksKeyInfo) unwrapped = NULL;
	guint8 kcvs[3 * TKS_KCV_SIZE] = {0};
	TKS_P11_LOCK(self, error, NULL)
	if (value == NULL)
		return NULL;
	if (!tks_key_value_compute_kcvs(self->crypto, kind, type, value, kcvs, NULL)) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA, "the wrapped key is not a %s %s key",
			    tks_key_type_to_string(type), tks_key_kind_to_string(kind));
		return NULL;
	}
	unwrapped = tks_key_info_new(tks_key_info_get_key_set(info), tks_key_info_get_version(info), kind, type, kcvs);
	if (!tks_key_info_equal(unwrapped, info)) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_CHECK_VALUE,
			    "key set %s version %02X: the unwrapped key does not match its check value",
			    tks_key_info_get_key_set(info), tks_key_info_get_version(info));
		return NULL;
	}
	return tks_p11_add_locked(self, tks_key_info_get_key_set(info), tks_key_info_get_version(info), kind, type, value,
				  error);
}

static gchar *
tks_key_store_pkcs11_describe(TksKeyStore *store)
{
	TksKeyStorePkcs11 *self = TKS_KEY_STORE_PKCS11(store);
	return g_strdup_printf("PKCS#11 token \"%s\" (%s)", self->token_label, self->module_path);
}

static void
tks_key_store_pkcs11_iface_init(TksKeyStoreInterface *iface)
{
	iface->list_keys = tks_key_store_pkcs11_list_keys;
	iface->lookup_key = tks_key_store_pkcs11_lookup_key;
	iface->import_key = tks_key_store_pkcs11_import_key;
	iface->generate_key = tks_key_store_pkcs11_generate_key;
	iface->delete_key = tks_key_store_pkcs11_delete_key;
	iface->derive_card_keys = tks_key_store_pkcs11_derive_card_keys;
	iface->export_wrapped = tks_key_store_pkcs11_export_wrapped;
	iface->import_wrapped = tks_key_store_pkcs11_import_wrapped;
	iface->describe = tks_key_store_pkcs11_describe;
}

static void
tks_key_store_pkcs11_finalize(GObject *object)
{
	TksKeyStorePkcs11 *self = TKS_KEY_STORE_PKCS11(object);
	if (self->have_session)
		(void)self->p11->C_CloseSession(self->session);
	if (self->module_acquired)
		tks_p11_module_use(self, FALSE, NULL);
	if (self->module != NULL)
		g_module_close(self->module);
	g_clear_pointer(&self->pin, tok_secret_unref);
	g_clear_object(&self->crypto);
	g_free(self->module_path);
	g_free(self->token_label);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(tks_key_store_pkcs11_parent_class)->finalize(object);
}

static void
tks_key_store_pkcs11_class_init(TksKeyStorePkcs11Class *klass)
{
	G_OBJECT_CLASS(klass)->finalize = tks_key_store_pkcs11_finalize;
}

static void
tks_key_store_pkcs11_init(TksKeyStorePkcs11 *self)
{
	g_mutex_init(&self->lock);
}

TksKeyStorePkcs11 *
tks_key_store_pkcs11_new(const gchar *module_path, const gchar *token_label, TokSecret *pin,
			 TksKeyStorePkcs11Flags flags, GError **error)
{
	g_autoptr(TksKeyStorePkcs11) self = NULL;
	gpointer symbol = NULL;
	CK_RV rv = CKR_GENERAL_ERROR;
	if (module_path == NULL || *module_path == '\0' || token_label == NULL || *token_label == '\0' ||
	    strlen(token_label) > TKS_P11_TOKEN_LABEL || !g_utf8_validate(token_label, -1, NULL)) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_CONFIG, "a PKCS#11 store needs a module and a token label");
		return NULL;
	}
	self = g_object_new(TKS_TYPE_KEY_STORE_PKCS11, NULL);
	self->module_path = g_strdup(module_path);
	self->token_label = g_strchomp(g_strdup(token_label));
	self->flags = flags;
	self->pin = pin != NULL ? tok_secret_ref(pin) : NULL;
	self->module = g_module_open(module_path, G_MODULE_BIND_LOCAL);
	if (self->module == NULL || !g_module_symbol(self->module, "C_GetFunctionList", &symbol) || symbol == NULL) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_CONFIG, "cannot load PKCS#11 module %s: %s", module_path,
			    self->module == NULL ? g_module_error() : "it has no C_GetFunctionList");
		return NULL;
	}
	rv = ((CK_C_GetFunctionList)symbol)(&self->p11);
	if (rv != CKR_OK || self->p11 == NULL || self->p11->version.major < 2) {
		tks_p11_fail(NULL, error, rv != CKR_OK ? rv : CKR_FUNCTION_NOT_SUPPORTED, "C_GetFunctionList",
			     "PKCS#11 module %s", module_path);
		self->p11 = NULL;
		return NULL;
	}
	self->crypto = tok_gp_crypto_new(error);
	tks_error_convert(error, TKS_ERROR_BACKEND);
	if (self->crypto == NULL || !tks_p11_module_use(self, TRUE, error) || !tks_p11_connect(self, error))
		return NULL;
	return g_steal_pointer(&self);
}

TksKeyStore *
tks_key_store_pkcs11_open(const gchar *spec, TokSecret *secret, TksKeyStoreOpenFlags flags, GError **error)
{
	g_autoptr(GUri) uri = g_uri_parse(spec, G_URI_FLAGS_ENCODED_QUERY, NULL);
	const gchar *query = uri != NULL ? g_uri_get_query(uri) : NULL;
	g_autoptr(GHashTable) params = query != NULL ? g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, NULL) : NULL;
	const gchar *export = params != NULL ? g_hash_table_lookup(params, "export") : NULL;
	TksKeyStorePkcs11 *store;

	if (uri == NULL || g_strcmp0(g_uri_get_scheme(uri), "pkcs11") != 0 || *g_uri_get_path(uri) == '\0' ||
	    params == NULL || g_hash_table_lookup(params, "token") == NULL ||
	    g_hash_table_size(params) != (export != NULL ? 2u : 1u) ||
	    (export != NULL && g_strcmp0(export, "wrap") != 0 && g_strcmp0(export, "none") != 0)) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_CONFIG,
				    "a PKCS#11 key store is named pkcs11:MODULE?token=LABEL[&export=wrap|none]");
		return NULL;
	}
	store = tks_key_store_pkcs11_new(g_uri_get_path(uri), g_hash_table_lookup(params, "token"), secret,
					 g_strcmp0(export, "wrap") == 0 ? TKS_KEY_STORE_PKCS11_FLAG_EXPORTABLE
									: TKS_KEY_STORE_PKCS11_FLAG_NONE,
					 error);
	return store != NULL ? TKS_KEY_STORE(store) : NULL;
}
