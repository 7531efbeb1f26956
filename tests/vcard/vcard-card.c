/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The card: power and reset, SELECT, the secure channel shared by the card manager and the
 * applet (INITIALIZE UPDATE, EXTERNAL AUTHENTICATE and unwrapping of CLA 84 commands, which
 * the applet delegates to the security domain, protocol.md 3.1), routing to the selected
 * application, the APDU trace and saving the state after every change.
 */
#include "config.h"

#include <gio/gio.h>
#include <openssl/crypto.h>

#include "tok-apdu.h"
#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-status-word.h"
#include "tok-tlv.h"
#include "vcard-image.h"
#include "vcard-private.h"

#define VCARD_SCP03_I_PARAM 0x70

G_DEFINE_TYPE(VcardCard, vcard_card, G_TYPE_OBJECT)

static void
vcard_card_finalize(GObject *object)
{
	VcardCard *self = VCARD_CARD(object);

	g_clear_object(&self->session);
	g_clear_object(&self->crypto);
	g_clear_pointer(&self->state, vcard_state_free);
	g_clear_pointer(&self->atr, g_bytes_unref);
	g_clear_pointer(&self->state_path, g_free);
	if (self->log != NULL)
		g_output_stream_close(self->log, NULL, NULL);
	g_clear_object(&self->log);
	g_clear_pointer(&self->iobuf, tok_byte_array_wipe_free);
	g_clear_pointer(&self->load_buffer, tok_byte_array_wipe_free);
	OPENSSL_cleanse(self->nonce, sizeof(self->nonce));
	G_OBJECT_CLASS(vcard_card_parent_class)->finalize(object);
}

static void
vcard_card_class_init(VcardCardClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = vcard_card_finalize;
}

static void
vcard_card_init(VcardCard *self)
{
	self->iobuf = g_byte_array_sized_new(VCARD_IOBUF_SIZE);
	g_byte_array_set_size(self->iobuf, VCARD_IOBUF_SIZE);
	for (guint i = 0; i < VCARD_IOBUF_SIZE; i++)
		self->iobuf->data[i] = 0;
	self->selected = VCARD_APP_NONE;
}

/* ---- small helpers ------------------------------------------------------------------- */

gboolean
vcard_buffer_write(GByteArray *dst, gsize offset, const guint8 *src, gsize n)
{
	if (offset > dst->len || n > dst->len - offset || (n > 0 && src == NULL))
		return FALSE;
	for (gsize i = 0; i < n; i++)
		dst->data[offset + i] = src[i];
	return TRUE;
}

gboolean
vcard_aid_set(TokGpAid *a, const guint8 *aid, gsize len)
{
	if (len > TOK_GP_AID_MAX_LEN || (len > 0 && aid == NULL))
		return FALSE;
	a->len = (guint8)len;
	for (gsize i = 0; i < sizeof(a->bytes); i++)
		a->bytes[i] = i < len ? aid[i] : 0;
	return TRUE;
}

gboolean
vcard_aid_equal(const TokGpAid *a, const guint8 *aid, gsize len)
{
	if (a->len != len)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (a->bytes[i] != aid[i])
			return FALSE;
	}
	return TRUE;
}

/* SELECT by partial name: @aid (5-16 bytes) is the start of @full. */
static gboolean
vcard_aid_matches(const guint8 *full, gsize full_len, const guint8 *aid, gsize len)
{
	if (len < TOK_GP_AID_MIN_LEN || len > full_len)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (full[i] != aid[i])
			return FALSE;
	}
	return TRUE;
}

gboolean
vcard_aid_is_isd(const guint8 *aid, gsize len)
{
	return vcard_aid_matches((const guint8 *)VCARD_ISD_AID, VCARD_ISD_AID_LEN, aid, len);
}

