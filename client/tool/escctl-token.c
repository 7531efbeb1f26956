/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * escctl list / info / certs / diagnose / monitor, and what the operations share: picking the
 * reader, probing the token, phone home.
 *
 * The one-shot commands need the readers present *now*. EscReaderMonitor announces them
 * asynchronously from its thread and has no "initial scan done" event, so they take one PC/SC
 * snapshot instead (SCardListReaders + SCardGetStatusChange with a zero timeout, before any
 * main loop work: it does not wait for anything). monitor and diagnose use EscTokenList.
 */
#include "config.h"

#include <PCSC/winscard.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "escctl-private.h"
#include "tok-bytes.h"

#define ESCCTL_DIAGNOSE_SETTLE_S 30 /* diagnose: longest wait for the token list to settle */

/* ---- reader snapshot ------------------------------------------------------------------ */

typedef struct {
	gchar *name;
	GBytes *atr; /* NULL: no card */
} EscctlReader;

static void
escctl_reader_free(gpointer data)
{
	EscctlReader *r = data;

	g_free(r->name);
	g_clear_pointer(&r->atr, g_bytes_unref);
	g_free(r);
}

/* The readers pcscd knows now, with the ATR of each card present. */
static GPtrArray *
escctl_snapshot_readers(GError **error)
{
	g_autoptr(GPtrArray) readers = g_ptr_array_new_with_free_func(escctl_reader_free);
	g_autofree gchar *names = NULL;
	g_autofree SCARD_READERSTATE *states = NULL;
	SCARDCONTEXT context = 0;
	DWORD len = 0;
	LONG rv;
	guint n = 0;

	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context);
	if (rv != SCARD_S_SUCCESS) {
		esc_error_set_pcsc(error, rv, _("cannot reach the smart card service"));
		return NULL;
	}
	rv = SCardListReaders(context, NULL, NULL, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE) {
		SCardReleaseContext(context);
		return g_steal_pointer(&readers);
	}
	if (rv == SCARD_S_SUCCESS) {
		names = g_malloc0(len + 1);
		rv = SCardListReaders(context, NULL, names, &len);
	}
	if (rv == SCARD_E_NO_READERS_AVAILABLE) {
		SCardReleaseContext(context);
		return g_steal_pointer(&readers);
	}
	if (rv != SCARD_S_SUCCESS) {
		esc_error_set_pcsc(error, rv, _("cannot list the smart card readers"));
		SCardReleaseContext(context);
		return NULL;
	}
	for (const gchar *p = names; p < names + len && *p != '\0'; p += strlen(p) + 1)
		n++;
	states = g_new0(SCARD_READERSTATE, MAX(n, 1));
	n = 0;
	for (const gchar *p = names; p < names + len && *p != '\0'; p += strlen(p) + 1) {
		states[n].szReader = p;
		states[n].dwCurrentState = SCARD_STATE_UNAWARE;
		n++;
	}
	if (n > 0) {
		rv = SCardGetStatusChange(context, 0, states, n);
		if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
			esc_error_set_pcsc(error, rv, _("cannot read the state of the smart card readers"));
			SCardReleaseContext(context);
			return NULL;
		}
	}
	for (guint i = 0; i < n; i++) {
		EscctlReader *r = g_new0(EscctlReader, 1);
		DWORD state = states[i].dwEventState;

		r->name = g_strdup(states[i].szReader);
		if ((state & SCARD_STATE_PRESENT) != 0 && (state & SCARD_STATE_MUTE) == 0 && states[i].cbAtr > 0 &&
		    states[i].cbAtr <= sizeof(states[i].rgbAtr))
			r->atr = g_bytes_new(states[i].rgbAtr, states[i].cbAtr);
		g_ptr_array_add(readers, r);
	}
	SCardReleaseContext(context);
	return g_steal_pointer(&readers);
}

static gchar *
escctl_reader_names(GPtrArray *readers, gboolean with_card_only)
{
	g_autoptr(GString) text = g_string_new(NULL);

	for (guint i = 0; i < readers->len; i++) {
		EscctlReader *r = g_ptr_array_index(readers, i);
		if (with_card_only && r->atr == NULL)
			continue;
		if (text->len > 0)
			g_string_append(text, ", ");
		g_string_append_printf(text, "“%s”", r->name);
	}
	return g_string_free(g_steal_pointer(&text), FALSE);
}

