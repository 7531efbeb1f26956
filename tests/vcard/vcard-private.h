/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal API between the parts of libvcard: the persistent state model (vcard-state.c),
 * the card manager (vcard-isd.c), the CoolKey applet (vcard-applet.c, vcard-applet-keys.c)
 * and the card itself (vcard-card.c).
 */
#pragma once

#include <gio/gio.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

/* libtok and libtok-gp headers, in any order */
#include "tok-gp-crypto.h"
#include "tok-gp-keys.h"
#include "tok-gp-session.h"

#include "tok-coolkey-apdu.h"
#include "tok-gp-apdu.h"
#include "tok-secret.h"
#include "vcard-card.h"
#include "vcard-openssl.h"

G_BEGIN_DECLS

#define VCARD_MAX_KEYS	    TOK_COOLKEY_MAX_KEYS /* 24 */
#define VCARD_MAX_PINS	    TOK_COOLKEY_MAX_PINS /* 8 */
#define VCARD_PIN_MIN_SIZE  4
#define VCARD_PIN_MAX_SIZE  16
#define VCARD_IOBUF_SIZE    TOK_COOLKEY_IOBUF_SIZE /* 900 */
#define VCARD_MAX_OBJECTS   256
#define VCARD_NO_PARTNER    0xFF
/* EC key types (not in the 1.4 applet; tpsclient's EC blob type is 0x0A) */
#define VCARD_KEY_TYPE_EC_PUBLIC  0x0A
#define VCARD_KEY_TYPE_EC_PRIVATE 0x0B
/* Memory of an applet installed without an applet-specific memory size (bytes). */
#define VCARD_DEFAULT_APPLET_MEMORY 16384
#define VCARD_MAX_APPLET_MEMORY	    0x7FFF
#define VCARD_PROTOCOL_MAJOR	    1
#define VCARD_PROTOCOL_MINOR	    1

/* ---- persistent state -------------------------------------------------------------- */

typedef struct {
	gboolean defined;
	TokSecret *value;
	guint8 max_tries;
	guint8 tries_left;
} VcardPin;

typedef struct {
	guint8 type; /* TokCoolkeyKeyType or VCARD_KEY_TYPE_EC_*; 0 = empty slot */
	guint16 size; /* bits */
	guint8 partner; /* the other half of the pair, VCARD_NO_PARTNER if none */
	TokCoolkeyKeyAcl acl;
	EVP_PKEY *pkey;
} VcardKey;

typedef struct {
	guint32 id;
	TokCoolkeyObjectAcl acl;
	GByteArray *data; /* fixed size; wiped when freed */
} VcardObject;

typedef struct {
	TokGpAid aid;
	guint8 major;
	guint8 minor;
	guint32 build_id;
	guint32 memory_size;
	guint8 lifecycle;
	guint8 issuer_info[TOK_COOLKEY_ISSUER_INFO_SIZE];
	TokCoolkeyBuiltinAcl builtin_acl;
	guint8 pin_enabled;
	guint8 writable;
	VcardPin pins[VCARD_MAX_PINS];
	VcardKey keys[VCARD_MAX_KEYS];
	GPtrArray *objects; /* VcardObject, in creation order */
} VcardApplet;

typedef struct {
	guint8 cuid[10];
	guint8 msn[4];
	TokGpScp scp;
	guint8 key_version;
	TokGpKeySet *keys;
	guint32 sequence_counter;
	gboolean has_package;
	TokGpAid package_aid;
	GBytes *package_image; /* the load file as loaded (what followed the C4 tag) */
	VcardApplet *applet;   /* NULL: no instance */
} VcardState;

VcardState *
vcard_state_new(void);
void
vcard_state_free(VcardState *state);
VcardApplet *
vcard_applet_new(const TokGpAid *aid, guint8 major, guint8 minor, guint32 build_id, guint32 memory_size);
void
vcard_applet_free(VcardApplet *applet);
void
vcard_key_clear(VcardKey *key);
void
vcard_pin_clear(VcardPin *pin);
VcardObject *
vcard_object_new(guint32 id, const TokCoolkeyObjectAcl *acl, gsize size);
void
vcard_object_free(VcardObject *object);
/* Bytes of object memory in use. */
guint32
vcard_applet_used_memory(const VcardApplet *applet);
VcardObject *
vcard_applet_lookup_object(const VcardApplet *applet, guint32 id, guint *index);

