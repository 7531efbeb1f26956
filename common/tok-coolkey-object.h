/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The PKCS#11 objects a TPS writes onto a CoolKey card and the CoolKey PKCS#11 module
 * (and OpenSC's coolkey driver) read back: the combined object `z0` (protocol.md 4.8), its
 * records, and the older stand-alone object formats.
 *
 * A TokCoolkeyRecord is one PKCS#11 object: a 4-byte object ID ('c' '1' 00 00 = "c1"), the
 * 32-bit fixedAttributes word (CKA_ID nibble, CKA_CLASS, boolean bits) and an ordered list of
 * explicit attributes, each a CKA_* type with a byte string, a 32-bit integer or a boolean.
 * A TokCoolkeyObjectSet is the content of `z0`: versions, CUID, token name and ordered records
 * with unique object IDs. Both are plain values (boxed, _new/_copy/_free).
 *
 * Nothing here is secret: certificates and public key material only.
 */
#pragma once

#include <glib-object.h>

#include "tok-coolkey-apdu.h"
#include "tok-macros.h"

G_BEGIN_DECLS

/* PKCS#11 attribute types (CK_ATTRIBUTE_TYPE values), as written on the card. */
#define TOK_CKA_CLASS		   0x0000u
#define TOK_CKA_TOKEN		   0x0001u
#define TOK_CKA_PRIVATE		   0x0002u
#define TOK_CKA_LABEL		   0x0003u
#define TOK_CKA_VALUE		   0x0011u
#define TOK_CKA_CERTIFICATE_TYPE   0x0080u
#define TOK_CKA_KEY_TYPE	   0x0100u
#define TOK_CKA_SUBJECT		   0x0101u
#define TOK_CKA_ID		   0x0102u
#define TOK_CKA_SENSITIVE	   0x0103u
#define TOK_CKA_ENCRYPT		   0x0104u
#define TOK_CKA_DECRYPT		   0x0105u
#define TOK_CKA_WRAP		   0x0106u
#define TOK_CKA_UNWRAP		   0x0107u
#define TOK_CKA_SIGN		   0x0108u
#define TOK_CKA_SIGN_RECOVER	   0x0109u
#define TOK_CKA_VERIFY		   0x010Au
#define TOK_CKA_VERIFY_RECOVER	   0x010Bu
#define TOK_CKA_DERIVE		   0x010Cu
#define TOK_CKA_MODULUS		   0x0120u
#define TOK_CKA_PUBLIC_EXPONENT	   0x0122u
#define TOK_CKA_EXTRACTABLE	   0x0162u
#define TOK_CKA_LOCAL		   0x0163u
#define TOK_CKA_NEVER_EXTRACTABLE  0x0164u
#define TOK_CKA_ALWAYS_SENSITIVE   0x0165u
#define TOK_CKA_MODIFIABLE	   0x0170u
#define TOK_CKA_EC_PARAMS	   0x0180u
#define TOK_CKA_EC_POINT	   0x0181u

/* CK_OBJECT_CLASS values (the 3-bit class of fixedAttributes uses the same numbers). */
#define TOK_CKO_DATA		   0u
#define TOK_CKO_CERTIFICATE	   1u
#define TOK_CKO_PUBLIC_KEY	   2u
#define TOK_CKO_PRIVATE_KEY	   3u
#define TOK_CKO_SECRET_KEY	   4u

/* CK_KEY_TYPE and CK_CERTIFICATE_TYPE values. */
#define TOK_CKK_RSA		   0u
#define TOK_CKK_EC		   3u
#define TOK_CKC_X_509		   0u

/* Object IDs (TOK_COOLKEY_OBJECT_ID(type, index)) come from tok-coolkey-apdu.h. */
#define TOK_COOLKEY_OBJECT_ID_Z0    TOK_COOLKEY_OBJECT_ID_COMBINED /* 7A 30 00 00 */

#define TOK_COOLKEY_CUID_SIZE	    10
#define TOK_COOLKEY_Z0_HEADER_SIZE  20
/* The applet refuses CREATE OBJECT sizes of 0x8000 and more: the most an encoder writes. */
#define TOK_COOLKEY_OBJECT_MAX_SIZE TOK_COOLKEY_MAX_OBJECT_SIZE
/* Upper bound on the (inflated) data block of z0 a decoder accepts: every offset in it is
 * 16 bits wide. Inflating stops there (decompression bombs). */
#define TOK_COOLKEY_Z0_MAX_DATA	    0xFFFF
#define TOK_COOLKEY_TOKEN_NAME_MAX  255

typedef enum {
	TOK_COOLKEY_COMPRESSION_NONE = 0,
	TOK_COOLKEY_COMPRESSION_ZLIB = 1, /* zlib stream with its header (java.util.zip.Deflater) */
} TokCoolkeyCompression;

/* The attribute data types of z0 records (the byte on the card). */
typedef enum {
	TOK_COOLKEY_DATA_STRING = 0,	 /* len(2) bytes */
	TOK_COOLKEY_DATA_INTEGER = 1,	 /* 4 bytes big-endian */
	TOK_COOLKEY_DATA_BOOL_FALSE = 2, /* no payload */
	TOK_COOLKEY_DATA_BOOL_TRUE = 3,	 /* no payload */
} TokCoolkeyDataType;

/* Which stand-alone object format a buffer was in. */
typedef enum {
	TOK_COOLKEY_OBJECT_FORMAT_OLD = 0, /* 00 objectID(4) attrDataLen(2) {type(4) len(2) value} */
	TOK_COOLKEY_OBJECT_FORMAT_NEW = 1, /* 01 objectID(4) fixedAttributes(4) count(2) attrs */
} TokCoolkeyObjectFormat;

/* The boolean bits of fixedAttributes. Bits 0-3 are CKA_ID, bits 4-6 CKA_CLASS. */
typedef enum {
	TOK_COOLKEY_FIXED_NONE = 0,
	TOK_COOLKEY_FIXED_TOKEN = 1u << 7,
	TOK_COOLKEY_FIXED_PRIVATE = 1u << 8,
	TOK_COOLKEY_FIXED_MODIFIABLE = 1u << 9,
	TOK_COOLKEY_FIXED_DERIVE = 1u << 10,
	TOK_COOLKEY_FIXED_LOCAL = 1u << 11,
	TOK_COOLKEY_FIXED_ENCRYPT = 1u << 12,
	TOK_COOLKEY_FIXED_DECRYPT = 1u << 13,
	TOK_COOLKEY_FIXED_WRAP = 1u << 14,
	TOK_COOLKEY_FIXED_UNWRAP = 1u << 15,
	TOK_COOLKEY_FIXED_SIGN = 1u << 16,
	TOK_COOLKEY_FIXED_SIGN_RECOVER = 1u << 17,
	TOK_COOLKEY_FIXED_VERIFY = 1u << 18,
	TOK_COOLKEY_FIXED_VERIFY_RECOVER = 1u << 19,
	TOK_COOLKEY_FIXED_SENSITIVE = 1u << 20,
	TOK_COOLKEY_FIXED_ALWAYS_SENSITIVE = 1u << 21,
	TOK_COOLKEY_FIXED_EXTRACTABLE = 1u << 22,
	TOK_COOLKEY_FIXED_NEVER_EXTRACTABLE = 1u << 23,
} TokCoolkeyFixedFlags;

/* fixedAttributes helpers. */
guint8
tok_coolkey_fixed_attributes_get_id(guint32 fixed_attributes);
guint8
tok_coolkey_fixed_attributes_get_class(guint32 fixed_attributes);
/* The boolean bits valid for @klass (0-7): 0x380, 0x380, 0xC5F80, 0xF3AF80, 0xF5FF80, then 0. */
guint32
tok_coolkey_fixed_attributes_class_mask(guint klass);
/* The fixedAttributes bit of a boolean CKA_* type, or 0 if it has none. */
guint32
tok_coolkey_fixed_attributes_flag_for_type(guint32 cka_type);
/* @id (0-15) | @klass (0-4) << 4 | @flags; fails if a value is out of range or a flag is not
 * valid for the class (readers would ignore it). */
gboolean
tok_coolkey_fixed_attributes_build(guint id,
				   guint klass,
				   TokCoolkeyFixedFlags flags,
				   guint32 *fixed_attributes,
				   GError **error) TOK_NONNULL(4);

/* --- records --- */

typedef struct _TokCoolkeyRecord TokCoolkeyRecord;
#define TOK_TYPE_COOLKEY_RECORD (tok_coolkey_record_get_type())
GType
tok_coolkey_record_get_type(void);

TokCoolkeyRecord *
tok_coolkey_record_new(guint32 object_id, guint32 fixed_attributes) G_GNUC_WARN_UNUSED_RESULT;
TokCoolkeyRecord *
tok_coolkey_record_copy(const TokCoolkeyRecord *record) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
void
tok_coolkey_record_free(TokCoolkeyRecord *record);
gboolean
tok_coolkey_record_equal(const TokCoolkeyRecord *a, const TokCoolkeyRecord *b);

guint32
tok_coolkey_record_get_object_id(const TokCoolkeyRecord *record) TOK_NONNULL(1);
guint32
tok_coolkey_record_get_fixed_attributes(const TokCoolkeyRecord *record) TOK_NONNULL(1);
void
tok_coolkey_record_set_fixed_attributes(TokCoolkeyRecord *record, guint32 fixed_attributes)
    TOK_NONNULL(1);
/* The first character of the object ID ('c', 'k', 'C', ...). */
gchar
tok_coolkey_record_get_object_type(const TokCoolkeyRecord *record) TOK_NONNULL(1);
/* "c1" style text of the object ID (non-printable bytes as hex): for messages and logs. */
gchar *
tok_coolkey_record_get_object_name(const TokCoolkeyRecord *record) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);