gchar *
escctl_select_reader(Escctl *self, GBytes **atr, GError **error)
{
	g_autoptr(GPtrArray) readers = escctl_snapshot_readers(error);
	EscctlReader *chosen = NULL;
	guint with_card = 0;

	if (readers == NULL)
		return NULL;
	if (readers->len == 0) {
		g_set_error_literal(error, ESC_ERROR, ESC_ERROR_NO_READER, _("No smart card reader was found."));
		return NULL;
	}
	if (self->reader != NULL) {
		for (guint i = 0; i < readers->len; i++) {
			EscctlReader *r = g_ptr_array_index(readers, i);
			if (g_strcmp0(r->name, self->reader) == 0)
				chosen = r;
		}
		if (chosen == NULL) {
			g_autofree gchar *names = escctl_reader_names(readers, FALSE);
			g_set_error(error, ESC_ERROR, ESC_ERROR_NO_READER, _("There is no reader “%s”; the readers are %s."), self->reader,
				    names);
			return NULL;
		}
		if (chosen->atr == NULL) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_NO_CARD, _("There is no card in “%s”."), chosen->name);
			return NULL;
		}
	} else {
		for (guint i = 0; i < readers->len; i++) {
			EscctlReader *r = g_ptr_array_index(readers, i);
			if (r->atr != NULL) {
				chosen = r;
				with_card++;
			}
		}
		if (with_card == 0) {
			g_autofree gchar *names = escctl_reader_names(readers, FALSE);
			g_set_error(error, ESC_ERROR, ESC_ERROR_NO_CARD, _("No reader has a card in it (readers: %s)."), names);
			return NULL;
		}
		if (with_card > 1) {
			g_autofree gchar *names = escctl_reader_names(readers, TRUE);
			g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT,
				    _("Several readers have a card: %s. Choose one with --reader."), names);
			return NULL;
		}
	}
	if (atr != NULL)
		*atr = g_bytes_ref(chosen->atr);
	return g_strdup(chosen->name);
}

/* Whether the card in @reader is gone: waits up to @timeout_ms for pcscd to report the
 * reader empty (SCardGetStatusChange; pcscd notices a removal at its next poll). */
gboolean
escctl_card_is_gone(const gchar *reader, guint timeout_ms)
{
	SCARDCONTEXT context = 0;
	SCARD_READERSTATE state = {.szReader = reader, .dwCurrentState = SCARD_STATE_UNAWARE};
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * G_TIME_SPAN_MILLISECOND;
	gboolean gone = FALSE;
	LONG rv;

	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context) != SCARD_S_SUCCESS)
		return FALSE;
	rv = SCardGetStatusChange(context, 0, &state, 1);
	while (rv == SCARD_S_SUCCESS || rv == SCARD_E_TIMEOUT) {
		gint64 left = end - g_get_monotonic_time();

		if ((state.dwEventState & (SCARD_STATE_EMPTY | SCARD_STATE_UNAVAILABLE | SCARD_STATE_UNKNOWN)) != 0) {
			gone = TRUE;
			break;
		}
		if (left <= 0)
			break;
		state.dwCurrentState = state.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
		rv = SCardGetStatusChange(context, (DWORD)(left / G_TIME_SPAN_MILLISECOND) + 1, &state, 1);
	}
	if (rv == SCARD_E_UNKNOWN_READER)
		gone = TRUE;
	SCardReleaseContext(context);
	return gone;
}

/* ---- token and phone home ------------------------------------------------------------- */

EscToken *
escctl_open_token(Escctl *self, const gchar *reader, GBytes *atr, GError **error)
{
	g_autoptr(EscToken) token = esc_token_new(reader, atr);
	g_autoptr(GAsyncResult) result = NULL;

	esc_token_refresh_async(token, self->cancellable, escctl_on_result, &result);
	escctl_wait(self, &result);
	if (!esc_token_refresh_finish(token, result, error)) {
		g_prefix_error(error, _("Reading the token in “%s” failed: "), reader);
		return NULL;
	}
	return g_steal_pointer(&token);
}