static void
vcard_card_log_line(VcardCard *self, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

static void
vcard_card_log_line(VcardCard *self, const gchar *format, ...)
{
	g_autoptr(GString) line = g_string_new(NULL);
	gint64 now = g_get_real_time();
	va_list args;

	if (self->log == NULL)
		return;
	g_string_append_printf(line, "%" G_GINT64_FORMAT ".%06d ", now / G_USEC_PER_SEC, (gint)(now % G_USEC_PER_SEC));
	va_start(args, format);
	g_string_append_vprintf(line, format, args);
	va_end(args);
	g_string_append_c(line, '\n');
	if (!g_output_stream_write_all(self->log, line->str, line->len, NULL, NULL, NULL) ||
	    !g_output_stream_flush(self->log, NULL, NULL)) {
		g_warning("cannot write the APDU log; logging stops");
		g_clear_object(&self->log);
	}
}

void
vcard_card_debug(VcardCard *self, const gchar *format, ...)
{
	g_autofree gchar *text = NULL;
	va_list args;

	va_start(args, format);
	text = g_strdup_vprintf(format, args);
	va_end(args);
	g_debug("%s", text);
	vcard_card_log_line(self, "! %s", text);
}

void
vcard_card_log_error(VcardCard *self, const gchar *what, const GError *error)
{
	vcard_card_debug(self, "%s: %s", what, error != NULL ? error->message : "failed");
}

/* Logs a command or response; data fields only with --log-data. */
static void
vcard_card_log_apdu(VcardCard *self, const gchar *prefix, const guint8 *data, gsize len)
{
	g_autoptr(TokApdu) apdu = NULL;
	g_autofree gchar *text = NULL;

	if (self->log == NULL)
		return;
	apdu = tok_apdu_parse(data, len, NULL);
	if (apdu != NULL)
		text = tok_apdu_to_string(apdu, self->log_data);
	else if (self->log_data)
		text = tok_hex_encode(data, len, TRUE);
	else
		text = g_strdup_printf("<%" G_GSIZE_FORMAT " bytes, not a command APDU>", len);
	vcard_card_log_line(self, "%s %s", prefix, text);
}

static void
vcard_card_log_response(VcardCard *self, GBytes *response)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(response, &len);
	g_autofree gchar *body = NULL;

	if (self->log == NULL || len < 2)
		return;
	if (self->log_data)
		body = tok_hex_encode(data, len - 2, TRUE);
	else
		body = g_strdup_printf("<%" G_GSIZE_FORMAT " bytes>", len - 2);
	vcard_card_log_line(self, "< %s%s%02X %02X (%s)", len > 2 ? body : "", len > 2 ? " " : "", data[len - 2], data[len - 1],
			    tok_status_word_describe((guint16)((data[len - 2] << 8) | data[len - 1])));
}

/* ---- transient state ------------------------------------------------------------------ */

static void
vcard_card_drop_session(VcardCard *self)
{
	g_clear_object(&self->session);
	/* a load belongs to the secure channel session it started in */
	self->loading = FALSE;
	self->load_next_block = 0;
	g_clear_pointer(&self->load_buffer, tok_byte_array_wipe_free);
}

static void
vcard_card_clear_iobuf(VcardCard *self)
{
	for (guint i = 0; i < self->iobuf->len; i++)
		self->iobuf->data[i] = 0;
	self->iobuf_size = 0;
}

void
vcard_card_reset_applet_transient(VcardCard *self)
{
	vcard_card_clear_iobuf(self);
	OPENSSL_cleanse(self->nonce, sizeof(self->nonce));
	self->nonce_ids = 0;
	for (guint i = 0; i < VCARD_MAX_PINS; i++)
		self->login_count[i] = 0;
	self->object_iter = 0;
	self->key_iter = 0;
}

static void
vcard_card_reset_transient(VcardCard *self)
{
	vcard_card_drop_session(self);
	vcard_card_reset_applet_transient(self);
	self->authenticated = 0;
	self->selected = VCARD_APP_NONE;
}

void
vcard_card_power_on(VcardCard *self)
{
	vcard_card_log_line(self, "power on");
	vcard_card_reset_transient(self);
	self->powered = TRUE;
	/* the issuer security domain is the default-selected application */
	self->selected = VCARD_APP_ISD;
}

