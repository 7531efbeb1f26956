/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-diagnostics.h"

#include <openssl/crypto.h>
#include <PCSC/pcsclite.h>
#include <string.h>

#include "esc-certificate.h"
#include "esc-token-probe.h"
#include "esc-token.h"
#include "esc-tps-connection.h"
#include "tok-bytes.h"

/* The report is for support staff and bug reports: it stays in English on purpose. */

/* ESC_PCSCLITE_VERSION: pkg-config's version of libpcsclite, given by the build; else the
 * version of the pcsc-lite headers compiled against. */
#if defined(ESC_PCSCLITE_VERSION)
#define ESC_DIAGNOSTICS_PCSCLITE_VERSION ESC_PCSCLITE_VERSION
#elif defined(PCSCLITE_VERSION_NUMBER)
#define ESC_DIAGNOSTICS_PCSCLITE_VERSION PCSCLITE_VERSION_NUMBER
#else
#define ESC_DIAGNOSTICS_PCSCLITE_VERSION "unknown"
#endif

/* ---- a tiny JSON writer --------------------------------------------------------------- */

typedef struct {
	GString *out;
	gboolean need_comma;
} EscJson;

static void
esc_json_string(GString *out, const gchar *raw)
{
	g_autofree gchar *valid = NULL;
	const gchar *text = raw;

	if (raw == NULL) {
		g_string_append(out, "null");
		return;
	}
	if (!g_utf8_validate(raw, -1, NULL)) {
		valid = g_utf8_make_valid(raw, -1);
		text = valid;
	}
	g_string_append_c(out, '"');
	for (const guchar *p = (const guchar *)text; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\r':
			g_string_append(out, "\\r");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		default:
			if (*p < 0x20)
				g_string_append_printf(out, "\\u%04x", *p);
			else
				g_string_append_c(out, (gchar)*p);
		}
	}
	g_string_append_c(out, '"');
}

static void
esc_json_sep(EscJson *j)
{
	if (j->need_comma)
		g_string_append_c(j->out, ',');
	j->need_comma = FALSE;
}

static void
esc_json_key(EscJson *j, const gchar *key)
{
	esc_json_sep(j);
	if (key != NULL) {
		esc_json_string(j->out, key);
		g_string_append_c(j->out, ':');
	}
}

static void
esc_json_open(EscJson *j, const gchar *key, gchar bracket)
{
	esc_json_key(j, key);
	g_string_append_c(j->out, bracket);
	j->need_comma = FALSE;
}

static void
esc_json_close(EscJson *j, gchar bracket)
{
	g_string_append_c(j->out, bracket);
	j->need_comma = TRUE;
}

static void
esc_json_str(EscJson *j, const gchar *key, const gchar *value)
{
	esc_json_key(j, key);
	esc_json_string(j->out, value);
	j->need_comma = TRUE;
}

static void
esc_json_int(EscJson *j, const gchar *key, gint64 value)
{
	esc_json_key(j, key);
	g_string_append_printf(j->out, "%" G_GINT64_FORMAT, value);
	j->need_comma = TRUE;
}

static void
esc_json_bool(EscJson *j, const gchar *key, gboolean value)
{
	esc_json_key(j, key);
	g_string_append(j->out, value ? "true" : "false");
	j->need_comma = TRUE;
}

/* ---- the facts ------------------------------------------------------------------------ */

static gchar *
esc_diagnostics_glib_version(void)
{
	return g_strdup_printf("%u.%u.%u (built with %d.%d.%d)",
			       glib_major_version,
			       glib_minor_version,
			       glib_micro_version,
			       GLIB_MAJOR_VERSION,
			       GLIB_MINOR_VERSION,
			       GLIB_MICRO_VERSION);
}