EscIssuerInfo *
escctl_phone_home(Escctl *self, EscToken *token, GError **error)
{
	EscTokenInfo *info = esc_token_get_info(token);
	const gchar *url = info != NULL ? esc_token_info_get_issuer_url(info) : NULL;
	const gchar *cuid = info != NULL ? esc_token_info_get_cuid(info) : NULL;
	g_autoptr(EscIssuerCache) cache = NULL;
	g_autoptr(GAsyncResult) result = NULL;
	EscIssuerInfo *issuer;

	if (url == NULL || url[0] == '\0')
		url = self->phone_home;
	if (url == NULL)
		return NULL;
	if (cuid == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_UNSUPPORTED_CARD,
			    _("The token in “%s” has no CUID to phone home with (not a GlobalPlatform card?)."),
			    esc_token_get_reader(token));
		return NULL;
	}
	/* no disk cache: a command-line run always asks the issuer */
	cache = esc_issuer_cache_new(NULL, self->tls);
	esc_issuer_cache_lookup_async(cache, url, cuid, self->cancellable, escctl_on_result, &result);
	escctl_wait(self, &result);
	issuer = esc_issuer_cache_lookup_finish(cache, result, error);
	if (issuer == NULL && error != NULL && *error != NULL && strstr((*error)->message, "Phone home") == NULL)
		g_prefix_error(error, _("Phone home to %s failed: "), url);
	return issuer;
}

/* ---- printing tokens ------------------------------------------------------------------ */

static gchar *
escctl_bytes_hex(GBytes *bytes)
{
	return bytes != NULL ? tok_hex_encode_bytes(bytes, TRUE) : NULL;
}

static gchar *
escctl_format_time(GDateTime *t)
{
	return t != NULL ? g_date_time_format_iso8601(t) : NULL;
}

static void
escctl_json_add_certificate(JsonBuilder *b, EscCertificate *cert, gboolean pem)
{
	g_autofree gchar *not_before = escctl_format_time(esc_certificate_get_not_before(cert));
	g_autofree gchar *not_after = escctl_format_time(esc_certificate_get_not_after(cert));

	json_builder_begin_object(b);
	escctl_json_add_string(b, "label", esc_certificate_get_label(cert));
	escctl_json_add_string(b, "subject", esc_certificate_get_subject(cert));
	escctl_json_add_string(b, "issuer", esc_certificate_get_issuer(cert));
	escctl_json_add_string(b, "serial", esc_certificate_get_serial(cert));
	escctl_json_add_string(b, "not-before", not_before);
	escctl_json_add_string(b, "not-after", not_after);
	escctl_json_add_bool(b, "valid-now", esc_certificate_is_valid_now(cert));
	escctl_json_add_string(b, "key", esc_certificate_get_key_description(cert));
	escctl_json_add_string(b, "key-usage", esc_certificate_get_key_usage(cert));
	escctl_json_add_string(b, "sha256-fingerprint", esc_certificate_get_sha256_fingerprint(cert));
	escctl_json_add_string(b, "sha1-fingerprint", esc_certificate_get_sha1_fingerprint(cert));
	if (pem) {
		g_autofree gchar *text = esc_certificate_get_pem(cert);
		escctl_json_add_string(b, "pem", text);
	}
	json_builder_end_object(b);
}

static void
escctl_json_add_certificates(JsonBuilder *b, GPtrArray *certs, gboolean pem)
{
	json_builder_set_member_name(b, "certificates");
	json_builder_begin_array(b);
	for (guint i = 0; i < certs->len; i++)
		escctl_json_add_certificate(b, g_ptr_array_index(certs, i), pem);
	json_builder_end_array(b);
}

/* The members describing a probed token (into the open object). */
static void
escctl_json_add_token(JsonBuilder *b, EscToken *token)
{
	EscTokenInfo *info = esc_token_get_info(token);
	g_autofree gchar *atr = escctl_bytes_hex(esc_token_get_atr(token));
	EscTokenStatus status = esc_token_get_status(token);

	escctl_json_add_string(b, "reader", esc_token_get_reader(token));
	escctl_json_add_string(b, "atr", atr);
	escctl_json_add_string(b, "status", esc_token_status_to_string(status));
	escctl_json_add_string(b, "status-label", esc_token_status_to_label(status));
	escctl_json_add_string(b, "probe-error", esc_token_get_error(token));
	if (info == NULL)
		return;
	escctl_json_add_string(b, "cuid", esc_token_info_get_cuid(info));
	escctl_json_add_string(b, "msn", esc_token_info_get_msn(info));
	escctl_json_add_string(b, "applet-version", esc_token_info_get_applet_version(info));
	escctl_json_add_string(b, "protocol-version", esc_token_info_get_protocol_version(info));
	if (esc_token_info_get_life_cycle(info) != 0xF0)
		escctl_json_add_int(b, "life-cycle", esc_token_info_get_life_cycle(info));
	escctl_json_add_string(b, "issuer-url", esc_token_info_get_issuer_url(info));
	escctl_json_add_string(b, "token-name", esc_token_info_get_token_name(info));
	escctl_json_add_int(b, "certificate-count", esc_token_info_get_certificates(info)->len);
}