void
vcard_card_reset(VcardCard *self)
{
	vcard_card_log_line(self, "reset");
	vcard_card_reset_transient(self);
	self->powered = TRUE;
	self->selected = VCARD_APP_ISD;
}

void
vcard_card_power_off(VcardCard *self)
{
	vcard_card_log_line(self, "power off");
	vcard_card_reset_transient(self);
	self->powered = FALSE;
}

gboolean
vcard_card_is_powered(VcardCard *self)
{
	return self->powered;
}

GBytes *
vcard_card_get_atr(VcardCard *self)
{
	return g_bytes_ref(self->atr);
}

/* ---- the secure channel --------------------------------------------------------------- */

TokSecret *
vcard_card_transport_key(VcardCard *self)
{
	if (self->session == NULL || tok_gp_session_get_state(self->session) != TOK_GP_SESSION_STATE_AUTHENTICATED)
		return NULL;
	if (self->state->scp == TOK_GP_SCP02)
		return tok_gp_session_keys_get_dek(tok_gp_session_get_session_keys(self->session));
	return tok_gp_key_set_get_key(self->state->keys, TOK_GP_KEY_DEK);
}

static guint16
vcard_card_initialize_update(VcardCard *self, const guint8 *apdu, gsize len, GByteArray *out)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) response = NULL;
	TokGpCardParams params = {
	    .scp = self->state->scp,
	    .i_param = VCARD_SCP03_I_PARAM,
	    .key_version = self->state->key_version,
	    .sequence_counter = self->state->sequence_counter,
	    .card_challenge = NULL,
	};
	guint32 max_counter = self->state->scp == TOK_GP_SCP02 ? 0xFFFF : 0xFFFFFF;

	for (guint i = 0; i < TOK_GP_KDD_SIZE; i++)
		params.kdd[i] = self->state->cuid[i];
	if (self->selected == VCARD_APP_APPLET && self->state->applet != NULL) {
		params.aid = self->state->applet->aid.bytes;
		params.aid_len = self->state->applet->aid.len;
	} else {
		params.aid = (const guint8 *)VCARD_ISD_AID;
		params.aid_len = VCARD_ISD_AID_LEN;
	}
	vcard_card_drop_session(self);
	self->session = tok_gp_session_new_card(self->crypto, self->state->keys, &params, apdu, len, &error);
	if (self->session == NULL) {
		vcard_card_log_error(self, "INITIALIZE UPDATE refused", error);
		if (g_error_matches(error, TOK_ERROR, TOK_ERROR_NOT_FOUND))
			return TOK_SW_REFERENCED_DATA_NOT_FOUND;
		if (g_error_matches(error, TOK_ERROR, TOK_ERROR_INVALID_DATA))
			return TOK_SW_WRONG_LENGTH;
		return TOK_SW_UNKNOWN;
	}
	if (self->state->scp != TOK_GP_SCP01) {
		self->state->sequence_counter = self->state->sequence_counter >= max_counter ? 0 : self->state->sequence_counter + 1;
		self->dirty = TRUE;
	}
	response = tok_gp_session_get_initialize_update_response(self->session);
	tok_byte_array_append_bytes(out, response);
	return TOK_SW_OK;
}

static guint16
vcard_card_external_authenticate(VcardCard *self, const guint8 *apdu, gsize len)
{
	g_autoptr(GError) error = NULL;

	if (self->session == NULL || tok_gp_session_get_state(self->session) != TOK_GP_SESSION_STATE_INITIALIZED) {
		vcard_card_debug(self, "EXTERNAL AUTHENTICATE without INITIALIZE UPDATE");
		vcard_card_drop_session(self);
		return TOK_SW_CONDITIONS_NOT_SATISFIED;
	}
	/* the CoolKey applet itself accepts only levels 01 and 03 (protocol.md 3.5) */
	if (self->selected == VCARD_APP_APPLET && len > 2 && apdu[2] != 0x01 && apdu[2] != 0x03) {
		vcard_card_drop_session(self);
		return TOK_SW_CONDITIONS_NOT_SATISFIED;
	}
	if (!tok_gp_session_check_external_authenticate(self->session, apdu, len, &error)) {
		vcard_card_log_error(self, "EXTERNAL AUTHENTICATE refused", error);
		vcard_card_drop_session(self);
		if (g_error_matches(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED))
			return 0x6300; /* authentication of the host cryptogram failed */
		if (g_error_matches(error, TOK_ERROR, TOK_ERROR_INVALID_PARAMETER))
			return TOK_SW_INCORRECT_P1P2;
		return TOK_SW_WRONG_LENGTH;
	}
	return TOK_SW_OK;
}

