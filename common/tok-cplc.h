/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Card Production Life Cycle data (GET DATA 9F7F on the issuer security domain) and the card
 * identity derived from it (protocol.md 5.1): the 10-byte CUID the token database and the CA
 * know the card by, and the 4-byte MSN.
 *
 * Raw response offsets (header 9F 7F 2A included): CUID = resp[3..6] || resp[19..20] ||
 * resp[15..18] (IC fabricator, IC type, batch identifier, serial number), MSN = resp[41..44]
 * (IC personalization equipment identifier).
 */
#pragma once

#include <glib-object.h>

#include "tok-apdu.h"
#include "tok-macros.h"

G_BEGIN_DECLS

#define TOK_CPLC_DATA_SIZE	   42 /* the CPLC fields */
#define TOK_CPLC_RESPONSE_SIZE	   45 /* 9F 7F 2A + the fields */
#define TOK_CPLC_RESPONSE_SW_SIZE  47 /* ... + 90 00, what the TPS requires */
#define TOK_CUID_SIZE		   10
#define TOK_MSN_SIZE		   4
#define TOK_CUID_HEX_LENGTH	   20 /* "40906145C76224192D2B" */
#define TOK_CUID_HYPHENATED_LENGTH 24 /* "4090-6145-C762-2419-2D2B" */

typedef struct {
	guint8 ic_fabricator[2];
	guint8 ic_type[2];
	guint8 os_id[2];
	guint8 os_release_date[2];
	guint8 os_release_level[2];
	guint8 ic_fabrication_date[2];
	guint8 ic_serial_number[4];
	guint8 ic_batch_identifier[2];
	guint8 ic_module_fabricator[2];
	guint8 ic_module_packaging_date[2];
	guint8 icc_manufacturer[2];
	guint8 ic_embedding_date[2];
	guint8 ic_pre_personalizer[2];
	guint8 ic_pre_perso_equipment_date[2];
	guint8 ic_pre_perso_equipment_id[4];
	guint8 ic_personalizer[2];
	guint8 ic_personalization_date[2];
	guint8 ic_perso_equipment_id[4];
	/* derived */
	guint8 cuid[TOK_CUID_SIZE];
	guint8 msn[TOK_MSN_SIZE];
} TokCplc;

#define TOK_TYPE_CPLC (tok_cplc_get_type())
GType
tok_cplc_get_type(void);

typedef enum {
	TOK_CPLC_PARSE_FLAG_NONE = 0,
	/* Accept any 3 bytes in place of the 9F 7F 2A header, as the Java TPS does: tpsclient
	 * answers with 01 00 01 there (protocol.md 8.3). */
	TOK_CPLC_PARSE_FLAG_ANY_HEADER = 1 << 0,
} TokCplcParseFlags;

/* The raw GET DATA response: 47 bytes ending in 90 00, or the 45 bytes without the SW; the
 * header 9F 7F 2A is required unless TOK_CPLC_PARSE_FLAG_ANY_HEADER. */
TokCplc *
tok_cplc_parse(const guint8 *data, gsize len, TokCplcParseFlags flags, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Checks the status word (the table's GError if not 9000), then parses the 45 data bytes. */
TokCplc *
tok_cplc_parse_response(const TokApduResponse *response,
			TokCplcParseFlags flags,
			GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* A CPLC whose CUID and MSN are the given ones (the four CUID fields and the personalization
 * equipment ID set, everything else zero): for emulated cards. */
TokCplc *
tok_cplc_new_from_cuid(const guint8 *cuid,
		       gsize cuid_len,
		       const guint8 *msn,
		       gsize msn_len,
		       GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* 9F 7F 2A + the 42 CPLC bytes [+ 90 00 when @with_sw]. */
GBytes *
tok_cplc_encode(const TokCplc *cplc, gboolean with_sw) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

TokCplc *
tok_cplc_copy(const TokCplc *cplc) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
void
tok_cplc_free(TokCplc *cplc);

/* "40906145C76224192D2B": the token database / KRA form. */
gchar *
tok_cplc_get_cuid_hex(const TokCplc *cplc) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* "4090-6145-C762-2419-2D2B": the CA's tokencuid form. */
gchar *
tok_cplc_get_cuid_hyphenated(const TokCplc *cplc) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* "01020304" */
gchar *
tok_cplc_get_msn_hex(const TokCplc *cplc) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* The same text forms for a raw 10-byte CUID. */
gchar *
tok_cuid_to_hex(const guint8 *cuid) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
gchar *
tok_cuid_to_hyphenated(const guint8 *cuid) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Parses either form (20 hex digits, or hyphens every 4 digits), any case, into @cuid
 * (TOK_CUID_SIZE bytes). */
gboolean
tok_cuid_parse(const gchar *text, guint8 *cuid, GError **error) TOK_NONNULL(2);

/* TRUE if the key diversification data from INITIALIZE UPDATE (10 bytes) equals the CUID.
 * CoolKey cards usually have KDD = CUID, but it is not guaranteed (cuidMustMatchKDD). */
gboolean
tok_cplc_cuid_matches_kdd(const TokCplc *cplc, const guint8 *kdd, gsize kdd_len) TOK_NONNULL(1);
/* The same as a check: TOK_ERROR_INVALID_DATA for a KDD that is not 10 bytes,
 * TOK_ERROR_PROTOCOL when it differs from the CUID. */
gboolean
tok_cplc_check_kdd(const TokCplc *cplc, const guint8 *kdd, gsize kdd_len, GError **error)
    TOK_NONNULL(1);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TokCplc, tok_cplc_free)

G_END_DECLS