static void
escctl_json_add_issuer(JsonBuilder *b, EscIssuerInfo *issuer)
{
	g_auto(GStrv) names = esc_issuer_info_dup_service_names(issuer);

	json_builder_set_member_name(b, "issuer");
	json_builder_begin_object(b);
	escctl_json_add_string(b, "name", esc_issuer_info_get_issuer_name(issuer));
	escctl_json_add_string(b, "phone-home-url", esc_issuer_info_get_phone_home_url(issuer));
	escctl_json_add_string(b, "operation-url", esc_issuer_info_get_operation_url(issuer));
	escctl_json_add_string(b, "token-type", esc_issuer_info_get_token_type(issuer));
	json_builder_set_member_name(b, "services");
	json_builder_begin_object(b);
	for (guint i = 0; names != NULL && names[i] != NULL; i++)
		escctl_json_add_string(b, names[i], esc_issuer_info_get_service(issuer, names[i]));
	json_builder_end_object(b);
	json_builder_end_object(b);
}

/* "Enrolled; CUID …, applet 1.4, 2 certificates" */
static gchar *
escctl_token_summary(EscToken *token)
{
	EscTokenInfo *info = esc_token_get_info(token);
	g_autoptr(GString) text = g_string_new(esc_token_status_to_label(esc_token_get_status(token)));
	g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(g_free);

	if (esc_token_get_error(token) != NULL)
		g_string_append_printf(text, ": %s", esc_token_get_error(token));
	if (info != NULL) {
		guint n = esc_token_info_get_certificates(info)->len;

		if (esc_token_info_get_cuid(info) != NULL)
			g_ptr_array_add(parts, g_strdup_printf(_("CUID %s"), esc_token_info_get_cuid(info)));
		if (esc_token_info_get_applet_version(info) != NULL)
			g_ptr_array_add(parts, g_strdup_printf(_("applet %s"), esc_token_info_get_applet_version(info)));
		if (n > 0)
			g_ptr_array_add(parts, g_strdup_printf(ngettext("%u certificate", "%u certificates", n), n));
	}
	for (guint i = 0; i < parts->len; i++)
		g_string_append_printf(text, "%s%s", i > 0 ? ", " : "; ", (const gchar *)g_ptr_array_index(parts, i));
	return g_string_free(g_steal_pointer(&text), FALSE);
}

static void
escctl_print_field(const gchar *label, const gchar *value)
{
	if (value != NULL)
		g_print("  %-18s %s\n", label, value);
}

static void
escctl_print_certificate(guint index, EscCertificate *cert)
{
	g_autofree gchar *not_before = escctl_format_time(esc_certificate_get_not_before(cert));
	g_autofree gchar *not_after = escctl_format_time(esc_certificate_get_not_after(cert));
	/* TRANSLATORS: "from <time> to <time>" */
	g_autofree gchar *validity = g_strdup_printf(_("%s to %s (%s)"), not_before != NULL ? not_before : "?",
						     not_after != NULL ? not_after : "?",
						     esc_certificate_is_valid_now(cert) ? _("valid now") : _("not valid now"));
	const gchar *usage = esc_certificate_get_key_usage(cert);

	g_print(_("Certificate %u: %s\n"), index, esc_certificate_get_label(cert) != NULL ? esc_certificate_get_label(cert) : "");
	escctl_print_field(_("Subject:"), esc_certificate_get_subject(cert));
	escctl_print_field(_("Issuer:"), esc_certificate_get_issuer(cert));
	escctl_print_field(_("Serial:"), esc_certificate_get_serial(cert));
	escctl_print_field(_("Valid:"), validity);
	escctl_print_field(_("Key:"), esc_certificate_get_key_description(cert));
	escctl_print_field(_("Key usage:"), usage != NULL && usage[0] != '\0' ? usage : NULL);
	escctl_print_field(_("SHA-256:"), esc_certificate_get_sha256_fingerprint(cert));
}

