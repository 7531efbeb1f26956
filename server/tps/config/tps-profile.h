/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TpsProfile: a token type (Dogtag "TPS profile", protocol.md 6.3): how a token of this type
 * is formatted, enrolled and PIN-reset, and which keys and certificates it carries. Boxed
 * values with public fields; the ones handed out by TpsConfig are read-only and live as long
 * as the config.
 *
 * The default is `userKey` as in Dogtag's CS.cfg: a signing key (CA profile
 * caTokenUserSigningKeyEnrollment, certificate C1/c1, keys k2/k3) and an encryption key
 * (caTokenUserEncryptionKeyEnrollment, C2/c2, k4/k5), generated on the card, except that our
 * keys are 2048-bit RSA (Dogtag: 1024) and SCP01 sends no trailing Le (protocol.md 10.7).
 * A second built-in type, `userKeyEC`, is the same with both keys EC P-256 generated on the
 * card (GENERATE KEY ECC, INS 0D; ECDSA-SHA1 proof of possession); clients pick it with the
 * BEGIN_OP extension tokenType=userKeyEC.
 *
 * Configuration group [profile:<name>] (every key optional; a profile starts from the userKey
 * defaults, renamed):
 *   auth-enable=true                  pin-min-length=4   pin-max-length=10   pin-reset-enable=true
 *   token-name=$auth.cn$              applet-required-version=1.4.58768072
 *   applet-directory=applets          (relative: to the state directory)
 *   applet-update-enroll=true         applet-update-format=true   applet-empty-token-ok=true
 *   sym-keys-update=false             sym-keys-required-version=1
 *   issuer-info-enable=true           issuer-info-value=<the phone-home URL of the server>
 *   revoke-certs-on-format=true       revoke-reason=0      allow-unknown-token=true
 *   scp01-no-le-byte=true             key-set=defKeySet
 *   keys=signing,encryption           (ordered; signing/encryption start from the defaults
 *                                      above, other names must set every key.<name>.* below)
 *   key.<name>.ca-profile-id=...      key.<name>.cert-id=C1   key.<name>.cert-attr-id=c1
 *   key.<name>.private-key-number=2   key.<name>.public-key-number=3
 *   key.<name>.algorithm=rsa|ec-p256  key.<name>.key-size=2048 (rsa: 1024|2048, ec-p256: 256)
 *   key.<name>.key-usage=0            key.<name>.key-user=0 (0..15)
 *   key.<name>.label=signing key for $userid$   key.<name>.server-keygen=false
 * Cross-checks: certificate CM pairs with keys k(2M) and k(2M+1) (protocol.md 10.12), M 0..4,
 * distinct across keys.
 */
#pragma once

#include <glib-object.h>

#include "tok-macros.h"

G_BEGIN_DECLS

#define TPS_PROFILE_USER_KEY		     "userKey"
#define TPS_PROFILE_USER_KEY_EC		     "userKeyEC"
#define TPS_PROFILE_EC_P256_KEY_SIZE	     256
#define TPS_PROFILE_DEFAULT_APPLET_VERSION   "1.4.58768072"
#define TPS_PROFILE_DEFAULT_KEY_SET	     "defKeySet"
#define TPS_PROFILE_DEFAULT_APPLET_DIRECTORY "applets"
#define TPS_PROFILE_PIN_LENGTH_MAX	     64
#define TPS_PROFILE_KEYS_MAX		     5

typedef enum {
	TPS_KEY_ALGORITHM_RSA,
	TPS_KEY_ALGORITHM_EC_P256,
} TpsKeyAlgorithm;

/* "rsa", "ec-p256" */
const gchar *
tps_key_algorithm_to_string(TpsKeyAlgorithm alg);
gboolean
tps_key_algorithm_from_string(const gchar *str, TpsKeyAlgorithm *out) TOK_NONNULL(2);

