/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The CoolKey applet's commands and responses (protocol.md 4): one builder per command of
 * the APDU catalogue (4.4), parsers for the responses, object-ID, ACL and key-numbering
 * helpers.
 *
 * Builders return a TokApdu with the PLAIN data field. Commands sent clear use CLA B0;
 * commands sent through the GlobalPlatform secure channel use CLA 84 and are MACed (and
 * maybe encrypted) by the secure-channel module afterwards. Where the applet accepts both,
 * the builder takes a TokCoolkeyCla. Commands that the applet authenticates with a nonce
 * take an optional 8-byte @nonce (the one VERIFY PIN returned, or eight zero bytes for the
 * default identity) that is appended to the data; it is refused with CLA 84, where the
 * secure channel authenticates the command and the applet strips nothing.
 *
 * Parsers take the response data WITHOUT SW1 SW2 (check the status word first, e.g. with
 * tok_apdu_response_check()) and are strict: exact sizes, no trailing bytes.
 */
#pragma once

#include <glib-object.h>

#include "tok-apdu.h"
#include "tok-macros.h"
#include "tok-secret.h"

G_BEGIN_DECLS

typedef enum {
	TOK_COOLKEY_CLA_SECURE = 0x84, /* secure channel (RA identity) */
	TOK_COOLKEY_CLA_CLEAR = 0xB0,  /* clear, nonce-authenticated where needed */
} TokCoolkeyCla;

typedef enum {
	TOK_COOLKEY_INS_SET_PIN = 0x04,
	TOK_COOLKEY_INS_READ_IOBUF = 0x08,
	TOK_COOLKEY_INS_IMPORT_KEY_ENCRYPTED = 0x0A,
	TOK_COOLKEY_INS_GENERATE_KEY = 0x0C, /* "START ENROLLMENT" */
	TOK_COOLKEY_INS_GENERATE_KEY_ECC = 0x0D,
	TOK_COOLKEY_INS_IMPORT_KEY = 0x32,
	TOK_COOLKEY_INS_COMPUTE_CRYPT = 0x36,
	TOK_COOLKEY_INS_ECC_SIGN = 0x37,
	TOK_COOLKEY_INS_ECC_KEY_AGREEMENT = 0x38,
	TOK_COOLKEY_INS_LIST_KEYS = 0x3A,
	TOK_COOLKEY_INS_GET_STATUS = 0x3C,
	TOK_COOLKEY_INS_CREATE_PIN = 0x40,
	TOK_COOLKEY_INS_VERIFY_PIN = 0x42,
	TOK_COOLKEY_INS_CHANGE_PIN = 0x44,
	TOK_COOLKEY_INS_LIST_PINS = 0x48,
	TOK_COOLKEY_INS_GET_PIN_TRIES = 0x4A,
	TOK_COOLKEY_INS_DELETE_OBJECT = 0x52,
	TOK_COOLKEY_INS_WRITE_OBJECT = 0x54,
	TOK_COOLKEY_INS_CLEAR_KEY_SLOTS = 0x55,
	TOK_COOLKEY_INS_READ_OBJECT = 0x56,
	TOK_COOLKEY_INS_LIST_OBJECTS = 0x58,
	TOK_COOLKEY_INS_CREATE_OBJECT = 0x5A,
	TOK_COOLKEY_INS_LOGOUT = 0x61,
	TOK_COOLKEY_INS_GET_BUILD_ID = 0x70,
	TOK_COOLKEY_INS_NOP = 0x71,
	TOK_COOLKEY_INS_GET_RANDOM = 0x72,
	TOK_COOLKEY_INS_SEED_RANDOM = 0x73,
	TOK_COOLKEY_INS_SET_LIFECYCLE = 0xF0,
	TOK_COOLKEY_INS_GET_LIFECYCLE = 0xF2,
	TOK_COOLKEY_INS_SET_ISSUER_INFO = 0xF4,
	TOK_COOLKEY_INS_GET_ISSUER_INFO = 0xF6,
	TOK_COOLKEY_INS_SET_BUILTIN_ACL = 0xF8,
	TOK_COOLKEY_INS_GET_BUILTIN_ACL = 0xFA,
} TokCoolkeyIns;