/* ---- list ----------------------------------------------------------------------------- */

gboolean
escctl_cmd_list(Escctl *self, GError **error)
{
	g_autoptr(GPtrArray) readers = escctl_snapshot_readers(error);
	JsonBuilder *b = self->json_builder;

	if (readers == NULL)
		return FALSE;
	if (b != NULL) {
		json_builder_set_member_name(b, "readers");
		json_builder_begin_array(b);
	}
	if (readers->len == 0)
		escctl_say(self, "%s\n", _("No smart card reader was found."));
	for (guint i = 0; i < readers->len; i++) {
		EscctlReader *r = g_ptr_array_index(readers, i);
		g_autoptr(EscToken) token = NULL;
		g_autoptr(GError) local = NULL;
		g_autofree gchar *summary = NULL;

		if (r->atr != NULL) {
			token = escctl_open_token(self, r->name, r->atr, &local);
			if (g_cancellable_is_cancelled(self->cancellable)) {
				g_propagate_error(error, g_steal_pointer(&local));
				if (b != NULL)
					json_builder_end_array(b);
				return FALSE;
			}
		}
		if (b != NULL) {
			json_builder_begin_object(b);
			if (token != NULL) {
				escctl_json_add_bool(b, "card-present", TRUE);
				escctl_json_add_token(b, token);
			} else {
				g_autofree gchar *atr = escctl_bytes_hex(r->atr);
				escctl_json_add_string(b, "reader", r->name);
				escctl_json_add_bool(b, "card-present", r->atr != NULL);
				escctl_json_add_string(b, "atr", atr);
				if (local != NULL) {
					escctl_json_add_string(b, "status", esc_token_status_to_string(ESC_TOKEN_STATUS_ERROR));
					escctl_json_add_string(b, "probe-error", local->message);
				}
			}
			json_builder_end_object(b);
			continue;
		}
		if (r->atr == NULL)
			summary = g_strdup(_("no card"));
		else if (token != NULL)
			summary = escctl_token_summary(token);
		else
			summary = g_strdup(local->message);
		g_print("%s: %s\n", r->name, summary);
	}
	if (b != NULL)
		json_builder_end_array(b);
	return TRUE;
}

/* ---- info ----------------------------------------------------------------------------- */

gboolean
escctl_cmd_info(Escctl *self, GError **error)
{
	g_autoptr(GBytes) atr = NULL;
	g_autofree gchar *reader = escctl_select_reader(self, &atr, error);
	g_autoptr(EscToken) token = NULL;
	g_autoptr(EscIssuerInfo) issuer = NULL;
	g_autoptr(GError) phone_error = NULL;
	g_autofree gchar *atr_hex = NULL;
	EscTokenInfo *info;
	JsonBuilder *b = self->json_builder;

	if (reader == NULL)
		return FALSE;
	token = escctl_open_token(self, reader, atr, error);
	if (token == NULL)
		return FALSE;
	info = esc_token_get_info(token);
	issuer = escctl_phone_home(self, token, &phone_error);
	if (phone_error != NULL && g_cancellable_is_cancelled(self->cancellable)) {
		g_propagate_error(error, g_steal_pointer(&phone_error));
		return FALSE;
	}
	if (b != NULL) {
		escctl_json_add_token(b, token);
		if (issuer != NULL)
			escctl_json_add_issuer(b, issuer);
		if (phone_error != NULL) {
			json_builder_set_member_name(b, "phone-home-error");
			json_builder_begin_object(b);
			escctl_json_add_string(b, "kind", escctl_error_kind(phone_error));
			escctl_json_add_string(b, "message", phone_error->message);
			json_builder_end_object(b);
		}
		if (info != NULL)
			escctl_json_add_certificates(b, esc_token_info_get_certificates(info), FALSE);
		return TRUE;
	}
	atr_hex = escctl_bytes_hex(esc_token_get_atr(token));
	g_print(_("Token in %s\n"), reader);
	escctl_print_field(_("Status:"), esc_token_status_to_label(esc_token_get_status(token)));
	escctl_print_field(_("ATR:"), atr_hex);
	if (info != NULL) {
		g_autofree gchar *life_cycle = NULL;
		g_autofree gchar *n_certs = g_strdup_printf("%u", esc_token_info_get_certificates(info)->len);

		if (esc_token_info_get_life_cycle(info) != 0xF0)
			life_cycle = g_strdup_printf("0x%02X", esc_token_info_get_life_cycle(info));
		escctl_print_field(_("CUID:"), esc_token_info_get_cuid(info));
		escctl_print_field(_("MSN:"), esc_token_info_get_msn(info));
		escctl_print_field(_("Applet:"), esc_token_info_get_applet_version(info));
		escctl_print_field(_("Life cycle:"), life_cycle);
		escctl_print_field(_("Token name:"), esc_token_info_get_token_name(info));
		escctl_print_field(_("Certificates:"), n_certs);
		escctl_print_field(_("Phone-home URL:"), esc_token_info_get_issuer_url(info));
	}
	if (issuer != NULL) {
		escctl_print_field(_("Issuer:"), esc_issuer_info_get_issuer_name(issuer));
		escctl_print_field(_("Operation URL:"), esc_issuer_info_get_operation_url(issuer));
		escctl_print_field(_("Token type:"), esc_issuer_info_get_token_type(issuer));
	} else if (phone_error != NULL) {
		escctl_print_field(_("Issuer:"), phone_error->message);
	} else {
		escctl_print_field(_("Issuer:"), _("unknown (no phone-home URL; see --phone-home)"));
	}
	return TRUE;
}