/* The state file (a GKeyFile, mode 0600). */
VcardState *
vcard_state_load_from_data(const gchar *data, gsize len, GError **error);
VcardState *
vcard_state_load(const gchar *path, GError **error);
gchar *
vcard_state_to_data(const VcardState *state, gsize *len, GError **error);
gboolean
vcard_state_save(const VcardState *state, const gchar *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VcardState, vcard_state_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VcardApplet, vcard_applet_free)

/* ---- commands --------------------------------------------------------------------- */

/* A command as the applications see it: secure messaging removed (@secure: it came through
 * the authenticated channel), data without the nonce (applet). */
typedef struct {
	guint8 cla;
	guint8 ins;
	guint8 p1;
	guint8 p2;
	const guint8 *data;
	gsize len;
	gint le; /* TOK_APDU_NO_LE or 1..256 */
	gboolean secure;
} VcardCommand;

typedef enum {
	VCARD_APP_NONE,
	VCARD_APP_ISD,
	VCARD_APP_APPLET,
} VcardApp;

struct _VcardCard {
	GObject parent_instance;
	TokGpCrypto *crypto;
	VcardState *state;
	GBytes *atr;
	gchar *state_path;
	GOutputStream *log;
	gboolean log_data;
	gboolean powered;
	gboolean dirty;
	VcardApp selected;
	TokGpSession *session; /* the secure channel (transient) */
	/* applet transient state */
	guint8 nonce[TOK_COOLKEY_NONCE_SIZE];
	guint16 nonce_ids;
	guint16 login_count[VCARD_MAX_PINS];
	guint16 authenticated; /* identities of the command being processed */
	GByteArray *iobuf;     /* VCARD_IOBUF_SIZE bytes, wiped */
	gsize iobuf_size;
	guint object_iter;
	guint key_iter;
	/* load in progress (INSTALL [for load] .. LOAD last block) */
	gboolean loading;
	TokGpAid load_aid;
	GByteArray *load_buffer;
	guint load_next_block;
};

/* Status words and response data produced by the handlers. */
guint16
vcard_isd_process(VcardCard *self, const VcardCommand *cmd, GByteArray *out);
guint16
vcard_applet_process(VcardCard *self, const VcardCommand *cmd, GByteArray *out);
/* Key commands (vcard-applet-keys.c), called by vcard_applet_process(). */
guint16
vcard_applet_generate_key(VcardCard *self, const VcardCommand *cmd, GByteArray *out);
guint16
vcard_applet_import_key_encrypted(VcardCard *self, const VcardCommand *cmd);
guint16
vcard_applet_import_key(VcardCard *self, const VcardCommand *cmd);
guint16
vcard_applet_compute_crypt(VcardCard *self, const VcardCommand *cmd, GByteArray *out);
guint16
vcard_applet_ecc(VcardCard *self, const VcardCommand *cmd, GByteArray *out);
guint16
vcard_applet_clear_key_slots(VcardCard *self, const VcardCommand *cmd);

/* Helpers shared by the handlers (vcard-card.c). */
void
vcard_card_debug(VcardCard *self, const gchar *format, ...) G_GNUC_PRINTF(2, 3);
void
vcard_card_log_error(VcardCard *self, const gchar *what, const GError *error);
/* The applet was installed or deleted: drops the applet's transient state. */
void
vcard_card_reset_applet_transient(VcardCard *self);
/* Overwrites @n bytes of @dst at @offset; FALSE if they do not fit. */
gboolean
vcard_buffer_write(GByteArray *dst, gsize offset, const guint8 *src, gsize n);
/* The key used to unwrap keys sent under the secure channel: the static KEK (SCP01/03) or
 * the DEK session key (SCP02). Borrowed; NULL without an authenticated channel. */
TokSecret *
vcard_card_transport_key(VcardCard *self);
gboolean
vcard_aid_equal(const TokGpAid *a, const guint8 *aid, gsize len);
gboolean
vcard_aid_set(TokGpAid *a, const guint8 *aid, gsize len);
/* SELECT-style match (5-16 bytes, a prefix) against the card manager's AID. */
gboolean
vcard_aid_is_isd(const guint8 *aid, gsize len);

G_END_DECLS
