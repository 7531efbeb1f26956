/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GlobalPlatform card-management commands as the Dogtag TPS sends them (protocol.md 1.10.1,
 * 3.3, 3.8, 5.3), and parsers for what the card manager answers.
 *
 * Commands that travel under the secure channel are built with CLA 0x84 and their PLAIN data:
 * the secure channel (another module) appends the C-MAC and encrypts. Where the GP 2.1.1 form
 * differs (a trailing Le 00), the builder takes a TokGpPlatform.
 */
#pragma once

#include <glib.h>

#include "tok-apdu.h"
#include "tok-macros.h"

G_BEGIN_DECLS

#define TOK_GP_CLA_ISO	  0x00
#define TOK_GP_CLA_GP	  0x80
#define TOK_GP_CLA_SECURE 0x84

#define TOK_GP_INS_SELECT		 0xA4
#define TOK_GP_INS_GET_DATA		 0xCA
#define TOK_GP_INS_INITIALIZE_UPDATE	 0x50
#define TOK_GP_INS_EXTERNAL_AUTHENTICATE 0x82
#define TOK_GP_INS_PUT_KEY		 0xD8
#define TOK_GP_INS_DELETE		 0xE4
#define TOK_GP_INS_INSTALL		 0xE6
#define TOK_GP_INS_LOAD			 0xE8

#define TOK_GP_INSTALL_FOR_LOAD			0x02
#define TOK_GP_INSTALL_FOR_INSTALL_AND_SELECTABLE 0x0C

/* GET DATA tags (P1 P2) */
#define TOK_GP_TAG_CPLC			    0x9F7F
#define TOK_GP_TAG_CARD_RECOGNITION_DATA    0x0066
#define TOK_GP_TAG_KEY_INFORMATION_TEMPLATE 0x00E0
/* The Le the Dogtag TPS sends with every GET DATA ("80 CA 9F 7F 2D"). */
#define TOK_GP_GET_DATA_LE 0x2D

/* EXTERNAL AUTHENTICATE P1 bits */
#define TOK_GP_SECURITY_LEVEL_NONE  0x00
#define TOK_GP_SECURITY_LEVEL_C_MAC 0x01
#define TOK_GP_SECURITY_LEVEL_C_DEC 0x02 /* only together with C_MAC */
#define TOK_GP_SECURITY_LEVEL_R_MAC 0x10
#define TOK_GP_SECURITY_LEVEL_R_ENC 0x20 /* only together with R_MAC */
/* What the Dogtag TPS always asks for: C-DECRYPTION + C-MAC. */
#define TOK_GP_SECURITY_LEVEL_C_DEC_C_MAC 0x03

#define TOK_GP_AID_MIN_LEN	   5
#define TOK_GP_AID_MAX_LEN	   16
#define TOK_GP_HOST_CHALLENGE_LEN  8
#define TOK_GP_CRYPTOGRAM_LEN	   8
#define TOK_GP_KDD_LEN		   10
#define TOK_GP_CARD_CHALLENGE_LEN  8 /* 6 under SCP02 */
#define TOK_GP_MAX_SEQUENCE_LEN	   3 /* 2 under SCP02, 3 (optional) under SCP03 */

/* TPS defaults (CS.cfg channel.instanceSize / appletMemorySize / blocksize) */
#define TOK_GP_DEFAULT_INSTANCE_SIZE	  18000
#define TOK_GP_DEFAULT_APPLET_MEMORY_SIZE 5000
#define TOK_GP_DEFAULT_CHANNEL_BLOCK_SIZE 224

#define TOK_GP_APDU_SCP01 0x01
#define TOK_GP_APDU_SCP02 0x02
#define TOK_GP_APDU_SCP03 0x03

typedef enum {
	TOK_GP_PLATFORM_GP201, /* GP 2.0.1 / OP 2.0.1, SCP01 */
	TOK_GP_PLATFORM_GP211, /* GP 2.1.1 and later, SCP02 / SCP03: trailing Le on some commands */
} TokGpPlatform;

/* An application identifier (5-16 bytes). */
typedef struct {
	guint8 len;
	guint8 bytes[TOK_GP_AID_MAX_LEN];
} TokGpAid;