/* ---- certs ---------------------------------------------------------------------------- */

gboolean
escctl_cmd_certs(Escctl *self, GError **error)
{
	g_autoptr(GBytes) atr = NULL;
	g_autofree gchar *reader = escctl_select_reader(self, &atr, error);
	g_autoptr(EscToken) token = NULL;
	EscTokenInfo *info;
	GPtrArray *certs;

	if (reader == NULL)
		return FALSE;
	token = escctl_open_token(self, reader, atr, error);
	if (token == NULL)
		return FALSE;
	info = esc_token_get_info(token);
	if (info == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("The token in “%s” could not be read."), reader);
		return FALSE;
	}
	certs = esc_token_info_get_certificates(info);
	if (self->json_builder != NULL) {
		escctl_json_add_string(self->json_builder, "reader", reader);
		escctl_json_add_string(self->json_builder, "cuid", esc_token_info_get_cuid(info));
		escctl_json_add_certificates(self->json_builder, certs, self->pem);
		return TRUE;
	}
	if (certs->len == 0) {
		g_print(_("The token in %s holds no certificates (%s).\n"), reader,
			esc_token_status_to_label(esc_token_get_status(token)));
		return TRUE;
	}
	for (guint i = 0; i < certs->len; i++) {
		EscCertificate *cert = g_ptr_array_index(certs, i);

		if (self->pem) {
			g_autofree gchar *pem = esc_certificate_get_pem(cert);
			g_print("%s", pem);
		} else {
			if (i > 0)
				g_print("\n");
			escctl_print_certificate(i + 1, cert);
		}
	}
	return TRUE;
}

/* ---- diagnose ------------------------------------------------------------------------- */

typedef struct {
	GHashTable *pending; /* readers with a card whose token is not probed yet */
	GHashTable *missing; /* readers of the snapshot the monitor has not announced yet */
	gboolean timed_out;
	gboolean service_down;
} EscctlSettle;

static void
escctl_settle_on_probed(EscTokenList *list, EscToken *token, gpointer user_data)
{
	EscctlSettle *st = user_data;

	g_hash_table_remove(st->pending, esc_token_get_reader(token));
}

static void
escctl_settle_on_reader(EscReaderMonitor *monitor, const gchar *reader, gpointer user_data)
{
	EscctlSettle *st = user_data;

	g_hash_table_remove(st->missing, reader);
}

static void
escctl_settle_on_service(EscTokenList *list, gboolean available, gpointer user_data)
{
	EscctlSettle *st = user_data;

	st->service_down = !available;
}