typedef struct {
	gchar *name_in_profile; /* "signing" */
	gchar *ca_profile_id;	/* "caTokenUserSigningKeyEnrollment" */
	gchar *cert_id;		/* "C1" */
	gchar *cert_attr_id;	/* "c1" */
	guint private_key_number;
	guint public_key_number;
	guint key_size;
	TpsKeyAlgorithm alg;
	guint key_usage;
	guint key_user;
	gchar *label; /* "signing key for $userid$" */
	gboolean server_keygen;
} TpsProfileKey;

#define TPS_TYPE_PROFILE_KEY (tps_profile_key_get_type())
GType
tps_profile_key_get_type(void) G_GNUC_CONST;
/* Empty key (no CA profile, ids, numbers 0, rsa 2048). */
TpsProfileKey *
tps_profile_key_new(const gchar *name_in_profile) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* The userKey defaults for "signing" and "encryption"; NULL for any other name. */
TpsProfileKey *
tps_profile_key_new_default(const gchar *name_in_profile) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
TpsProfileKey *
tps_profile_key_copy(const TpsProfileKey *key) G_GNUC_WARN_UNUSED_RESULT;
void
tps_profile_key_free(TpsProfileKey *key);

typedef struct _TpsProfile TpsProfile;
struct _TpsProfile {
	gchar *name;
	gboolean auth_enable;
	GPtrArray *keys; /* of TpsProfileKey, in order */
	guint pin_min_len;
	guint pin_max_len;
	gboolean pin_reset_enable;
	gchar *token_name_template; /* "$auth.cn$" */
	gchar *applet_required_version;
	gchar *applet_directory;
	gboolean applet_update_enroll;
	gboolean applet_update_format;
	gboolean applet_empty_token_ok;
	gboolean sym_keys_update;
	guint sym_keys_required_version;
	gboolean issuer_info_enable;
	gchar *issuer_info_value; /* never NULL in a profile from TpsConfig */
	gboolean revoke_certs_on_format;
	guint revoke_reason; /* RFC 5280 */
	gboolean allow_unknown_token;
	gboolean scp01_no_le_byte;
	gchar *key_set; /* TKS key set, "defKeySet" */
};

#define TPS_TYPE_PROFILE (tps_profile_get_type())
GType
tps_profile_get_type(void) G_GNUC_CONST;
/* The userKey defaults under @name (issuer_info_value NULL, applet_directory relative). */
TpsProfile *
tps_profile_new(const gchar *name) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* The built-in token types: userKey (as tps_profile_new()) and userKeyEC (the same with both
 * keys ec-p256); NULL for any other name. */
TpsProfile *
tps_profile_new_builtin(const gchar *name) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
TpsProfile *
tps_profile_copy(const TpsProfile *profile) G_GNUC_WARN_UNUSED_RESULT;
void
tps_profile_free(TpsProfile *profile);
/* Borrowed; NULL if the profile has no key @name_in_profile. */
const TpsProfileKey *
tps_profile_get_key(const TpsProfile *profile, const gchar *name_in_profile) TOK_NONNULL(1, 2);

/* Cross-field checks (PIN lengths, key numbering, sizes); TPS_ERROR_CONFIG naming
 * "profile:<name>.<key>". */
gboolean
tps_profile_validate(const TpsProfile *profile, GError **error) TOK_NONNULL(1);

/* Reads [@group] over @profile's values (unknown keys rejected); relative applet directories
 * are joined to @base_dir. Does not run tps_profile_validate(). */
gboolean
tps_profile_load_from_key_file(TpsProfile *profile,
			       GKeyFile *kf,
			       const gchar *group,
			       const gchar *base_dir,
			       GError **error) TOK_NONNULL(1, 2, 3, 4);
/* Writes every value of @profile into [@group]. */
void
tps_profile_save_to_key_file(const TpsProfile *profile, GKeyFile *kf, const gchar *group)
    TOK_NONNULL(1, 2, 3);

/* "<major>.<minor>.<build>": decimal 0..255, decimal 0..255, 1..8 hex digits (the applet file
 * name of protocol.md 5.3). */
gboolean
tps_profile_applet_version_is_valid(const gchar *version);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsProfileKey, tps_profile_key_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsProfile, tps_profile_free)

G_END_DECLS