/* Sizes and limits (protocol.md 4.2, 4.4, 4.5, 2.1) */
#define TOK_COOLKEY_NONCE_SIZE		   8
#define TOK_COOLKEY_ISSUER_INFO_SIZE	   0xE0 /* 224 */
#define TOK_COOLKEY_MAX_CHUNK		   0xD0 /* READ/WRITE OBJECT bytes per APDU */
#define TOK_COOLKEY_MAX_OBJECT_SIZE	   0x7FFF
#define TOK_COOLKEY_MAX_KEYS		   24
#define TOK_COOLKEY_MAX_PINS		   8
#define TOK_COOLKEY_MAX_PKCS11_INDEX	   9 /* digit of c/k object IDs (CoolKey PKCS#11) */
#define TOK_COOLKEY_IOBUF_SIZE		   900
#define TOK_COOLKEY_STATUS_SIZE		   16
#define TOK_COOLKEY_OBJECT_ENTRY_SIZE	   14
#define TOK_COOLKEY_KEY_ENTRY_SIZE	   11
#define TOK_COOLKEY_BUILTIN_ACL_SIZE	   7
#define TOK_COOLKEY_BUILD_ID_SIZE	   4
#define TOK_COOLKEY_CHALLENGE_SIZE	   16
#define TOK_COOLKEY_GENERATE_KEY_DATA_SIZE 23

/* The CoolKey applet instance AID 62 76 01 FF 00 00 00 (4.1) */
#define TOK_COOLKEY_AID	     "\x62\x76\x01\xFF\x00\x00\x00"
#define TOK_COOLKEY_AID_SIZE 7

/* Application life-cycle states (5.2) */
#define TOK_COOLKEY_LIFECYCLE_SELECTABLE   0x07
#define TOK_COOLKEY_LIFECYCLE_PERSONALIZED 0x0F
#define TOK_COOLKEY_LIFECYCLE_UNKNOWN	   0xF0 /* what the TPS assumes when GET LIFECYCLE fails */

/* Identities and ACL words (4.2): an ACL is a 16-bit mask of identities, bit n = identity n. */
#define TOK_COOLKEY_IDENTITY_USER     0	 /* user PIN 0 */
#define TOK_COOLKEY_IDENTITY_RA	      14 /* secure channel */
#define TOK_COOLKEY_IDENTITY_DEFAULT  15 /* anonymous (all-zero nonce) */
#define TOK_COOLKEY_ACL_FOR(identity) ((guint16)(1u << (identity)))
#define TOK_COOLKEY_ACL_ANYONE	      0xFFFF
#define TOK_COOLKEY_ACL_NOBODY	      0x0000
#define TOK_COOLKEY_ACL_RA	      0x4000
#define TOK_COOLKEY_ACL_USER	      0x0001

typedef struct {
	guint16 read_acl;
	guint16 write_acl;
	guint16 delete_acl;
} TokCoolkeyObjectAcl;

typedef struct {
	guint16 read_acl;
	guint16 write_acl;
	guint16 use_acl;
} TokCoolkeyKeyAcl;

/* FF FF 40 00 40 00: PKCS#11 objects (anyone reads, only the RA writes and deletes) */
#define TOK_COOLKEY_OBJECT_ACL_PKCS11                                                              \
	((TokCoolkeyObjectAcl){TOK_COOLKEY_ACL_ANYONE, TOK_COOLKEY_ACL_RA, TOK_COOLKEY_ACL_RA})
/* 40 00 40 00 40 00: the TPS's temporary wrapped-private-key object */
#define TOK_COOLKEY_OBJECT_ACL_RA_ONLY                                                             \
	((TokCoolkeyObjectAcl){TOK_COOLKEY_ACL_RA, TOK_COOLKEY_ACL_RA, TOK_COOLKEY_ACL_RA})

