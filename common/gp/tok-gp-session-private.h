/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TokGpSession internals shared by tok-gp-session.c (construction, mutual authentication)
 * and tok-gp-secure-messaging.c (command and response wrapping). Not API.
 */
#pragma once

#include "tok-gp-scp01.h"
#include "tok-gp-scp02.h"
#include "tok-gp-scp03.h"
#include "tok-gp-session.h"

G_BEGIN_DECLS

#define TOK_GP_INS_EXTERNAL_AUTHENTICATE 0x82
#define TOK_GP_INS_INITIALIZE_UPDATE     0x50
#define TOK_GP_CLA_SECURE_MESSAGING      0x04

struct _TokGpSession {
	GObject parent_instance;
	TokGpCrypto *crypto;
	TokGpSessionSide side;
	TokGpScp scp;
	guint8 i_param;
	TokGpSessionFlags flags;
	TokGpSessionKeys *keys;
	TokGpSessionState state;
	guint8 level;
	guint8 kdd[TOK_GP_KDD_SIZE];
	guint8 key_info[3];
	gsize key_info_len;
	guint8 host_challenge[TOK_GP_CHALLENGE_SIZE];
	guint8 card_challenge[TOK_GP_CHALLENGE_SIZE];
	gsize card_challenge_len;
	guint8 card_cryptogram[TOK_GP_CRYPTOGRAM_SIZE];
	guint8 host_cryptogram[TOK_GP_CRYPTOGRAM_SIZE];
	guint32 sequence_counter;
	gboolean has_sequence_counter;
	guint8 chain[TOK_GP_SCP03_CHAIN_SIZE]; /* SCP01/02: the last C-MAC in the first 8 bytes */
	guint32 counter;                       /* SCP03 encryption counter */
	GBytes *init_update_response;          /* card side */
	guint8 rmac_chain[TOK_GP_MAC_SIZE];    /* SCP02: the last R-MAC (first: EXT AUTH C-MAC) */
	GBytes *rmac_command; /* SCP02 R-MAC: the command awaiting its response (wiped) */
};

typedef struct {
	guint8 cla;
	guint8 ins;
	guint8 p1;
	guint8 p2;
	const guint8 *data;
	gsize data_len;
	gboolean has_le;
	guint8 le;
} TokGpApduView;

/* Parses a short command APDU (cases 1-4); extended lengths are TOK_ERROR_NOT_SUPPORTED. */
gboolean
tok_gp_session_parse_apdu(const guint8 *apdu, gsize len, TokGpApduView *v, GError **error);
/* Appends CLA INS P1 P2 Lc. */
void
tok_gp_session_append_header(GByteArray *out, const TokGpApduView *v, guint8 cla, guint8 lc);
/* The C-MAC of a command from its MAC input and the chaining state (not updated): SCP01/02
 * use the first 8 bytes of the chain, SCP03 all 16. @first: EXTERNAL AUTHENTICATE. */
gboolean
tok_gp_session_mac(TokGpSession *self,
		   const guint8 *input,
		   gsize len,
		   gboolean first,
		   guint8 new_chain[TOK_GP_SCP03_CHAIN_SIZE],
		   GError **error);
/* TRUE if the session is on @side and authenticated; else the error for @what. */
gboolean
tok_gp_session_check_state(TokGpSession *self,
			   TokGpSessionSide side,
			   const gchar *what,
			   GError **error);
/* Levels 01 and 03; 11 and 13 for SCP02 and for SCP03 with R-MAC support in i. */
gboolean
tok_gp_session_level_supported(TokGpSession *self, guint8 level);
/* TRUE for an SCP02 session at a level with R-MAC (11 or 13). */
gboolean
tok_gp_session_has_scp02_rmac(TokGpSession *self);
/* After EXTERNAL AUTHENTICATE: the SCP02 R-MAC chain starts from its C-MAC. */
void
tok_gp_session_start_rmac(TokGpSession *self, const guint8 c_mac[TOK_GP_MAC_SIZE]);
/* Replaces the command the next SCP02 R-MAC covers (takes @command, may be NULL). */
void
tok_gp_session_set_rmac_command(TokGpSession *self, GBytes *command);

G_END_DECLS