/* protocol.md 4.1 */
extern const TokGpAid tok_gp_aid_coolkey_instance;     /* 62 76 01 FF 00 00 00 */
extern const TokGpAid tok_gp_aid_coolkey_package;      /* 62 76 01 FF 00 00 */
extern const TokGpAid tok_gp_aid_coolkey_old_instance; /* A0 00 00 00 01 01 */
extern const TokGpAid tok_gp_aid_coolkey_old_package;  /* A0 00 00 00 01 */
extern const TokGpAid tok_gp_aid_card_manager;	       /* A0 00 00 00 03 00 00 (TPS default) */
extern const TokGpAid tok_gp_aid_isd_gp211;	       /* A0 00 00 00 03 00 00 00 */
extern const TokGpAid tok_gp_aid_isd_gp;	       /* A0 00 00 01 51 00 00 */
/* The card-manager AIDs the TPS tries, in order (applet.aid.cardmgr_instance). */
#define TOK_GP_N_ISD_AIDS 3
extern const TokGpAid *const tok_gp_isd_aids[TOK_GP_N_ISD_AIDS];

/* GP 2.1.1 for SCP02 and SCP03, else GP 2.0.1 (protocol.md 3.2). */
TokGpPlatform
tok_gp_platform_for_scp(guint8 scp);
/* LOAD block size for a channel.blocksize: minus 16 under SCP01 (C-DEC length byte and
 * padding), minus 8 otherwise; 0 if @channel_block_size is too small. At most 255. */
gsize
tok_gp_load_block_size(gsize channel_block_size, guint8 scp);

/* Builders. Each returns a new TokApdu or NULL with TOK_ERROR_INVALID_DATA (bad argument)
 * or TOK_ERROR_TOO_LARGE. */