/* Object IDs (4.4, 4.7): four bytes, named objects are <type char> <index char> 00 00. */
#define TOK_COOLKEY_OBJECT_ID(type, index)                                                         \
	((guint32)(((guint32)(guint8)(type) << 24) | ((guint32)(guint8)(index) << 16)))
#define TOK_COOLKEY_OBJECT_ID_COMBINED	  0x7A300000u /* z0 */
#define TOK_COOLKEY_OBJECT_ID_IOBUF	  0xFFFFFFFFu /* the transient I/O buffer */
#define TOK_COOLKEY_OBJECT_ID_IOBUF_ALT	  0xFFFFFFFEu
#define TOK_COOLKEY_OBJECT_ID_WRAPPED_KEY 0xFF00FFF3u

/* "c1" / "z0" style names (two printable ASCII characters) or 8 hex digits ("FFFFFFFF"). */
gboolean
tok_coolkey_object_id_from_string(const gchar *text, guint32 *object_id, GError **error)
    TOK_NONNULL(2);
/* "c1" when @object_id is <printable char> <printable char> 00 00, else 8 uppercase hex
 * digits. Never NULL. */
gchar *
tok_coolkey_object_id_to_string(guint32 object_id) G_GNUC_WARN_UNUSED_RESULT;
/* @type ('c', 'C', 'k', 'z', ...) followed by the digit of @idx (0..9). */
gboolean
tok_coolkey_object_id_for_index(gchar type, guint idx, guint32 *object_id, GError **error)
    TOK_NONNULL(3);
/* The digit (0..9) in the second byte of a named object ID such as "k2". */
gboolean
tok_coolkey_object_id_get_index(guint32 object_id, guint *idx, GError **error) TOK_NONNULL(2);

/* Key numbering (4.4, 4.7): the applet has 24 key slots; the CoolKey PKCS#11 module uses the
 * digit of a "kN" object as the key slot, so kN must describe key slot N (N <= 9); cert "cM"
 * pairs with keys k(2M) (private) and k(2M+1) (public), whose CKA_ID is M = N / 2. */
gboolean
tok_coolkey_cert_key_numbers(guint cert_index,
			     guint8 *private_key,
			     guint8 *public_key,
			     GError **error) TOK_NONNULL(2, 3);
guint8
tok_coolkey_key_cka_id(guint8 key_number);

/* P1/P2 of GENERATE KEY and IMPORT KEY ENCRYPTED: P1 = (owner << 4) | private_key,
 * P2 = (usage << 4) | public_key. userKey signing is {0, 2, 0, 3}, encryption {0, 4, 0, 5}. */
#define TOK_COOLKEY_KEY_OWNER_ANYONE 0x0F
typedef struct {
	guint8 owner;	    /* identity that may use the private key: PIN 0..7, or 0x0F anyone */
	guint8 private_key; /* key slot 0..15 */
	guint8 usage;	    /* 0..15 */
	guint8 public_key;  /* key slot 0..15, not the private one */
} TokCoolkeyKeyPair;

gboolean
tok_coolkey_key_pair_pack(const TokCoolkeyKeyPair *pair, guint8 *p1, guint8 *p2, GError **error)
    TOK_NONNULL(1, 2, 3);

/* "1.4.58768072": applet major and minor in decimal, build ID as 8 lowercase hex digits
 * (the form the TPS compares with requiredVersion, protocol.md 1.10.1). */
gchar *
tok_coolkey_format_applet_version(guint8 applet_major,
				  guint8 applet_minor,
				  guint32 build_id) G_GNUC_WARN_UNUSED_RESULT;

/* --- Command builders ------------------------------------------------------------------ */

typedef enum {
	TOK_COOLKEY_LIST_FIRST = 0x00, /* restart the listing */
	TOK_COOLKEY_LIST_NEXT = 0x01,
} TokCoolkeyListSeq;

