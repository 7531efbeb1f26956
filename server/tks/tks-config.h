/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TKS configuration: the named key sets and how card keys are derived for each, from a
 * GKeyFile (validated strictly: unknown groups, keys or values are TKS_ERROR_CONFIG naming
 * them). Defaults follow Dogtag's TKS CS.cfg (protocol.md 3.4, 3.7):
 *
 *   [tks]
 *   encrypt-data-random=true           # encryptData uses its own 16 random bytes (isRandom)
 *
 *   [key-set defKeySet]                # one group per key set; none: only defKeySet
 *   developer-keys=defKeySet           # vendor developer keys installed at version 01 if
 *                                      # absent: defKeySet (40..4F x3), jForte
 *                                      # (30../40../50..) or none; default: the vendor
 *                                      # named like the key set, else none
 *   nistSP800-108KdfOnKeyVersion=00    # SCP01/02 masters: NIST SP 800-108 from this
 *                                      # version on (hex), VISA2 below it
 *   nistSP800-108KdfUseCuidAsKdd=false # NIST context = CUID instead of KDD
 *   scp01.divers=auto                  # override for SCP01 masters: auto, visa2, emv,
 *   scp02.divers=auto                  #   nist-sp800-108, none
 *   prot3.divers=emv                   # SCP03 masters: emv, visa2, gpkmc, none
 *   prot3.diversVer1Keys=emv           # SCP03 developer keys: emv, visa2, none
 *
 * A key stored with kind DEVELOPER is used as developer keys: no diversification under
 * SCP01/02, prot3.diversVer1Keys under SCP03. Card keys are DES3 for SCP01/02 and AES for
 * SCP03 (a DES3 master with emv/visa2 gives AES-128 card keys, as Dogtag does).
 */
#pragma once

#include <glib.h>

#include "tks-key-store.h"
#include "tok-gp-keys.h"
#include "tok-macros.h"

G_BEGIN_DECLS

#define TKS_CONFIG_DEFAULT_KEY_SET "defKeySet"

typedef struct {
	gchar *name;
	gchar *developer_vendor; /* NULL: none */
	gboolean scp_divers_auto[2];
	TokGpDiversification scp_divers[2]; /* SCP01, SCP02 when not auto */
	TokGpDiversification scp03_master;
	TokGpDiversification scp03_developer;
	guint8 nist_on_key_version;
	gboolean use_cuid_as_kdd;
} TksKeySetConfig;

typedef struct {
	gboolean encrypt_data_random;
	GHashTable *key_sets; /* name -> TksKeySetConfig */
} TksConfig;

/* @keyfile NULL: the defaults (one key set, defKeySet). */
TksConfig *
tks_config_new(GKeyFile *keyfile, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void
tks_config_free(TksConfig *config);
/* Borrowed; NULL if @name is not configured. */
const TksKeySetConfig *
tks_config_get_key_set(const TksConfig *config, const gchar *name) TOK_NONNULL(1);

/* The derivation of card keys under @scp from a key of @kind at @version. */
void
tks_key_set_config_derive_params(const TksKeySetConfig *ks,
				 TokGpScp scp,
				 TksKeyKind kind,
				 guint8 version,
				 const guint8 kdd[TOK_GP_KDD_SIZE],
				 const guint8 cuid[TOK_GP_CUID_SIZE],
				 TksDeriveParams *out) TOK_NONNULL(1, 5, 6, 7);

/* The developer key value (ENC || MAC || KEK, DES3) of a vendor ("defKeySet", "jForte");
 * NULL for an unknown vendor. */
TokSecret *
tks_config_get_developer_keys(const gchar *vendor) G_GNUC_WARN_UNUSED_RESULT;
/* "visa2", "emv", "nist-sp800-108", "gpkmc", "none". */
const gchar *
tks_diversification_to_string(TokGpDiversification method);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TksConfig, tks_config_free)

G_END_DECLS