/* Attributes are appended in order; a type may appear once only in what an encoder writes,
 * but the model does not police it (readers take the first). */
void
tok_coolkey_record_add_bytes(TokCoolkeyRecord *record, guint32 type, GBytes *value)
    TOK_NONNULL(1, 3);
void
tok_coolkey_record_add_data(TokCoolkeyRecord *record,
			    guint32 type,
			    const guint8 *data,
			    gsize len) TOK_NONNULL(1);
/* A UTF-8 string without its NUL (CKA_LABEL). */
void
tok_coolkey_record_add_string(TokCoolkeyRecord *record, guint32 type, const gchar *value)
    TOK_NONNULL(1, 3);
void
tok_coolkey_record_add_integer(TokCoolkeyRecord *record, guint32 type, guint32 value)
    TOK_NONNULL(1);
void
tok_coolkey_record_add_bool(TokCoolkeyRecord *record, guint32 type, gboolean value)
    TOK_NONNULL(1);

guint
tok_coolkey_record_get_n_attributes(const TokCoolkeyRecord *record) TOK_NONNULL(1);
/* Index of the first attribute of @type, or -1. */
gint
tok_coolkey_record_find_attribute(const TokCoolkeyRecord *record, guint32 type) TOK_NONNULL(1);
/* Accessors of attribute @idx (< n_attributes). */
guint32
tok_coolkey_record_get_attribute_type(const TokCoolkeyRecord *record, guint idx) TOK_NONNULL(1);
TokCoolkeyDataType
tok_coolkey_record_get_attribute_data_type(const TokCoolkeyRecord *record, guint idx)
    TOK_NONNULL(1);
