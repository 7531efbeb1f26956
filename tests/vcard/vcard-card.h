/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * VcardCard: a virtual smart card with a GlobalPlatform card manager (issuer security
 * domain, SCP01/02/03) and the CoolKey applet (protocol.md 3-5), driven in process through
 * vcard_card_transmit() (unit tests, load generators) or over the vpcd link (vcard-vpcd.h).
 *
 * Persistent state (key set, applet, PINs and their retry counters, keys, objects) lives in
 * memory and, when a state file is configured, is written to it atomically after every
 * command that changed it. Transient state (selected application, login nonce, secure
 * channel, I/O buffer, load in progress) is dropped on power on, power off and reset.
 *
 * A card is not thread-safe: drive each one from one thread.
 */
#pragma once

#include <glib-object.h>

#include "tok-gp-keys.h"
#include "tok-macros.h"

G_BEGIN_DECLS

#define VCARD_DEFAULT_PORT 35963
#define VCARD_DEFAULT_HOST "127.0.0.1"
#define VCARD_DEFAULT_CUID "40906145C76224192D2B"
#define VCARD_DEFAULT_MSN  "01020304"
/* TS=3B T0=80 TD1=80 TD2=01 (T=1) TCK=01: vpcd always uses T=1 */
#define VCARD_DEFAULT_ATR "3B80800101"
#define VCARD_ISD_AID	  "\xA0\x00\x00\x00\x03\x00\x00\x00"
#define VCARD_ISD_AID_LEN 8

/* What a new card is made of. Everything but the log settings is a factory setting: when
 * @state_path names an existing file, the card is what the file says (a @cuid or @msn that
 * contradicts it is an error; the other factory settings are ignored). */
typedef struct {
	gboolean has_cuid;
	guint8 cuid[10];   /* KDD = CUID; default VCARD_DEFAULT_CUID */
	gboolean has_msn;
	guint8 msn[4];	   /* default VCARD_DEFAULT_MSN */
	GBytes *atr;	   /* NULL: VCARD_DEFAULT_ATR */
	TokGpScp scp;	   /* default TOK_GP_SCP01 */
	TokGpKeySet *keys; /* NULL: developer keys (40..4F; DES3, AES-128 for SCP03) */
	guint8 key_version; /* default 1 */
	gboolean blank;	   /* no applet installed (and no load file) */
	GBytes *applet_image; /* the pre-installed image; NULL: the built-in 1.4.58768072 */
	const gchar *state_path; /* NULL: nothing persists beyond the VcardCard */
	const gchar *log_path;	 /* APDU trace (appended), or NULL */
	gboolean log_data;	 /* show data fields in the trace (PINs and keys too!) */
} VcardCardConfig;

/* Fills @config with the defaults (no state file, no log). */
void
vcard_card_config_init(VcardCardConfig *config) TOK_NONNULL(1);

#define VCARD_TYPE_CARD (vcard_card_get_type())
G_DECLARE_FINAL_TYPE(VcardCard, vcard_card, VCARD, CARD, GObject)

/* Creates the card (loading the state file if it exists, else creating it). Powered off. */
VcardCard *
vcard_card_new(const VcardCardConfig *config, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);

/* vpcd control messages: power on / reset select the card manager and drop every
 * transient state; power off drops it too. */
void
vcard_card_power_on(VcardCard *self) TOK_NONNULL(1);
void
vcard_card_power_off(VcardCard *self) TOK_NONNULL(1);
void
vcard_card_reset(VcardCard *self) TOK_NONNULL(1);
gboolean
vcard_card_is_powered(VcardCard *self) TOK_NONNULL(1);
GBytes *
vcard_card_get_atr(VcardCard *self) TOK_NONNULL(1);

/* One command APDU in, the response (data || SW1 SW2) out. A malformed APDU is answered with
 * a status word like on a real card; NULL with @error only when the card is not powered or
 * its state file cannot be written (the emulation cannot go on). */
GBytes *
vcard_card_transmit(VcardCard *self, const guint8 *apdu, gsize len, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* Writes the state file now (done automatically after every change). */
gboolean
vcard_card_save(VcardCard *self, GError **error) TOK_NONNULL(1);

/* What the card is, for tests and logs. */
const guint8 *
vcard_card_get_cuid(VcardCard *self) TOK_NONNULL(1);
TokGpScp
vcard_card_get_scp(VcardCard *self) TOK_NONNULL(1);
guint8
vcard_card_get_key_version(VcardCard *self) TOK_NONNULL(1);
/* Borrowed. */
TokGpKeySet *
vcard_card_get_key_set(VcardCard *self) TOK_NONNULL(1);
/* "1.4.58768072", or NULL when no applet is installed. */
gchar *
vcard_card_get_applet_version(VcardCard *self) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

G_END_DECLS