/* 00 A4 04 00 Lc AID [00] */
TokApdu *
tok_gp_apdu_select(const guint8 *aid, gsize aid_len, gboolean with_le, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* 00 A4 04 00 00: SELECT with no AID, Le 256 (the default-selected application's FCI). */
TokApdu *
tok_gp_apdu_select_default(void) G_GNUC_WARN_UNUSED_RESULT;
/* 80 CA tag-hi tag-lo le (le 00 = 256); e.g. (TOK_GP_TAG_CPLC, TOK_GP_GET_DATA_LE). */
TokApdu *
tok_gp_apdu_get_data(guint16 tag, guint8 le) G_GNUC_WARN_UNUSED_RESULT;
/* 80 50 kv ki 08 <host challenge 8>, no Le. */
TokApdu *
tok_gp_apdu_initialize_update(guint8 key_version,
			      guint8 key_index,
			      const guint8 *host_challenge,
			      gsize host_challenge_len,
			      GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* 84 82 <security level> 00 08 <host cryptogram 8> (the MAC is appended later). */
TokApdu *
tok_gp_apdu_external_authenticate(guint8 security_level,
				  const guint8 *host_cryptogram,
				  gsize host_cryptogram_len,
				  GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* 84 D8 P1 81 Lc <key set data> [00]. P1 = @current_key_version, except FF (factory keys),
 * which is sent as 00. @trailer_le: Le 00 (the TPS adds it under SCP02 and SCP03). */
TokApdu *
tok_gp_apdu_put_key(guint8 current_key_version,
		    const guint8 *key_set_data,
		    gsize key_set_data_len,
		    gboolean trailer_le,
		    GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* GP201: 84 E4 00 00 Lc 4F len AID; GP211: 84 E4 00 80 Lc 4F len AID 00. */
TokApdu *
tok_gp_apdu_delete(const guint8 *aid, gsize aid_len, TokGpPlatform platform, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* INSTALL [for load]: 84 E6 02 00 Lc len PkgAID len SD-AID 00 06 EF 04 C6 02 nn nn 00 [00],
 * nn nn = @load_file_len + 24 + len(SD AID). @load_file_len is the size of the load file
 * itself (without the C4 prefix LOAD adds). The SD AID is empty on GP201 (@sd_aid NULL,
 * @sd_aid_len 0) and the ISD's AID on GP211; GP211 adds the trailing Le 00. */
TokApdu *
tok_gp_apdu_install_for_load(const guint8 *package_aid,
			     gsize package_aid_len,
			     const guint8 *sd_aid,
			     gsize sd_aid_len,
			     gsize load_file_len,
			     TokGpPlatform platform,
			     GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* LOAD: the load file prefixed with C4 + BER length, split into blocks of @block_size bytes
 * (1..255, see tok_gp_load_block_size()): 84 E8 P1 P2 Lc <block>, P1 = 80 on the last block
 * and 00 before, P2 = block number (at most 256 blocks). A GPtrArray of TokApdu. */
GPtrArray *
tok_gp_apdu_load(const guint8 *load_file, gsize load_file_len, gsize block_size, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* INSTALL [for install and make selectable]: 84 E6 0C 00 Lc len PkgAID len AppAID len AppAID
 * 01 <privileges> 0C EF 04 C8 02 <instance size> C9 04 00 02 <applet memory size> 00 [00].
 * The module AID is the instance AID (as for CoolKey); GP211 adds the trailing Le 00. */
TokApdu *
tok_gp_apdu_install_for_install(const guint8 *package_aid,
				gsize package_aid_len,
				const guint8 *instance_aid,
				gsize instance_aid_len,
				guint8 privileges,
				guint16 instance_size,
				guint16 applet_memory_size,
				TokGpPlatform platform,
				GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Parsers of response data (without SW1 SW2). On failure @out is left untouched. */

/* SELECT response: FCI template 6F holding the AID in tag 84 (TOK_ERROR_NOT_FOUND if absent). */
typedef struct {
	guint8 aid_len;
	guint8 aid[TOK_GP_AID_MAX_LEN];
} TokGpFci;

gboolean
tok_gp_parse_select_fci(const guint8 *data, gsize len, TokGpFci *out, GError **error)
    TOK_NONNULL(3);

/* INITIALIZE UPDATE response (protocol.md 3.3): 28 bytes (SCP01, SCP02) or 29/32 (SCP03). */
typedef struct {
	guint8 kdd[TOK_GP_KDD_LEN];
	guint8 key_version;
	guint8 scp; /* TOK_GP_APDU_SCP01/02/03 from the key information */
	guint8 i;   /* SCP03 "i" parameter; 0 for SCP01/SCP02 */
	guint8 sequence_counter_len; /* 0; 2 (SCP02); 3 (SCP03, 32-byte form) */
	guint8 sequence_counter[TOK_GP_MAX_SEQUENCE_LEN];
	guint8 card_challenge_len; /* 8; 6 (SCP02) */
	guint8 card_challenge[TOK_GP_CARD_CHALLENGE_LEN];
	guint8 card_cryptogram[TOK_GP_CRYPTOGRAM_LEN];
} TokGpInitUpdateResponse;

gboolean
tok_gp_parse_initialize_update(const guint8 *data,
			       gsize len,
			       TokGpInitUpdateResponse *out,
			       GError **error) TOK_NONNULL(3);

/* GET DATA 0066 (Card Recognition Data, protocol.md 3.2): 66 { 73 { 06 OID, 60 {06 GP
 * version}, 63 {...}, 64 {06 2A864886FC6B04 <scp> <i>}, ... } }. */
typedef struct {
	guint8 scp; /* e.g. 0x02 */
	guint8 i;   /* e.g. 0x15 */
	guint8 gp_version_len;	/* 0 if tag 60 is absent */
	guint8 gp_version[4];	/* e.g. 02 01 01 for GP 2.1.1 */
} TokGpCardRecognition;

gboolean
tok_gp_parse_card_recognition_data(const guint8 *data,
				   gsize len,
				   TokGpCardRecognition *out,
				   GError **error) TOK_NONNULL(3);

/* GET DATA 00E0 (Key Information Template): E0 { C0 <id> <version> (<type> <length>)+ ... }
 * in the GP basic format. */
#define TOK_GP_KEY_INFO_MAX_KEYS       32
#define TOK_GP_KEY_INFO_MAX_COMPONENTS 4

typedef struct {
	guint8 type;   /* e.g. 0x80 DES, 0x88 AES */
	guint8 length; /* bytes */
} TokGpKeyComponent;

typedef struct {
	guint8 id;
	guint8 version;
	guint8 n_components;
	TokGpKeyComponent components[TOK_GP_KEY_INFO_MAX_COMPONENTS];
} TokGpKeyInfo;

typedef struct {
	guint n_keys;
	TokGpKeyInfo keys[TOK_GP_KEY_INFO_MAX_KEYS];
} TokGpKeyInfoTemplate;

gboolean
tok_gp_parse_key_information(const guint8 *data,
			     gsize len,
			     TokGpKeyInfoTemplate *out,
			     GError **error) TOK_NONNULL(3);

G_END_DECLS