static gboolean
escctl_settle_on_timeout(gpointer user_data)
{
	EscctlSettle *st = user_data;

	st->timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

gboolean
escctl_cmd_diagnose(Escctl *self, GError **error)
{
	g_autoptr(GError) snapshot_error = NULL;
	g_autoptr(GPtrArray) readers = escctl_snapshot_readers(&snapshot_error);
	g_autoptr(EscTokenList) list = esc_token_list_new();
	g_autoptr(GHashTable) pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) missing = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) phone_errors = g_ptr_array_new_with_free_func(g_free);
	EscctlSettle st = {.pending = pending, .missing = missing};
	guint timeout_id;
	guint n_items;

	for (guint i = 0; readers != NULL && i < readers->len; i++) {
		EscctlReader *r = g_ptr_array_index(readers, i);
		g_hash_table_add(missing, g_strdup(r->name));
		if (r->atr != NULL)
			g_hash_table_add(pending, g_strdup(r->name));
	}
	g_signal_connect(list, "token-probed", G_CALLBACK(escctl_settle_on_probed), &st);
	g_signal_connect(list, "service-changed", G_CALLBACK(escctl_settle_on_service), &st);
	g_signal_connect(esc_token_list_get_monitor(list), "reader-added", G_CALLBACK(escctl_settle_on_reader), &st);
	if (!esc_token_list_start(list, error))
		return FALSE;
	/* until every reader and card of the snapshot was seen and probed (a guard timer ends the
	 * wait if a card left in between) */
	timeout_id = g_timeout_add_seconds(ESCCTL_DIAGNOSE_SETTLE_S, escctl_settle_on_timeout, &st);
	while ((g_hash_table_size(pending) > 0 || g_hash_table_size(missing) > 0) && !st.timed_out && !st.service_down &&
	       !g_cancellable_is_cancelled(self->cancellable))
		g_main_context_iteration(NULL, TRUE);
	if (!st.timed_out)
		g_source_remove(timeout_id);
	g_signal_handlers_disconnect_by_data(list, &st);
	g_signal_handlers_disconnect_by_data(esc_token_list_get_monitor(list), &st);
	if (g_cancellable_set_error_if_cancelled(self->cancellable, error))
		return FALSE;

	/* phone home for each token, as the GUI would */
	n_items = g_list_model_get_n_items(G_LIST_MODEL(list));
	for (guint i = 0; i < n_items; i++) {
		g_autoptr(EscToken) token = g_list_model_get_item(G_LIST_MODEL(list), i);
		g_autoptr(GError) local = NULL;

		g_autoptr(EscIssuerInfo) issuer = escctl_phone_home(self, token, &local);

		if (issuer != NULL)
			esc_token_set_issuer(token, issuer);
		else if (local != NULL)
			g_ptr_array_add(phone_errors, g_strdup_printf("%s: %s", esc_token_get_reader(token), local->message));
		if (g_cancellable_set_error_if_cancelled(self->cancellable, error))
			return FALSE;
	}

	if (self->json_builder != NULL) {
		g_autofree gchar *text = esc_diagnostics_report_json(list, NULL);
		g_autoptr(JsonParser) parser = json_parser_new();
		g_autoptr(GError) parse_error = NULL;

		if (!json_parser_load_from_data(parser, text, -1, &parse_error)) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_FAILED, "the diagnostics report is not valid JSON: %s", parse_error->message);
			return FALSE;
		}
		json_builder_set_member_name(self->json_builder, "report");
		json_builder_add_value(self->json_builder, json_node_copy(json_parser_get_root(parser)));
		if (snapshot_error != NULL)
			escctl_json_add_string(self->json_builder, "pcsc-error", snapshot_error->message);
		json_builder_set_member_name(self->json_builder, "phone-home-errors");
		json_builder_begin_array(self->json_builder);
		for (guint i = 0; i < phone_errors->len; i++)
			json_builder_add_string_value(self->json_builder, g_ptr_array_index(phone_errors, i));
		json_builder_end_array(self->json_builder);
		escctl_json_add_bool(self->json_builder, "settled", !st.timed_out);
		return TRUE;
	} else {
		g_autofree gchar *text = esc_diagnostics_report(list, NULL);

		g_print("%s", text);
		if (!g_str_has_suffix(text, "\n"))
			g_print("\n");
		if (snapshot_error != NULL)
			g_print("PC/SC: %s\n", snapshot_error->message);
		for (guint i = 0; i < phone_errors->len; i++)
			g_print("Phone home failed: %s\n", (const gchar *)g_ptr_array_index(phone_errors, i));
		if (st.timed_out)
			g_print("(not every reader or card was seen within %d s)\n", ESCCTL_DIAGNOSE_SETTLE_S);
	}
	return TRUE;
}

/* ---- monitor -------------------------------------------------------------------------- */