typedef enum {
	TOK_COOLKEY_STATUS_GENERAL = 0x00, /* the 16-byte status */
	TOK_COOLKEY_STATUS_MEMORY = 0x01,  /* memory variant (6D00 on the 1.4 applet) */
} TokCoolkeyStatusKind;

typedef enum {
	TOK_COOLKEY_CRYPT_MODE_RSA_NO_PAD = 0x00,
	TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1 = 0x01,
	TOK_COOLKEY_CRYPT_MODE_DSA_SHA = 0x10,
	TOK_COOLKEY_CRYPT_MODE_DES_CBC = 0x20,
	TOK_COOLKEY_CRYPT_MODE_DES_ECB = 0x21,
} TokCoolkeyCryptMode;

typedef enum {
	TOK_COOLKEY_CRYPT_DIR_SIGN = 0x01,
	TOK_COOLKEY_CRYPT_DIR_VERIFY = 0x02,
	TOK_COOLKEY_CRYPT_DIR_ENCRYPT = 0x03,
	TOK_COOLKEY_CRYPT_DIR_DECRYPT = 0x04,
} TokCoolkeyCryptDirection;

typedef enum {
	TOK_COOLKEY_DATA_LOCATION_APDU = 0x01,
	TOK_COOLKEY_DATA_LOCATION_IOBUF = 0x02, /* the I/O object */
} TokCoolkeyDataLocation;

#define TOK_COOLKEY_CRYPT_ONE_STEP 0x04 /* P2 of COMPUTE CRYPT / ECC one-step */

/* Algorithm byte of IMPORT KEY ENCRYPTED (4.6) */
typedef enum {
	TOK_COOLKEY_WRAP_ALG_DES3 = 0x80,
	TOK_COOLKEY_WRAP_ALG_DES3_KCV = 0x81,
	TOK_COOLKEY_WRAP_ALG_AES_KWP = 0x88,
	TOK_COOLKEY_WRAP_ALG_AES_CBC = 0x89,
} TokCoolkeyWrapAlg;

#define TOK_COOLKEY_KEYGEN_ALG_RSA 0x80

/* 00 A4 04 00 07 62 76 01 FF 00 00 00 00 */
TokApdu *
tok_coolkey_apdu_select(void) G_GNUC_WARN_UNUSED_RESULT;
/* B0 3C <kind> 00 10 */
TokApdu *
tok_coolkey_apdu_get_status(TokCoolkeyStatusKind kind) G_GNUC_WARN_UNUSED_RESULT;
/* B0 70 00 00 04 */
TokApdu *
tok_coolkey_apdu_get_build_id(void) G_GNUC_WARN_UNUSED_RESULT;
/* B0 F2 00 00 01, or B0 F2 00 00 04 when @extended */
TokApdu *
tok_coolkey_apdu_get_lifecycle(gboolean extended) G_GNUC_WARN_UNUSED_RESULT;
/* 84 F0 <state> 00, no data (the secure channel adds only the MAC) */
TokApdu *
tok_coolkey_apdu_set_lifecycle(guint8 state) G_GNUC_WARN_UNUSED_RESULT;
/* B0 F6 00 00 E0 */
TokApdu *
tok_coolkey_apdu_get_issuer_info(void) G_GNUC_WARN_UNUSED_RESULT;
/* 84 F4 00 00 E0 <url, zero-padded to 224 bytes>; @url must be printable UTF-8 of at most
 * 223 bytes (a NUL must follow it). */