/* The bytes of a STRING attribute (NULL for other data types); borrowed. */
GBytes *
tok_coolkey_record_get_attribute_bytes(const TokCoolkeyRecord *record, guint idx)
    TOK_NONNULL(1);
/* The value of an INTEGER attribute, 1/0 for booleans, 0 for strings. */
guint32
tok_coolkey_record_get_attribute_integer(const TokCoolkeyRecord *record, guint idx)
    TOK_NONNULL(1);
/* The bytes of the first STRING attribute of @type, or NULL; borrowed. */
GBytes *
tok_coolkey_record_lookup_bytes(const TokCoolkeyRecord *record, guint32 type) TOK_NONNULL(1);
/* The object class: an explicit CKA_CLASS integer if there is one, else the fixed class. */
guint32
tok_coolkey_record_get_class(const TokCoolkeyRecord *record) TOK_NONNULL(1);

/* What the CoolKey PKCS#11 module makes of a z0 / new-format record: a copy whose attributes
 * are the explicit ones followed, unless an explicit attribute of the same type exists, by
 * CKA_ID (one byte string), CKA_CLASS (integer) and one boolean per bit of the class mask
 * (ascending bit order). Old-format objects have no fixedAttributes: do not expand them. */
TokCoolkeyRecord *
tok_coolkey_record_expand(const TokCoolkeyRecord *record) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);