/* One event: a line with the time, or one compact JSON object per line. */
static void
escctl_monitor_event(Escctl *self, const gchar *event, const gchar *reader, const gchar *detail, EscToken *token)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree gchar *stamp = g_date_time_format(now, "%H:%M:%S");

	if (self->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonGenerator) gen = json_generator_new();
		g_autoptr(JsonNode) root = NULL;
		g_autofree gchar *iso = g_date_time_format_iso8601(now);
		g_autofree gchar *text = NULL;

		json_builder_begin_object(b);
		escctl_json_add_string(b, "event", event);
		escctl_json_add_string(b, "time", iso);
		if (token != NULL)
			escctl_json_add_token(b, token);
		else
			escctl_json_add_string(b, "reader", reader);
		escctl_json_add_string(b, "detail", detail);
		json_builder_end_object(b);
		root = json_builder_get_root(b);
		json_generator_set_root(gen, root);
		text = json_generator_to_data(gen, NULL);
		g_print("%s\n", text);
	} else if (reader != NULL) {
		g_print("%s %s: %s%s%s\n", stamp, reader, event, detail != NULL ? " " : "", detail != NULL ? detail : "");
	} else {
		g_print("%s %s%s%s\n", stamp, event, detail != NULL ? " " : "", detail != NULL ? detail : "");
	}
	fflush(stdout);
}

static void
escctl_monitor_on_reader_added(EscReaderMonitor *monitor, const gchar *reader, gpointer user_data)
{
	escctl_monitor_event(user_data, "reader-added", reader, NULL, NULL);
}

static void
escctl_monitor_on_reader_removed(EscReaderMonitor *monitor, const gchar *reader, gpointer user_data)
{
	escctl_monitor_event(user_data, "reader-removed", reader, NULL, NULL);
}

static void
escctl_monitor_on_card_inserted(EscReaderMonitor *monitor, const gchar *reader, GBytes *atr, gpointer user_data)
{
	g_autofree gchar *hex = escctl_bytes_hex(atr);
	g_autofree gchar *detail = g_strdup_printf("ATR %s", hex != NULL ? hex : "?");

	escctl_monitor_event(user_data, "card-inserted", reader, detail, NULL);
}

static void
escctl_monitor_on_card_removed(EscReaderMonitor *monitor, const gchar *reader, gpointer user_data)
{
	escctl_monitor_event(user_data, "card-removed", reader, NULL, NULL);
}

static void
escctl_monitor_on_service(EscTokenList *list, gboolean available, gpointer user_data)
{
	escctl_monitor_event(user_data, available ? "service-available" : "service-unavailable", NULL,
			     available ? NULL : _("(pcscd is not running; waiting for it)"), NULL);
}

static void
escctl_monitor_on_probed(EscTokenList *list, EscToken *token, gpointer user_data)
{
	g_autofree gchar *summary = escctl_token_summary(token);

	escctl_monitor_event(user_data, "token-probed", esc_token_get_reader(token), summary, token);
}

gboolean
escctl_cmd_monitor(Escctl *self, GError **error)
{
	g_autoptr(EscTokenList) list = esc_token_list_new();
	EscReaderMonitor *monitor = esc_token_list_get_monitor(list);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);

	g_signal_connect(monitor, "reader-added", G_CALLBACK(escctl_monitor_on_reader_added), self);
	g_signal_connect(monitor, "reader-removed", G_CALLBACK(escctl_monitor_on_reader_removed), self);
	g_signal_connect(monitor, "card-inserted", G_CALLBACK(escctl_monitor_on_card_inserted), self);
	g_signal_connect(monitor, "card-removed", G_CALLBACK(escctl_monitor_on_card_removed), self);
	g_signal_connect(list, "service-changed", G_CALLBACK(escctl_monitor_on_service), self);
	g_signal_connect(list, "token-probed", G_CALLBACK(escctl_monitor_on_probed), self);
	if (!esc_token_list_start(list, error))
		return FALSE;
	if (!self->json)
		g_printerr("%s\n", _("Watching the smart card readers; press Ctrl-C to stop."));
	self->monitor_loop = loop;
	g_main_loop_run(loop);
	self->monitor_loop = NULL;
	g_signal_handlers_disconnect_by_data(monitor, self);
	g_signal_handlers_disconnect_by_data(list, self);
	esc_reader_monitor_stop(monitor);
	/* the final summary object of --json would break the one-object-per-line stream */
	g_clear_object(&self->json_builder);
	return TRUE;
}
