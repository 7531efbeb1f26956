/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A minimal personaliser over PC/SC, the way a TPS enrolls a CoolKey card (protocol.md
 * 1.10.3), with the card's developer keys instead of a TKS: read the CUID (CPLC), open a
 * secure channel, create and set the user PIN, generate an RSA key pair on the card and
 * check its proof of possession, certify it with a throwaway CA, write the combined object
 * z0, the issuer info and the life cycle. Everything runs inside one PC/SC transaction.
 */
#pragma once

#include "pcsc-ca.h"
#include "th-card.h"

G_BEGIN_DECLS

typedef struct {
	const gchar *pin;	  /* user PIN 0 */
	guint8 pin_tries;	  /* its retry limit (CREATE PIN) */
	const gchar *token_name;  /* z0 token name: the PKCS#11 token label */
	const gchar *common_name; /* certificate subject CN and CKA_LABEL */
	const gchar *issuer_url;  /* SET ISSUER INFO */
	guint16 key_size;	  /* RSA bits */
	const TokGpKeySet *keys;  /* NULL: the developer keys of the card's protocol */
} PcscPersonaliseParams;

typedef struct {
	TokGpScp scp;
	GBytes *cuid;	     /* 10 bytes, from the CPLC */
	GBytes *certificate; /* DER */
	EVP_PKEY *public_key;
	guint16 object_version; /* of z0 */
} PcscPersonalisation;

void
pcsc_personalisation_free(PcscPersonalisation *result);

/* Reads the CUID from the card manager's CPLC (GET DATA 9F7F), leaving the card manager
 * selected. */
GBytes *
pcsc_read_cuid(ThCard *card, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* SELECT the CoolKey applet. */
gboolean
pcsc_select_coolkey(ThCard *card, GError **error);
/* The personalisation; on failure the step that failed prefixes the error. */
PcscPersonalisation *
pcsc_personalise(ThCard *card, PcscCa *ca, const PcscPersonaliseParams *params, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PcscPersonalisation, pcsc_personalisation_free)

G_END_DECLS