/* The record as written inside z0: objectID fixedAttributes count attributes. */
gboolean
tok_coolkey_record_append_to(const TokCoolkeyRecord *record, GByteArray *out, GError **error)
    TOK_NONNULL(1, 2);
/* Stand-alone new format: 01 || the z0 record. */
GBytes *
tok_coolkey_record_encode_new(const TokCoolkeyRecord *record, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Old format: 00 objectID attrDataLen {type(4) len(2) value}. fixedAttributes are not written.
 * STRING attributes are written as they are; INTEGER attributes only for CKA_CLASS,
 * CKA_CERTIFICATE_TYPE and CKA_KEY_TYPE (4 bytes little-endian, as CoolKey reads them), other
 * types fail with TOK_ERROR_NOT_SUPPORTED; booleans become a one-byte string 00/01. */
GBytes *
tok_coolkey_record_encode_old(const TokCoolkeyRecord *record, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Decodes a stand-alone object in either format (first byte 00 or 01); every byte must be
 * accounted for. Old-format objects give fixedAttributes 0, STRING attributes and INTEGER ones
 * (from little-endian) for CKA_CLASS, CKA_CERTIFICATE_TYPE and CKA_KEY_TYPE (which must be
 * 4 bytes long). @format (nullable) tells which format it was. */
TokCoolkeyRecord *
tok_coolkey_record_decode_object(const guint8 *data,
				 gsize len,
				 TokCoolkeyObjectFormat *format,
				 GError **error) G_GNUC_WARN_UNUSED_RESULT;
TokCoolkeyRecord *
tok_coolkey_record_decode_object_bytes(GBytes *bytes,
				       TokCoolkeyObjectFormat *format,
				       GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* --- the object set (z0) --- */

typedef struct _TokCoolkeyObjectSet TokCoolkeyObjectSet;
#define TOK_TYPE_COOLKEY_OBJECT_SET (tok_coolkey_object_set_get_type())
GType
tok_coolkey_object_set_get_type(void);

/* Format version 0x0100, object version 0, CUID all zero, empty token name, no records. */
TokCoolkeyObjectSet *
tok_coolkey_object_set_new(void) G_GNUC_WARN_UNUSED_RESULT;
TokCoolkeyObjectSet *
tok_coolkey_object_set_copy(const TokCoolkeyObjectSet *set) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
void
tok_coolkey_object_set_free(TokCoolkeyObjectSet *set);
gboolean
tok_coolkey_object_set_equal(const TokCoolkeyObjectSet *a, const TokCoolkeyObjectSet *b);

guint16
tok_coolkey_object_set_get_format_version(const TokCoolkeyObjectSet *set) TOK_NONNULL(1);
void
tok_coolkey_object_set_set_format_version(TokCoolkeyObjectSet *set, guint16 version)
    TOK_NONNULL(1);
guint16
tok_coolkey_object_set_get_object_version(const TokCoolkeyObjectSet *set) TOK_NONNULL(1);
void
tok_coolkey_object_set_set_object_version(TokCoolkeyObjectSet *set, guint16 version)
    TOK_NONNULL(1);
/* Always TOK_COOLKEY_CUID_SIZE bytes; borrowed. */
GBytes *
tok_coolkey_object_set_get_cuid(const TokCoolkeyObjectSet *set) TOK_NONNULL(1);
gboolean
tok_coolkey_object_set_set_cuid(TokCoolkeyObjectSet *set,
				const guint8 *cuid,
				gsize len,
				GError **error) TOK_NONNULL(1);
const gchar *
tok_coolkey_object_set_get_token_name(const TokCoolkeyObjectSet *set) TOK_NONNULL(1);
/* Valid UTF-8, at most 255 bytes. */
gboolean
tok_coolkey_object_set_set_token_name(TokCoolkeyObjectSet *set, const gchar *name, GError **error)
    TOK_NONNULL(1, 2);

guint
tok_coolkey_object_set_get_n_records(const TokCoolkeyObjectSet *set) TOK_NONNULL(1);
/* Borrowed; @idx < n_records. */
const TokCoolkeyRecord *
tok_coolkey_object_set_get_record(const TokCoolkeyObjectSet *set, guint idx) TOK_NONNULL(1);
/* Borrowed, or NULL. */
const TokCoolkeyRecord *
tok_coolkey_object_set_lookup_record(const TokCoolkeyObjectSet *set, guint32 object_id)
    TOK_NONNULL(1);
/* Appends a copy of @record; TOK_ERROR_EXISTS if its object ID is already there. */
gboolean
tok_coolkey_object_set_add_record(TokCoolkeyObjectSet *set,
				  const TokCoolkeyRecord *record,
				  GError **error) TOK_NONNULL(1, 2);
/* FALSE if there was no such record. */
gboolean
tok_coolkey_object_set_remove_record(TokCoolkeyObjectSet *set, guint32 object_id) TOK_NONNULL(1);

/* The whole z0 object: header then the (optionally zlib-compressed) data block. Fails with
 * TOK_ERROR_TOO_LARGE beyond TOK_COOLKEY_OBJECT_MAX_SIZE or a field's width. */
GBytes *
tok_coolkey_object_set_encode(const TokCoolkeyObjectSet *set,
			      TokCoolkeyCompression compression,
			      GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Strict: data offset 20, the object exactly 20 + size bytes, compression 0 or 1, at most
 * TOK_COOLKEY_Z0_MAX_DATA bytes of data after inflating (and the zlib stream ending exactly
 * at the end), objectOffset = 5 + tokenNameLen, a UTF-8 token name, exactly objectCount
 * records filling the rest, known attribute data types, unique object IDs.
 * @compression (nullable) tells which compression was used. */
TokCoolkeyObjectSet *
tok_coolkey_object_set_decode(const guint8 *data,
			      gsize len,
			      TokCoolkeyCompression *compression,
			      GError **error) G_GNUC_WARN_UNUSED_RESULT;
TokCoolkeyObjectSet *
tok_coolkey_object_set_decode_bytes(GBytes *bytes,
				    TokCoolkeyCompression *compression,
				    GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* --- enrolled certificates --- */

typedef enum {
	TOK_COOLKEY_KEY_USAGE_SIGNING,	  /* private: sign, signRecover; public: verify, verifyRecover */
	TOK_COOLKEY_KEY_USAGE_ENCRYPTION, /* private: decrypt, unwrap; public: encrypt, wrap */
} TokCoolkeyKeyUsage;

/* What the TPS writes for one enrolled certificate (protocol.md 4.7, 4.8). */
typedef struct {
	guint index;		 /* N: certificate cN, private key k(2N), public key k(2N+1); 0-4 */
	const gchar *label;	 /* CKA_LABEL of the certificate (UTF-8) */
	GBytes *certificate;	 /* DER, the certificate's CKA_VALUE */
	guint32 key_type;	 /* TOK_CKK_RSA or TOK_CKK_EC */
	TokCoolkeyKeyUsage usage;
	GBytes *ec_params;	 /* EC only: DER ECParameters (namedCurve OID) */
	GBytes *ec_point;	 /* EC only: DER OCTET STRING holding the public point */
} TokCoolkeyCertificateSpec;

/* The three records, in the order the TPS writes them: cN (CKA_LABEL, CKA_VALUE; token),
 * k(2N+1) public key (CKA_KEY_TYPE [, CKA_EC_PARAMS, CKA_EC_POINT]; token + usage bits),
 * k(2N) private key (CKA_KEY_TYPE [, CKA_EC_PARAMS]; token, private, sensitive + usage bits).
 * All three carry CKA_ID = N in fixedAttributes. Returns TokCoolkeyRecord elements. */
GPtrArray *
tok_coolkey_records_new_for_certificate(const TokCoolkeyCertificateSpec *spec, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Appends those three records; TOK_ERROR_EXISTS (and nothing added) if one of the IDs exists. */
gboolean
tok_coolkey_object_set_add_certificate(TokCoolkeyObjectSet *set,
				       const TokCoolkeyCertificateSpec *spec,
				       GError **error) TOK_NONNULL(1, 2);
/* The DER certificates of the set, in record order: the CKA_VALUE of every 'c' record whose
 * class is CKO_CERTIFICATE. Never NULL; GBytes elements. */
GPtrArray *
tok_coolkey_object_set_get_certificates(const TokCoolkeyObjectSet *set)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TokCoolkeyRecord, tok_coolkey_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TokCoolkeyObjectSet, tok_coolkey_object_set_free)

G_END_DECLS