TokApdu *
tok_coolkey_apdu_set_issuer_info(const gchar *url, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* B0 58 <seq> 00 0E */
TokApdu *
tok_coolkey_apdu_list_objects(TokCoolkeyListSeq seq) G_GNUC_WARN_UNUSED_RESULT;
/* B0 48 00 00 02 */
TokApdu *
tok_coolkey_apdu_list_pins(void) G_GNUC_WARN_UNUSED_RESULT;
/* B0 3A <seq> 00 0B */
TokApdu *
tok_coolkey_apdu_list_keys(TokCoolkeyListSeq seq) G_GNUC_WARN_UNUSED_RESULT;
/* B0 4A <pin> 00 01 */
TokApdu *
tok_coolkey_apdu_get_pin_tries(guint8 pin_number, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* B0 FA 00 00 07 */
TokApdu *
tok_coolkey_apdu_get_builtin_acl(void) G_GNUC_WARN_UNUSED_RESULT;
/* B0 72 00 00 <n>, n = 1..255 */
TokApdu *
tok_coolkey_apdu_get_random(guint n, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* B0 73 00 00 <Lc> <seed>, 1..255 bytes */
TokApdu *
tok_coolkey_apdu_seed_random(GBytes *seed, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* B0 71 00 00 */
TokApdu *
tok_coolkey_apdu_nop(void) G_GNUC_WARN_UNUSED_RESULT;
/* B0 42 <pin> 00 <Lc> <PIN>: answered by the 8-byte nonce */
TokApdu *
tok_coolkey_apdu_verify_pin(guint8 pin_number,
			    const TokSecret *pin,
			    GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(2);
/* B0 61 <identity> 00 [08 <nonce>] */
TokApdu *
tok_coolkey_apdu_logout(guint8 identity, GBytes *nonce, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* <cla> 40 <pin> <max tries> <Lc> <PIN> [nonce] */
TokApdu *
tok_coolkey_apdu_create_pin(TokCoolkeyCla cla,
			    guint8 pin_number,
			    guint8 max_tries,
			    const TokSecret *pin,
			    GBytes *nonce,
			    GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(4);
/* B0 44 <pin> 00 <Lc> oldLen(1) old newLen(1) new [nonce]. The lengths are ONE byte each, as
 * the applet (MUSCLE ChangePIN) reads them; protocol.md 4.4 says two. */
TokApdu *
tok_coolkey_apdu_change_pin(guint8 pin_number,
			    const TokSecret *old_pin,
			    const TokSecret *new_pin,
			    GBytes *nonce,
			    GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(2, 3);
/* 84 04 <pin> 00 <Lc> <new PIN> (reset without the old PIN) */
TokApdu *
tok_coolkey_apdu_set_pin(guint8 pin_number,
			 const TokSecret *pin,
			 GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(2);
/* <cla> 5A 00 00 0E id(4) size(4) acl(6) [nonce]; size 1..0x7FFF */
TokApdu *
tok_coolkey_apdu_create_object(TokCoolkeyCla cla,
			       guint32 object_id,
			       guint32 size,
			       const TokCoolkeyObjectAcl *acl,
			       GBytes *nonce,
			       GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(4);
/* <cla> 52 00 <00 | 01 = zero the contents> 04 id(4) [nonce] */
TokApdu *
tok_coolkey_apdu_delete_object(TokCoolkeyCla cla,
			       guint32 object_id,
			       gboolean zero_contents,
			       GBytes *nonce,
			       GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* <cla> 56 00 00 09 id(4) offset(4) len(1) [nonce] [00 when @trailing_le]; len 1..0xD0 */
TokApdu *
tok_coolkey_apdu_read_object(TokCoolkeyCla cla,
			     guint32 object_id,
			     guint32 offset,
			     guint len,
			     GBytes *nonce,
			     gboolean trailing_le,
			     GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The READ OBJECTs (TokApdu) that read @size bytes from @offset in chunks of at most 0xD0;
 * empty for @size 0. */
GPtrArray *
tok_coolkey_apdu_read_object_plan(TokCoolkeyCla cla,
				  guint32 object_id,
				  guint32 offset,
				  guint32 size,
				  GBytes *nonce,
				  gboolean trailing_le,
				  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* <cla> 54 00 00 <Lc> id(4) offset(4) len(1) data [nonce]; 1..0xD0 data bytes */
TokApdu *
tok_coolkey_apdu_write_object(TokCoolkeyCla cla,
			      guint32 object_id,
			      guint32 offset,
			      GBytes *data,
			      GBytes *nonce,
			      GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(4);
/* The WRITE OBJECTs (TokApdu) that write @data at @offset in chunks of at most 0xD0 bytes. */
GPtrArray *
tok_coolkey_apdu_write_object_chunks(TokCoolkeyCla cla,
				     guint32 object_id,
				     guint32 offset,
				     GBytes *data,
				     GBytes *nonce,
				     GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(4);
/* <cla> 36 <key> 04 <Lc> mode dir location dataLen(2) data [sigLen(2) sig] [nonce].
 * @data may be NULL (empty) only with TOK_COOLKEY_DATA_LOCATION_IOBUF; @signature (verify
 * only) may be NULL. */
TokApdu *
tok_coolkey_apdu_compute_crypt(TokCoolkeyCla cla,
			       guint8 key_number,
			       TokCoolkeyCryptMode mode,
			       TokCoolkeyCryptDirection direction,
			       TokCoolkeyDataLocation location,
			       GBytes *data,
			       GBytes *signature,
			       GBytes *nonce,
			       GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* 1.5 applets: <cla> 37 <key> 04 <Lc> location len(2) data [nonce] */
TokApdu *
tok_coolkey_apdu_ecc_sign(TokCoolkeyCla cla,
			  guint8 key_number,
			  TokCoolkeyDataLocation location,
			  GBytes *data,
			  GBytes *nonce,
			  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* 1.5 applets: <cla> 38 <key> 04 <Lc> location len(2) peerPublicPoint [nonce]; as with
 * COMPUTE CRYPT, the data may be empty only when it is in the I/O object. */
TokApdu *
tok_coolkey_apdu_ecc_key_agreement(TokCoolkeyCla cla,
				   guint8 key_number,
				   TokCoolkeyDataLocation location,
				   GBytes *peer_point,
				   GBytes *nonce,
				   GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* <cla> 32 <key> <mate key> <Lc> objectID(4) keyACL(6) [mateACL(6)] [nonce]: imports the
 * clear key blob the caller wrote into @object_id (usually the I/O buffer). The applet reads
 * the object ID before the ACLs (protocol.md 4.4 shows only the ACLs). @mate_acl is for the
 * public half of a PKCS#8 pair blob and may be NULL. */
TokApdu *
tok_coolkey_apdu_import_key(TokCoolkeyCla cla,
			    guint8 key_number,
			    guint8 mate_key_number,
			    guint32 object_id,
			    const TokCoolkeyKeyAcl *key_acl,
			    const TokCoolkeyKeyAcl *mate_acl,
			    GBytes *nonce,
			    GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(5);
/* 84 0A P1 P2 <Lc> objectID(4) alg(1) wrappedKeyLen(1) wrappedKey kcvLen(1) kcv ivLen(1) iv
 * (4.6); @kcv may be NULL (length 0). */
TokApdu *
tok_coolkey_apdu_import_key_encrypted(const TokCoolkeyKeyPair *pair,
				      guint32 object_id,
				      TokCoolkeyWrapAlg alg,
				      GBytes *wrapped_key,
				      GBytes *kcv,
				      GBytes *iv,
				      GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1, 4, 6);
/* 84 0C P1 P2 17 80 keySize(2) 00 00 10 <wrapped challenge 16> 00 [00 when @trailing_le]
 * (4.5): exactly 23 data bytes. */
TokApdu *
tok_coolkey_apdu_generate_key_rsa(const TokCoolkeyKeyPair *pair,
				  guint16 key_size,
				  GBytes *wrapped_challenge,
				  gboolean trailing_le,
				  GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 3);
/* 84 0D P1 P2 <Lc> alg keySize(2) 00 00 challLen chall kcvLen [kcv] [00 when @trailing_le]
 * (1.5 applets); @kcv may be NULL. */
TokApdu *
tok_coolkey_apdu_generate_key_ecc(const TokCoolkeyKeyPair *pair,
				  guint8 alg,
				  guint16 key_size,
				  GBytes *wrapped_challenge,
				  GBytes *kcv,
				  gboolean trailing_le,
				  GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 4);
/* 84 08 <len> 00 02 offset(2) (disabled in the 1.4 applet: 6D00); len 1..255 */
TokApdu *
tok_coolkey_apdu_read_iobuf(guint len, guint16 offset, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* 84 55 00 00 <Lc> <key numbers to keep>: pairs (private, public), at least one pair */
TokApdu *
tok_coolkey_apdu_clear_key_slots(const guint8 *key_numbers,
				 gsize n_key_numbers,
				 GError **error) G_GNUC_WARN_UNUSED_RESULT;

typedef struct {
	guint16 create_object_acl;
	guint16 create_key_acl;
	guint16 create_pin_acl;
	guint8 enable_acl_change;
} TokCoolkeyBuiltinAcl;

/* 84 F8 00 00 07 createObj(2) createKey(2) createPin(2) enableChange(1) */
TokApdu *
tok_coolkey_apdu_set_builtin_acl(const TokCoolkeyBuiltinAcl *acl) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);

/* --- Response parsers (data without SW) --------------------------------------------------- */

typedef struct {
	guint8 protocol_major;
	guint8 protocol_minor;
	guint8 applet_major;
	guint8 applet_minor;
	guint32 total_object_memory;
	guint32 free_object_memory;
	guint8 pin_count;
	guint8 key_count;
	guint16 logged_in_identities; /* identity mask */
} TokCoolkeyStatus;

gboolean
tok_coolkey_parse_status(const guint8 *data, gsize len, TokCoolkeyStatus *status, GError **error)
    TOK_NONNULL(3);

gboolean
tok_coolkey_parse_build_id(const guint8 *data, gsize len, guint32 *build_id, GError **error)
    TOK_NONNULL(3);

typedef struct {
	guint8 state;	   /* GP application life-cycle state */
	gboolean extended; /* the 4-byte form: the fields below are set */
	gboolean pin_enabled;
	gboolean writable;
	guint8 protocol_major;
	guint8 protocol_minor;
} TokCoolkeyLifecycle;

/* 1 byte, or 4 bytes: state, pinEnabled(1) + writable(2), protocol major, minor. */
gboolean
tok_coolkey_parse_lifecycle(const guint8 *data,
			    gsize len,
			    TokCoolkeyLifecycle *lifecycle,
			    GError **error) TOK_NONNULL(3);

typedef struct {
	guint32 object_id;
	guint32 size;
	TokCoolkeyObjectAcl acl;
} TokCoolkeyObjectInfo;

/* One LIST OBJECTS entry (14 bytes). */
gboolean
tok_coolkey_parse_object_entry(const guint8 *data,
			       gsize len,
			       TokCoolkeyObjectInfo *info,
			       GError **error) TOK_NONNULL(3);

typedef enum {
	TOK_COOLKEY_KEY_TYPE_RSA_PUBLIC = 0x01,
	TOK_COOLKEY_KEY_TYPE_RSA_PRIVATE = 0x02,
	TOK_COOLKEY_KEY_TYPE_RSA_PRIVATE_CRT = 0x03,
	TOK_COOLKEY_KEY_TYPE_DSA_PUBLIC = 0x04,
	TOK_COOLKEY_KEY_TYPE_DSA_PRIVATE = 0x05,
	TOK_COOLKEY_KEY_TYPE_DES = 0x06,
	TOK_COOLKEY_KEY_TYPE_DES3 = 0x07,
	TOK_COOLKEY_KEY_TYPE_DES3_3KEY = 0x08,
} TokCoolkeyKeyType;

#define TOK_COOLKEY_NO_PARTNER 0xFF

typedef struct {
	guint8 key_number;
	guint8 key_type;    /* TokCoolkeyKeyType */
	guint8 key_partner; /* the other half of the pair, or TOK_COOLKEY_NO_PARTNER */
	guint16 key_size;   /* bits */
	TokCoolkeyKeyAcl acl;
} TokCoolkeyKeyInfo;

/* One LIST KEYS entry (11 bytes). */
gboolean
tok_coolkey_parse_key_entry(const guint8 *data, gsize len, TokCoolkeyKeyInfo *info, GError **error)
    TOK_NONNULL(3);

/* LIST PINS: the 2-byte mask of defined PINs (bit n = PIN n). */
gboolean
tok_coolkey_parse_pin_list(const guint8 *data, gsize len, guint16 *mask, GError **error)
    TOK_NONNULL(3);

/* GET PIN TRIES: one byte. */
gboolean
tok_coolkey_parse_pin_tries(const guint8 *data, gsize len, guint8 *tries, GError **error)
    TOK_NONNULL(3);

gboolean
tok_coolkey_parse_builtin_acl(const guint8 *data,
			      gsize len,
			      TokCoolkeyBuiltinAcl *acl,
			      GError **error) TOK_NONNULL(3);

/* GET ISSUER INFO: exactly 224 bytes; the URL is the text before the first NUL (what follows
 * is ignored), which must be printable UTF-8. "" when the card has none. */
gchar *
tok_coolkey_parse_issuer_info(const guint8 *data,
			      gsize len,
			      GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* VERIFY PIN: the 8-byte nonce, as a wiped GBytes. */
GBytes *
tok_coolkey_parse_nonce(const guint8 *data, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* COMPUTE CRYPT with the result in the APDU: len(2) || data, nothing after; a wiped GBytes
 * (a decryption may return key material). */
GBytes *
tok_coolkey_parse_crypt_result(const guint8 *data,
			       gsize len,
			       GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* GENERATE KEY (RSA or ECC): the 2-byte length of the result in the I/O buffer (non-zero). */
gboolean
tok_coolkey_parse_generate_key_response(const guint8 *data,
					gsize len,
					guint16 *result_len,
					GError **error) TOK_NONNULL(3);

typedef enum {
	TOK_COOLKEY_KEY_BLOB_RSA_PUBLIC = 0x01,
	TOK_COOLKEY_KEY_BLOB_EC_PUBLIC = 0x0A,
} TokCoolkeyKeyBlobType;

/* The key generation output read from the I/O buffer (4.5):
 * pubBlobLen(2) pubBlob sigLen(2) sig, pubBlob = 00 01 keySize(2) modLen(2) modulus expLen(2)
 * exponent (RSA) or 00 0A keySize(2) pointLen(2) point (EC). */
typedef struct {
	TokCoolkeyKeyBlobType type;
	guint16 key_size;  /* bits, as the card reports it */
	GBytes *pub_blob;  /* the exact pubBlob bytes: the proof covers pubBlob || challenge */
	GBytes *modulus;   /* RSA, else NULL */
	GBytes *exponent;  /* RSA, else NULL */
	GBytes *ec_point;  /* EC, else NULL */
	GBytes *signature; /* the proof of possession */
} TokCoolkeyKeygenResult;

#define TOK_TYPE_COOLKEY_KEYGEN_RESULT (tok_coolkey_keygen_result_get_type())
GType
tok_coolkey_keygen_result_get_type(void);
TokCoolkeyKeygenResult *
tok_coolkey_keygen_result_parse(const guint8 *data,
				gsize len,
				GError **error) G_GNUC_WARN_UNUSED_RESULT;
TokCoolkeyKeygenResult *
tok_coolkey_keygen_result_copy(const TokCoolkeyKeygenResult *result) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
void
tok_coolkey_keygen_result_free(TokCoolkeyKeygenResult *result);
/* pubBlob || @challenge: the data the proof signature is computed over. */
GBytes *
tok_coolkey_keygen_result_get_proof_data(const TokCoolkeyKeygenResult *result,
					 GBytes *challenge) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1, 2);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TokCoolkeyKeygenResult, tok_coolkey_keygen_result_free)

G_END_DECLS