/* ---- SELECT ------------------------------------------------------------------------- */

static void
vcard_card_append_fci(GByteArray *out)
{
	g_autoptr(GByteArray) inner = g_byte_array_new();
	g_autoptr(GByteArray) proprietary = g_byte_array_new();
	const guint8 max_length[] = {0xFF};

	tok_tlv_append(inner, 0x84, (const guint8 *)VCARD_ISD_AID, VCARD_ISD_AID_LEN);
	tok_tlv_append(proprietary, 0x9F65, max_length, sizeof(max_length));
	tok_tlv_append(inner, 0xA5, proprietary->data, proprietary->len);
	tok_tlv_append(out, 0x6F, inner->data, inner->len);
}

static guint16
vcard_card_select(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	VcardApp target = VCARD_APP_NONE;

	if (cmd->p1 != 0x04 || (cmd->p2 != 0x00 && cmd->p2 != 0x0C))
		return TOK_SW_INCORRECT_P1P2;
	if (cmd->len == 0 || vcard_aid_matches((const guint8 *)VCARD_ISD_AID, VCARD_ISD_AID_LEN, cmd->data, cmd->len))
		target = VCARD_APP_ISD;
	else if (self->state->applet != NULL &&
		 vcard_aid_matches(self->state->applet->aid.bytes, self->state->applet->aid.len, cmd->data, cmd->len))
		target = VCARD_APP_APPLET;
	if (target == VCARD_APP_NONE)
		return TOK_SW_FILE_NOT_FOUND;
	/* deselecting ends the secure channel session and clears the applet's I/O buffer */
	vcard_card_drop_session(self);
	vcard_card_clear_iobuf(self);
	self->object_iter = 0;
	self->key_iter = 0;
	self->selected = target;
	if (target == VCARD_APP_ISD && cmd->p2 == 0x00)
		vcard_card_append_fci(out);
	return TOK_SW_OK;
}

/* ---- dispatch ----------------------------------------------------------------------- */

static gboolean
vcard_command_from_apdu(const TokApdu *apdu, gboolean secure, VcardCommand *cmd)
{
	GBytes *data = tok_apdu_get_data(apdu);

	cmd->cla = tok_apdu_get_cla(apdu);
	cmd->ins = tok_apdu_get_ins(apdu);
	cmd->p1 = tok_apdu_get_p1(apdu);
	cmd->p2 = tok_apdu_get_p2(apdu);
	cmd->data = g_bytes_get_data(data, &cmd->len);
	cmd->le = tok_apdu_get_le(apdu);
	cmd->secure = secure;
	/* a short-APDU card: no extended lengths */
	return cmd->len <= TOK_APDU_SHORT_MAX_DATA && cmd->le <= TOK_APDU_SHORT_MAX_LE;
}

static guint16
vcard_card_route(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	if (cmd->cla == TOK_GP_CLA_ISO && cmd->ins == TOK_GP_INS_SELECT && !cmd->secure)
		return vcard_card_select(self, cmd, out);
	switch (self->selected) {
	case VCARD_APP_ISD:
		return vcard_isd_process(self, cmd, out);
	case VCARD_APP_APPLET:
		if (self->state->applet == NULL)
			return TOK_SW_CONDITIONS_NOT_SATISFIED;
		return vcard_applet_process(self, cmd, out);
	case VCARD_APP_NONE:
	default:
		return TOK_SW_CONDITIONS_NOT_SATISFIED;
	}
}