static gchar *
esc_diagnostics_time(GDateTime *t)
{
	return t != NULL ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

static gchar *
esc_diagnostics_hex(GBytes *bytes)
{
	return bytes != NULL ? tok_hex_encode_bytes(bytes, TRUE) : NULL;
}

static EscReaderMonitor *
esc_diagnostics_monitor(EscTokenList *list)
{
	return list != NULL ? esc_token_list_get_monitor(list) : NULL;
}

/* ---- text ----------------------------------------------------------------------------- */

static void
esc_diagnostics_text_certificate(GString *out, EscCertificate *cert)
{
	g_autofree gchar *from = esc_diagnostics_time(esc_certificate_get_not_before(cert));
	g_autofree gchar *to = esc_diagnostics_time(esc_certificate_get_not_after(cert));

	g_string_append_printf(out, "      - %s\n", esc_certificate_get_subject(cert));
	g_string_append_printf(out, "        issuer: %s\n", esc_certificate_get_issuer(cert));
	g_string_append_printf(out, "        serial: %s\n", esc_certificate_get_serial(cert));
	g_string_append_printf(out,
			       "        valid: %s to %s%s\n",
			       from != NULL ? from : "?",
			       to != NULL ? to : "?",
			       esc_certificate_is_valid_now(cert) ? "" : " (not valid now)");
}

static void
esc_diagnostics_text_token(GString *out, EscToken *token)
{
	EscTokenInfo *info = esc_token_get_info(token);
	EscIssuerInfo *issuer = esc_token_get_issuer(token);

	g_string_append_printf(out, "  %s\n", esc_token_get_reader(token));
	g_string_append_printf(out, "    status: %s%s%s\n",
			       esc_token_status_to_string(esc_token_get_status(token)),
			       esc_token_get_busy(token) ? " (busy)" : "",
			       esc_token_get_present(token) ? "" : " (removed)");
	if (esc_token_get_error(token) != NULL)
		g_string_append_printf(out, "    error: %s\n", esc_token_get_error(token));
	if (info != NULL) {
		GPtrArray *certs = esc_token_info_get_certificates(info);
		g_autofree gchar *card_url = esc_tps_connection_redact_url(esc_token_info_get_issuer_url(info));

		g_string_append_printf(out, "    CUID: %s\n", esc_token_info_get_cuid(info) != NULL ? esc_token_info_get_cuid(info) : "-");
		g_string_append_printf(out, "    MSN: %s\n", esc_token_info_get_msn(info) != NULL ? esc_token_info_get_msn(info) : "-");
		g_string_append_printf(out,
				       "    applet: %s\n",
				       esc_token_info_get_applet_version(info) != NULL ? esc_token_info_get_applet_version(info) : "none");
		g_string_append_printf(out, "    life cycle: 0x%02X\n", esc_token_info_get_life_cycle(info));
		g_string_append_printf(out, "    issuer URL (card): %s\n", card_url != NULL ? card_url : "-");
		g_string_append_printf(out, "    certificates: %u\n", certs != NULL ? certs->len : 0);
		for (guint i = 0; certs != NULL && i < certs->len; i++)
			esc_diagnostics_text_certificate(out, g_ptr_array_index(certs, i));
	}
	if (issuer != NULL) {
		g_autofree gchar *op = esc_tps_connection_redact_url(esc_issuer_info_get_operation_url(issuer));
		const gchar *type = esc_issuer_info_get_token_type(issuer);
		g_autofree gchar *url = esc_tps_connection_redact_url(esc_issuer_info_get_phone_home_url(issuer));

		g_string_append_printf(out, "    issuer: %s\n", esc_issuer_info_get_issuer_name(issuer));
		g_string_append_printf(out, "    phone home: %s\n", url != NULL ? url : "-");
		g_string_append_printf(out, "    operation URL: %s\n", op != NULL ? op : "-");
		g_string_append_printf(out, "    token type: %s\n", type != NULL ? type : "-");
	}
}

gchar *
esc_diagnostics_report(EscTokenList *list, EscOperation *last_op)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree gchar *when = esc_diagnostics_time(now);
	g_autofree gchar *glib = esc_diagnostics_glib_version();
	EscReaderMonitor *monitor = esc_diagnostics_monitor(list);

	g_string_append_printf(out, "%s %s diagnostics, %s\n\n", PACKAGE_NAME, PACKAGE_VERSION, when);
	g_string_append(out, "Libraries:\n");
	g_string_append_printf(out, "  GLib %s\n", glib);
	g_string_append_printf(out, "  %s\n", OpenSSL_version(OPENSSL_VERSION));
	g_string_append_printf(out, "  pcsc-lite %s\n\n", ESC_DIAGNOSTICS_PCSCLITE_VERSION);
	if (monitor != NULL) {
		g_auto(GStrv) readers = esc_reader_monitor_get_readers(monitor);

		g_string_append_printf(out,
				       "PC/SC service: %s\n",
				       esc_reader_monitor_get_service_available(monitor) ? "available" : "not available");
		g_string_append_printf(out, "Readers: %u\n", readers != NULL ? g_strv_length(readers) : 0);
		for (guint i = 0; readers != NULL && readers[i] != NULL; i++) {
			g_autoptr(GBytes) atr = esc_reader_monitor_get_atr(monitor, readers[i]);
			g_autofree gchar *hex = esc_diagnostics_hex(atr);
			g_string_append_printf(out, "  %s: %s%s\n", readers[i], hex != NULL ? "card, ATR " : "empty", hex != NULL ? hex : "");
		}
		g_string_append_c(out, '\n');
	} else {
		g_string_append(out, "PC/SC service: not monitored\n\n");
	}
	if (list != NULL) {
		guint n = g_list_model_get_n_items(G_LIST_MODEL(list));

		g_string_append_printf(out, "Tokens: %u\n", n);
		for (guint i = 0; i < n; i++) {
			g_autoptr(EscToken) token = g_list_model_get_item(G_LIST_MODEL(list), i);
			esc_diagnostics_text_token(out, token);
		}
		g_string_append_c(out, '\n');
	}
	if (last_op != NULL) {
		g_autofree gchar *transcript = esc_operation_get_transcript_text(last_op);
		g_autofree gchar *url = esc_tps_connection_redact_url(esc_operation_get_url(last_op));

		g_string_append_printf(out,
				       "Last operation: %s, URL %s, result %d, status %d, %u APDUs\n",
				       esc_operation_kind_to_string(esc_operation_get_kind(last_op)),
				       url != NULL ? url : "-",
				       esc_operation_get_result(last_op),
				       (gint)esc_operation_get_status(last_op),
				       esc_operation_get_apdu_count(last_op));
		if (transcript[0] != '\0') {
			g_auto(GStrv) lines = g_strsplit(transcript, "\n", -1);
			for (guint i = 0; lines[i] != NULL; i++)
				g_string_append_printf(out, "  %s\n", lines[i]);
		}
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* ---- JSON ----------------------------------------------------------------------------- */

static void
esc_diagnostics_json_token(EscJson *j, EscToken *token)
{
	EscTokenInfo *info = esc_token_get_info(token);
	EscIssuerInfo *issuer = esc_token_get_issuer(token);

	esc_json_open(j, NULL, '{');
	esc_json_str(j, "reader", esc_token_get_reader(token));
	esc_json_str(j, "status", esc_token_status_to_string(esc_token_get_status(token)));
	esc_json_bool(j, "busy", esc_token_get_busy(token));
	esc_json_bool(j, "present", esc_token_get_present(token));
	esc_json_str(j, "error", esc_token_get_error(token));
	if (info != NULL) {
		GPtrArray *certs = esc_token_info_get_certificates(info);
		g_autofree gchar *card_url = esc_tps_connection_redact_url(esc_token_info_get_issuer_url(info));

		esc_json_str(j, "cuid", esc_token_info_get_cuid(info));
		esc_json_str(j, "msn", esc_token_info_get_msn(info));
		esc_json_str(j, "applet_version", esc_token_info_get_applet_version(info));
		esc_json_int(j, "life_cycle", esc_token_info_get_life_cycle(info));
		esc_json_str(j, "issuer_url", card_url);
		esc_json_open(j, "certificates", '[');
		for (guint i = 0; certs != NULL && i < certs->len; i++) {
			EscCertificate *cert = g_ptr_array_index(certs, i);
			g_autofree gchar *from = esc_diagnostics_time(esc_certificate_get_not_before(cert));
			g_autofree gchar *to = esc_diagnostics_time(esc_certificate_get_not_after(cert));

			esc_json_open(j, NULL, '{');
			esc_json_str(j, "subject", esc_certificate_get_subject(cert));
			esc_json_str(j, "issuer", esc_certificate_get_issuer(cert));
			esc_json_str(j, "serial", esc_certificate_get_serial(cert));
			esc_json_str(j, "not_before", from);
			esc_json_str(j, "not_after", to);
			esc_json_bool(j, "valid_now", esc_certificate_is_valid_now(cert));
			esc_json_close(j, '}');
		}
		esc_json_close(j, ']');
	}
	if (issuer != NULL) {
		g_autofree gchar *phone_home = esc_tps_connection_redact_url(esc_issuer_info_get_phone_home_url(issuer));
		g_autofree gchar *op = esc_tps_connection_redact_url(esc_issuer_info_get_operation_url(issuer));

		esc_json_open(j, "issuer", '{');
		esc_json_str(j, "name", esc_issuer_info_get_issuer_name(issuer));
		esc_json_str(j, "phone_home_url", phone_home);
		esc_json_str(j, "operation_url", op);
		esc_json_str(j, "token_type", esc_issuer_info_get_token_type(issuer));
		esc_json_close(j, '}');
	}
	esc_json_close(j, '}');
}

gchar *
esc_diagnostics_report_json(EscTokenList *list, EscOperation *last_op)
{
	EscJson j = {g_string_new(NULL), FALSE};
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree gchar *when = esc_diagnostics_time(now);
	g_autofree gchar *glib = esc_diagnostics_glib_version();
	EscReaderMonitor *monitor = esc_diagnostics_monitor(list);

	esc_json_open(&j, NULL, '{');
	esc_json_open(&j, "esc", '{');
	esc_json_str(&j, "version", PACKAGE_VERSION);
	esc_json_str(&j, "time", when);
	esc_json_close(&j, '}');
	esc_json_open(&j, "libraries", '{');
	esc_json_str(&j, "glib", glib);
	esc_json_str(&j, "openssl", OpenSSL_version(OPENSSL_VERSION));
	esc_json_str(&j, "pcsc-lite", ESC_DIAGNOSTICS_PCSCLITE_VERSION);
	esc_json_close(&j, '}');
	esc_json_open(&j, "pcsc", '{');
	esc_json_bool(&j, "monitored", monitor != NULL);
	esc_json_bool(&j, "service_available", monitor != NULL && esc_reader_monitor_get_service_available(monitor));
	esc_json_close(&j, '}');
	esc_json_open(&j, "readers", '[');
	if (monitor != NULL) {
		g_auto(GStrv) readers = esc_reader_monitor_get_readers(monitor);

		for (guint i = 0; readers != NULL && readers[i] != NULL; i++) {
			g_autoptr(GBytes) atr = esc_reader_monitor_get_atr(monitor, readers[i]);
			g_autofree gchar *hex = esc_diagnostics_hex(atr);

			esc_json_open(&j, NULL, '{');
			esc_json_str(&j, "name", readers[i]);
			esc_json_str(&j, "atr", hex);
			esc_json_close(&j, '}');
		}
	}
	esc_json_close(&j, ']');
	esc_json_open(&j, "tokens", '[');
	for (guint i = 0; list != NULL && i < g_list_model_get_n_items(G_LIST_MODEL(list)); i++) {
		g_autoptr(EscToken) token = g_list_model_get_item(G_LIST_MODEL(list), i);
		esc_diagnostics_json_token(&j, token);
	}
	esc_json_close(&j, ']');
	if (last_op != NULL) {
		g_autofree gchar *transcript = esc_operation_get_transcript_text(last_op);
		g_auto(GStrv) lines = g_strsplit(transcript, "\n", -1);
		g_autofree gchar *url = esc_tps_connection_redact_url(esc_operation_get_url(last_op));

		esc_json_open(&j, "last_operation", '{');
		esc_json_str(&j, "kind", esc_operation_kind_to_string(esc_operation_get_kind(last_op)));
		esc_json_str(&j, "url", url);
		esc_json_int(&j, "result", esc_operation_get_result(last_op));
		esc_json_int(&j, "status", (gint)esc_operation_get_status(last_op));
		esc_json_int(&j, "apdus", esc_operation_get_apdu_count(last_op));
		esc_json_open(&j, "transcript", '[');
		for (guint i = 0; lines[i] != NULL; i++) {
			if (lines[i][0] != '\0')
				esc_json_str(&j, NULL, lines[i]);
		}
		esc_json_close(&j, ']');
		esc_json_close(&j, '}');
	} else {
		esc_json_key(&j, "last_operation");
		g_string_append(j.out, "null");
		j.need_comma = TRUE;
	}
	esc_json_close(&j, '}');
	return g_string_free(j.out, FALSE);
}