/* Unwraps a CLA 84 command and routes the plain command; the response goes through the
 * session (R-MAC at SCP02 and SCP03 levels 1x). */
static GBytes *
vcard_card_process_secure(VcardCard *self, const guint8 *apdu, gsize len)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(GBytes) plain = NULL;
	g_autoptr(TokApdu) parsed = NULL;
	g_autoptr(TokWipedByteArray) out = g_byte_array_new();
	g_autoptr(TokGpSession) session = NULL;
	GBytes *response;
	VcardCommand cmd;
	guint16 sw;

	if (self->session == NULL || tok_gp_session_get_state(self->session) != TOK_GP_SESSION_STATE_AUTHENTICATED) {
		vcard_card_debug(self, "secure messaging without an open secure channel");
		tok_byte_array_append_u16_be(out, TOK_SW_SECURITY_STATUS_NOT_SATISFIED);
		return tok_bytes_new_wiped_take(g_steal_pointer(&out));
	}
	plain = tok_gp_session_unwrap(self->session, apdu, len, &local);
	if (plain == NULL) {
		vcard_card_log_error(self, "secure messaging refused", local);
		vcard_card_drop_session(self);
		tok_byte_array_append_u16_be(out, TOK_SW_SECURITY_STATUS_NOT_SATISFIED);
		return tok_bytes_new_wiped_take(g_steal_pointer(&out));
	}
	vcard_card_log_apdu(self, "  =", g_bytes_get_data(plain, NULL), g_bytes_get_size(plain));
	parsed = tok_apdu_parse_bytes(plain, NULL);
	/* keep the session alive for the response even if the command drops it (SELECT is
	 * never secure, but DELETE or INSTALL may restart things) */
	session = g_object_ref(self->session);
	if (parsed == NULL || !vcard_command_from_apdu(parsed, TRUE, &cmd))
		sw = TOK_SW_WRONG_LENGTH;
	else
		sw = vcard_card_route(self, &cmd, out);
	if (sw != TOK_SW_OK && (sw >> 8) != 0x61 && (sw >> 8) != 0x62 && (sw >> 8) != 0x63)
		g_byte_array_set_size(out, 0);
	if (tok_gp_session_get_state(session) != TOK_GP_SESSION_STATE_AUTHENTICATED) {
		g_byte_array_set_size(out, 0);
		tok_byte_array_append_u16_be(out, sw);
		return tok_bytes_new_wiped_take(g_steal_pointer(&out));
	}
	response = tok_gp_session_wrap_response(session, out->data, out->len, sw, &local);
	if (response == NULL) {
		vcard_card_log_error(self, "wrapping the response", local);
		g_byte_array_set_size(out, 0);
		tok_byte_array_append_u16_be(out, TOK_SW_UNKNOWN);
		return tok_bytes_new_wiped_take(g_steal_pointer(&out));
	}
	return g_steal_pointer(&response);
}

static GBytes *
vcard_card_process(VcardCard *self, const guint8 *apdu, gsize len)
{
	g_autoptr(TokApdu) parsed = NULL;
	g_autoptr(TokWipedByteArray) out = g_byte_array_new();
	VcardCommand cmd;
	guint16 sw;

	parsed = tok_apdu_parse(apdu, len, NULL);
	if (parsed == NULL || !vcard_command_from_apdu(parsed, FALSE, &cmd)) {
		tok_byte_array_append_u16_be(out, TOK_SW_WRONG_LENGTH);
		return tok_bytes_new_wiped_take(g_steal_pointer(&out));
	}
	if (cmd.cla == TOK_GP_CLA_SECURE && cmd.ins == TOK_GP_INS_EXTERNAL_AUTHENTICATE) {
		sw = self->selected == VCARD_APP_ISD || self->selected == VCARD_APP_APPLET
			 ? vcard_card_external_authenticate(self, apdu, len)
			 : TOK_SW_CONDITIONS_NOT_SATISFIED;
	} else if (cmd.cla == TOK_GP_CLA_SECURE) {
		return vcard_card_process_secure(self, apdu, len);
	} else if (cmd.cla == TOK_GP_CLA_GP && cmd.ins == TOK_GP_INS_INITIALIZE_UPDATE &&
		   (self->selected == VCARD_APP_ISD || self->selected == VCARD_APP_APPLET)) {
		sw = vcard_card_initialize_update(self, apdu, len, out);
	} else {
		sw = vcard_card_route(self, &cmd, out);
	}
	if (sw != TOK_SW_OK && (sw >> 8) != 0x62 && (sw >> 8) != 0x63)
		g_byte_array_set_size(out, 0);
	tok_byte_array_append_u16_be(out, sw);
	return tok_bytes_new_wiped_take(g_steal_pointer(&out));
}

GBytes *
vcard_card_transmit(VcardCard *self, const guint8 *apdu, gsize len, GError **error)
{
	g_autoptr(GBytes) response = NULL;

	if (!self->powered) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_PROTOCOL, "the virtual card is not powered");
		return NULL;
	}
	if (apdu == NULL && len > 0) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "command APDU without data");
		return NULL;
	}
	vcard_card_log_apdu(self, ">", apdu, len);
	self->authenticated = 0;
	response = vcard_card_process(self, apdu, len);
	self->authenticated = 0;
	vcard_card_log_response(self, response);
	if (self->dirty) {
		if (self->state_path != NULL && !vcard_state_save(self->state, self->state_path, error))
			return NULL;
		self->dirty = FALSE;
	}
	return g_steal_pointer(&response);
}

gboolean
vcard_card_save(VcardCard *self, GError **error)
{
	if (self->state_path == NULL)
		return TRUE;
	if (!vcard_state_save(self->state, self->state_path, error))
		return FALSE;
	self->dirty = FALSE;
	return TRUE;
}

/* ---- creation ------------------------------------------------------------------------ */

void
vcard_card_config_init(VcardCardConfig *config)
{
	g_autoptr(GBytes) cuid = tok_hex_decode(VCARD_DEFAULT_CUID, TOK_HEX_FLAG_NONE, NULL);
	g_autoptr(GBytes) msn = tok_hex_decode(VCARD_DEFAULT_MSN, TOK_HEX_FLAG_NONE, NULL);
	const guint8 *c = g_bytes_get_data(cuid, NULL);
	const guint8 *m = g_bytes_get_data(msn, NULL);

	*config = (VcardCardConfig){0};
	for (guint i = 0; i < sizeof(config->cuid); i++)
		config->cuid[i] = c[i];
	for (guint i = 0; i < sizeof(config->msn); i++)
		config->msn[i] = m[i];
	config->scp = TOK_GP_SCP01;
	config->key_version = 1;
}

static VcardState *
vcard_card_new_state(const VcardCardConfig *config, GError **error)
{
	g_autoptr(VcardState) state = vcard_state_new();
	TokGpKeyType type = config->scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3;

	for (guint i = 0; i < sizeof(state->cuid); i++)
		state->cuid[i] = config->cuid[i];
	for (guint i = 0; i < sizeof(state->msn); i++)
		state->msn[i] = config->msn[i];
	state->scp = config->scp;
	state->key_version = config->key_version;
	state->keys = config->keys != NULL ? tok_gp_key_set_ref(config->keys) : tok_gp_key_set_new_default(type);
	if (tok_gp_key_set_get_key_type(state->keys) != type) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "%s needs %s keys", tok_gp_scp_to_string(config->scp),
			    type == TOK_GP_KEY_TYPE_AES ? "AES" : "triple DES");
		return NULL;
	}
	if (!config->blank) {
		g_autoptr(GBytes) image = config->applet_image != NULL ? g_bytes_ref(config->applet_image) : vcard_image_build_default(error);
		g_autoptr(VcardImage) parsed = NULL;
		TokGpAid applet_aid;

		if (image == NULL)
			return NULL;
		parsed = vcard_image_parse(g_bytes_get_data(image, NULL), g_bytes_get_size(image), error);
		if (parsed == NULL) {
			g_prefix_error(error, "pre-installed applet: ");
			return NULL;
		}
		state->has_package = TRUE;
		vcard_aid_set(&state->package_aid, parsed->package_aid, parsed->package_aid_len);
		state->package_image = g_bytes_ref(image);
		vcard_aid_set(&applet_aid, parsed->applet_aid, parsed->applet_aid_len);
		state->applet = vcard_applet_new(&applet_aid, parsed->major, parsed->minor, parsed->build_id, VCARD_DEFAULT_APPLET_MEMORY);
	}
	return g_steal_pointer(&state);
}

VcardCard *
vcard_card_new(const VcardCardConfig *config, GError **error)
{
	g_autoptr(VcardCard) self = g_object_new(VCARD_TYPE_CARD, NULL);

	if (!tok_gp_scp_is_valid(config->scp) || config->key_version == 0 || config->key_version == 0xFF) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "unsupported protocol SCP0%d or key version %u", (gint)config->scp, config->key_version);
		return NULL;
	}
	self->crypto = tok_gp_crypto_new(error);
	if (self->crypto == NULL)
		return NULL;
	if (config->state_path != NULL && g_file_test(config->state_path, G_FILE_TEST_EXISTS)) {
		self->state = vcard_state_load(config->state_path, error);
		if (self->state == NULL)
			return NULL;
		if ((config->has_cuid && CRYPTO_memcmp(config->cuid, self->state->cuid, sizeof(config->cuid)) != 0) ||
		    (config->has_msn && CRYPTO_memcmp(config->msn, self->state->msn, sizeof(config->msn)) != 0)) {
			g_autofree gchar *cuid = tok_hex_encode(self->state->cuid, sizeof(self->state->cuid), TRUE);
			g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "%s holds card %s, not the CUID/MSN asked for", config->state_path, cuid);
			return NULL;
		}
	} else {
		self->state = vcard_card_new_state(config, error);
		if (self->state == NULL)
			return NULL;
	}
	if (config->state_path != NULL) {
		self->state_path = g_strdup(config->state_path);
		if (!vcard_card_save(self, error))
			return NULL;
	}
	if (config->atr != NULL) {
		if (g_bytes_get_size(config->atr) < 2 || g_bytes_get_size(config->atr) > 33) {
			g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "an ATR has 2-33 bytes, not %" G_GSIZE_FORMAT, g_bytes_get_size(config->atr));
			return NULL;
		}
		self->atr = g_bytes_ref(config->atr);
	} else {
		self->atr = tok_hex_decode(VCARD_DEFAULT_ATR, TOK_HEX_FLAG_NONE, error);
	}
	if (config->log_path != NULL) {
		g_autoptr(GFile) file = g_file_new_for_path(config->log_path);
		self->log = G_OUTPUT_STREAM(g_file_append_to(file, G_FILE_CREATE_PRIVATE, NULL, error));
		if (self->log == NULL) {
			g_prefix_error(error, "APDU log %s: ", config->log_path);
			return NULL;
		}
		self->log_data = config->log_data;
	}
	return g_steal_pointer(&self);
}

/* ---- accessors ----------------------------------------------------------------------- */

const guint8 *
vcard_card_get_cuid(VcardCard *self)
{
	return self->state->cuid;
}

TokGpScp
vcard_card_get_scp(VcardCard *self)
{
	return self->state->scp;
}

guint8
vcard_card_get_key_version(VcardCard *self)
{
	return self->state->key_version;
}

TokGpKeySet *
vcard_card_get_key_set(VcardCard *self)
{
	return self->state->keys;
}

gchar *
vcard_card_get_applet_version(VcardCard *self)
{
	const VcardApplet *applet = self->state->applet;

	if (applet == NULL)
		return NULL;
	return tok_coolkey_format_applet_version(applet->major, applet->minor, applet->build_id);
}
