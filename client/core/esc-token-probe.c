/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-token-probe.h"

#include <glib/gi18n-lib.h>

#include "esc-certificate.h"
#include "esc-error.h"
#include "tok-apdu.h"
#include "tok-bytes.h"
#include "tok-coolkey-apdu.h"
#include "tok-coolkey-object.h"
#include "tok-cplc.h"
#include "tok-gp-apdu.h"
#include "tok-status-word.h"

struct _EscTokenInfo {
	gint ref_count;
	EscTokenStatus status;
	GBytes *atr;
	GBytes *cuid_bytes;
	gchar *cuid;
	gchar *msn;
	gchar *applet_version;
	gchar *protocol_version;
	guint8 life_cycle;
	gchar *issuer_url;
	gchar *token_name;
	GPtrArray *certificates;
};

G_DEFINE_BOXED_TYPE(EscTokenInfo, esc_token_info, esc_token_info_ref, esc_token_info_unref)

G_DEFINE_ENUM_TYPE(EscTokenStatus,
		   esc_token_status,
		   G_DEFINE_ENUM_VALUE(ESC_TOKEN_STATUS_UNKNOWN, "unknown"),
		   G_DEFINE_ENUM_VALUE(ESC_TOKEN_STATUS_UNSUPPORTED, "unsupported"),
		   G_DEFINE_ENUM_VALUE(ESC_TOKEN_STATUS_BLANK, "blank"),
		   G_DEFINE_ENUM_VALUE(ESC_TOKEN_STATUS_FORMATTED, "formatted"),
		   G_DEFINE_ENUM_VALUE(ESC_TOKEN_STATUS_ENROLLED, "enrolled"),
		   G_DEFINE_ENUM_VALUE(ESC_TOKEN_STATUS_ERROR, "error"))

static const gchar *const esc_token_status_names[] = {
    [ESC_TOKEN_STATUS_UNKNOWN] = "unknown",
    [ESC_TOKEN_STATUS_UNSUPPORTED] = "unsupported",
    [ESC_TOKEN_STATUS_BLANK] = "blank",
    [ESC_TOKEN_STATUS_FORMATTED] = "formatted",
    [ESC_TOKEN_STATUS_ENROLLED] = "enrolled",
    [ESC_TOKEN_STATUS_ERROR] = "error",
};

static const gchar *const esc_token_status_labels[] = {
    /* TRANSLATORS: token status, shown next to a smart card */
    [ESC_TOKEN_STATUS_UNKNOWN] = N_("Reading the card…"),
    /* TRANSLATORS: token status */
    [ESC_TOKEN_STATUS_UNSUPPORTED] = N_("Unsupported card"),
    /* TRANSLATORS: token status: the card has no CoolKey applet yet */
    [ESC_TOKEN_STATUS_BLANK] = N_("Blank (needs formatting)"),
    /* TRANSLATORS: token status: ready, but has no certificates */
    [ESC_TOKEN_STATUS_FORMATTED] = N_("Formatted (not enrolled)"),
    /* TRANSLATORS: token status */
    [ESC_TOKEN_STATUS_ENROLLED] = N_("Enrolled"),
    /* TRANSLATORS: token status */
    [ESC_TOKEN_STATUS_ERROR] = N_("The card cannot be read"),
};

const gchar *
esc_token_status_to_string(EscTokenStatus s)
{
	if ((guint)s >= G_N_ELEMENTS(esc_token_status_names))
		return "unknown";
	return esc_token_status_names[s];
}

const gchar *
esc_token_status_to_label(EscTokenStatus s)
{
	if ((guint)s >= G_N_ELEMENTS(esc_token_status_labels))
		s = ESC_TOKEN_STATUS_UNKNOWN;
	return _(esc_token_status_labels[s]);
}

EscTokenStatus
esc_token_probe_decide_status(gboolean gp_card, gboolean applet, guint8 life_cycle, gboolean z0_unreadable, guint n_certificates)
{
	gboolean personalised = life_cycle == TOK_COOLKEY_LIFECYCLE_PERSONALIZED || life_cycle == TOK_COOLKEY_LIFECYCLE_UNKNOWN;

	if (!applet)
		return gp_card ? ESC_TOKEN_STATUS_BLANK : ESC_TOKEN_STATUS_UNSUPPORTED;
	if ((n_certificates > 0 || z0_unreadable) && personalised)
		return ESC_TOKEN_STATUS_ENROLLED;
	return ESC_TOKEN_STATUS_FORMATTED;
}

/* ---- EscTokenInfo ------------------------------------------------------------------------- */

static EscTokenInfo *
esc_token_info_new(void)
{
	EscTokenInfo *info = g_new0(EscTokenInfo, 1);

	info->ref_count = 1;
	info->life_cycle = TOK_COOLKEY_LIFECYCLE_UNKNOWN;
	info->certificates = g_ptr_array_new_with_free_func(g_object_unref);
	return info;
}

EscTokenInfo *
esc_token_info_ref(EscTokenInfo *info)
{
	g_return_val_if_fail(info != NULL, NULL);
	g_atomic_int_inc(&info->ref_count);
	return info;
}

void
esc_token_info_unref(EscTokenInfo *info)
{
	if (info == NULL || !g_atomic_int_dec_and_test(&info->ref_count))
		return;
	g_clear_pointer(&info->atr, g_bytes_unref);
	g_clear_pointer(&info->cuid_bytes, g_bytes_unref);
	g_free(info->cuid);
	g_free(info->msn);
	g_free(info->applet_version);
	g_free(info->protocol_version);
	g_free(info->issuer_url);
	g_free(info->token_name);
	g_ptr_array_unref(info->certificates);
	g_free(info);
}

EscTokenStatus
esc_token_info_get_status(const EscTokenInfo *info)
{
	g_return_val_if_fail(info != NULL, ESC_TOKEN_STATUS_UNKNOWN);
	return info->status;
}

GBytes *
esc_token_info_get_atr(const EscTokenInfo *info)
{
	g_return_val_if_fail(info != NULL, NULL);
	return info->atr;
}

const gchar *
esc_token_info_get_cuid(const EscTokenInfo *info)
{
	g_return_val_if_fail(info != NULL, NULL);
	return info->cuid;
}

GBytes *
esc_token_info_get_cuid_bytes(const EscTokenInfo *info)
{
	g_return_val_if_fail(info != NULL, NULL);
	return info->cuid_bytes;
}

const gchar *
esc_token_info_get_msn(const EscTokenInfo *info)
{
	g_return_val_if_fail(info != NULL, NULL);
	return info->msn;
}

const gchar *
esc_token_info_get_applet_version(const EscTokenInfo *info)
{
	g_return_val_if_fail(info != NULL, NULL);
	return info->applet_version;
}

const gchar *
esc_token_info_get_protocol_version(const EscTokenInfo *info)
{
	g_return_val_if_fail(info != NULL, NULL);
	return info->protocol_version;
}

guint8
esc_token_info_get_life_cycle(const EscTokenInfo *info)
{
	g_return_val_if_fail(info != NULL, TOK_COOLKEY_LIFECYCLE_UNKNOWN);
	return info->life_cycle;
}

const gchar *
esc_token_info_get_issuer_url(const EscTokenInfo *info)
{
	g_return_val_if_fail(info != NULL, NULL);
	return info->issuer_url;
}

const gchar *
esc_token_info_get_token_name(const EscTokenInfo *info)
{
	g_return_val_if_fail(info != NULL, NULL);
	return info->token_name;
}

GPtrArray *
esc_token_info_get_certificates(const EscTokenInfo *info)
{
	g_return_val_if_fail(info != NULL, NULL);
	return info->certificates;
}

/* ---- the probe ---------------------------------------------------------------------------- */

typedef struct {
	EscCardTransmitFunc transmit;
	gpointer user_data;
} EscProbe;

/* Sends @apdu (short encoding; 61xx/6Cxx followed) and parses the answer. Transport failures
 * (removed card, pcscd gone, cancelled) keep their code. */
static TokApduResponse *
esc_probe_send(EscProbe *probe, TokApdu *apdu, const gchar *what, GError **error)
{
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(GBytes) reply = NULL;
	g_autoptr(GError) local = NULL;
	TokApduResponse *response;

	if (apdu == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_FAILED, _("%s: the command cannot be built"), what);
		return NULL;
	}
	raw = tok_apdu_encode(apdu, TOK_APDU_ENCODING_SHORT, &local);
	if (raw == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_FAILED, _("%s: %s"), what, local->message);
		return NULL;
	}
	reply = esc_card_transmit_full(probe->transmit, probe->user_data, raw, &local);
	if (reply == NULL) {
		esc_error_propagate_card(error, g_steal_pointer(&local), what);
		return NULL;
	}
	response = tok_apdu_response_parse_bytes(reply, &local);
	if (response == NULL)
		esc_error_propagate_card(error, g_steal_pointer(&local), what);
	return response;
}

static gboolean
esc_probe_read_cplc(EscProbe *probe, EscTokenInfo *info, GError **error)
{
	g_autoptr(TokApduResponse) response = NULL;
	g_autoptr(TokApdu) get_data = NULL;
	g_autoptr(TokCplc) cplc = NULL;
	g_autoptr(GError) local = NULL;
	gboolean selected = FALSE;
	GBytes *data;

	/* the card manager: the AIDs the TPS tries, then the default application */
	for (guint i = 0; i < TOK_GP_N_ISD_AIDS && !selected; i++) {
		g_autoptr(TokApdu) select = tok_gp_apdu_select(tok_gp_isd_aids[i]->bytes, tok_gp_isd_aids[i]->len, TRUE, NULL);

		g_clear_pointer(&response, tok_apdu_response_unref);
		response = esc_probe_send(probe, select, "SELECT card manager", error);
		if (response == NULL)
			return FALSE;
		selected = tok_apdu_response_get_sw(response) == TOK_SW_OK;
	}
	if (!selected) {
		g_autoptr(TokApdu) select = tok_gp_apdu_select_default();

		g_clear_pointer(&response, tok_apdu_response_unref);
		response = esc_probe_send(probe, select, "SELECT default application", error);
		if (response == NULL)
			return FALSE;
	}
	get_data = tok_gp_apdu_get_data(TOK_GP_TAG_CPLC, TOK_GP_GET_DATA_LE);
	g_clear_pointer(&response, tok_apdu_response_unref);
	response = esc_probe_send(probe, get_data, "GET DATA CPLC", error);
	if (response == NULL)
		return FALSE;
	if (tok_apdu_response_get_sw(response) != TOK_SW_OK) {
		g_debug("no CPLC: GET DATA 9F7F answered %04X", tok_apdu_response_get_sw(response));
		return TRUE;
	}
	data = tok_apdu_response_get_data(response);
	cplc = tok_cplc_parse(g_bytes_get_data(data, NULL), g_bytes_get_size(data), TOK_CPLC_PARSE_FLAG_ANY_HEADER, &local);
	if (cplc == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("the card's CPLC (GET DATA 9F7F) does not parse: %s"), local->message);
		return FALSE;
	}
	info->cuid_bytes = g_bytes_new(cplc->cuid, sizeof(cplc->cuid));
	info->cuid = tok_cplc_get_cuid_hex(cplc);
	info->msn = tok_cplc_get_msn_hex(cplc);
	return TRUE;
}

/* A command the applet must answer with 9000: the data, or ESC_ERROR_CARD. */
static GBytes *
esc_probe_command(EscProbe *probe, TokApdu *apdu, const gchar *what, GError **error)
{
	g_autoptr(TokApduResponse) response = esc_probe_send(probe, apdu, what, error);
	guint16 sw;

	if (response == NULL)
		return NULL;
	sw = tok_apdu_response_get_sw(response);
	if (sw != TOK_SW_OK) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("%s: the card answered %s (SW %04X)"), what, tok_status_word_describe(sw), sw);
		return NULL;
	}
	return g_bytes_ref(tok_apdu_response_get_data(response));
}

static gboolean
esc_probe_read_applet(EscProbe *probe, EscTokenInfo *info, GError **error)
{
	g_autoptr(TokApdu) get_status = tok_coolkey_apdu_get_status(TOK_COOLKEY_STATUS_GENERAL);
	g_autoptr(TokApdu) get_lifecycle4 = tok_coolkey_apdu_get_lifecycle(TRUE);
	g_autoptr(TokApdu) get_issuer = tok_coolkey_apdu_get_issuer_info();
	g_autoptr(TokApduResponse) response = NULL;
	g_autoptr(GBytes) data = NULL;
	g_autoptr(GError) local = NULL;
	TokCoolkeyStatus status = {0};
	TokCoolkeyLifecycle lifecycle = {0};

	data = esc_probe_command(probe, get_status, "GET STATUS", error);
	if (data == NULL)
		return FALSE;
	if (!tok_coolkey_parse_status(g_bytes_get_data(data, NULL), g_bytes_get_size(data), &status, &local)) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("GET STATUS: the answer does not parse: %s"), local->message);
		return FALSE;
	}
	info->applet_version = g_strdup_printf("%u.%u", status.applet_major, status.applet_minor);
	info->protocol_version = g_strdup_printf("%u.%u", status.protocol_major, status.protocol_minor);

	/* life cycle: the 4-byte form, else the 1-byte one, else unknown (as the TPS) */
	response = esc_probe_send(probe, get_lifecycle4, "GET LIFE CYCLE", error);
	if (response == NULL)
		return FALSE;
	if (tok_apdu_response_get_sw(response) != TOK_SW_OK) {
		g_autoptr(TokApdu) get_lifecycle1 = tok_coolkey_apdu_get_lifecycle(FALSE);

		g_clear_pointer(&response, tok_apdu_response_unref);
		response = esc_probe_send(probe, get_lifecycle1, "GET LIFE CYCLE", error);
		if (response == NULL)
			return FALSE;
	}
	if (tok_apdu_response_get_sw(response) == TOK_SW_OK) {
		GBytes *lc = tok_apdu_response_get_data(response);

		if (!tok_coolkey_parse_lifecycle(g_bytes_get_data(lc, NULL), g_bytes_get_size(lc), &lifecycle, &local)) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("GET LIFE CYCLE: the answer does not parse: %s"), local->message);
			return FALSE;
		}
		info->life_cycle = lifecycle.state;
	}

	/* the phone-home URL; an applet without the command has none */
	g_clear_pointer(&response, tok_apdu_response_unref);
	response = esc_probe_send(probe, get_issuer, "GET ISSUER INFO", error);
	if (response == NULL)
		return FALSE;
	if (tok_apdu_response_get_sw(response) == TOK_SW_OK) {
		GBytes *ii = tok_apdu_response_get_data(response);
		g_autofree gchar *url = tok_coolkey_parse_issuer_info(g_bytes_get_data(ii, NULL), g_bytes_get_size(ii), &local);

		if (url == NULL) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("GET ISSUER INFO: the answer does not parse: %s"), local->message);
			return FALSE;
		}
		if (url[0] != '\0')
			info->issuer_url = g_steal_pointer(&url);
	}
	return TRUE;
}

/* LIST OBJECTS: z0's entry if there is one. */
static gboolean
esc_probe_find_z0(EscProbe *probe, TokCoolkeyObjectInfo *z0, gboolean *found, GError **error)
{
	*found = FALSE;
	for (guint i = 0;; i++) {
		g_autoptr(TokApdu) list = tok_coolkey_apdu_list_objects(i == 0 ? TOK_COOLKEY_LIST_FIRST : TOK_COOLKEY_LIST_NEXT);
		g_autoptr(TokApduResponse) response = NULL;
		g_autoptr(GError) local = NULL;
		TokCoolkeyObjectInfo entry = {0};
		GBytes *data;
		guint16 sw;

		if (i > ESC_TOKEN_PROBE_MAX_OBJECTS) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("LIST OBJECTS: the card lists more than %u objects"),
				    ESC_TOKEN_PROBE_MAX_OBJECTS);
			return FALSE;
		}
		response = esc_probe_send(probe, list, "LIST OBJECTS", error);
		if (response == NULL)
			return FALSE;
		sw = tok_apdu_response_get_sw(response);
		if (sw == TOK_SW_COOLKEY_SEQUENCE_END)
			return TRUE;
		if (sw != TOK_SW_OK) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("LIST OBJECTS: the card answered %s (SW %04X)"), tok_status_word_describe(sw),
				    sw);
			return FALSE;
		}
		data = tok_apdu_response_get_data(response);
		if (!tok_coolkey_parse_object_entry(g_bytes_get_data(data, NULL), g_bytes_get_size(data), &entry, &local)) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("LIST OBJECTS: an entry does not parse: %s"), local->message);
			return FALSE;
		}
		if (entry.object_id == TOK_COOLKEY_OBJECT_ID_Z0 && !*found) {
			*z0 = entry;
			*found = TRUE;
		}
	}
}

static GBytes *
esc_probe_read_object(EscProbe *probe, const TokCoolkeyObjectInfo *object, GError **error)
{
	static const guint8 zero_nonce[TOK_COOLKEY_NONCE_SIZE] = {0};
	g_autoptr(GBytes) nonce = g_bytes_new_static(zero_nonce, sizeof(zero_nonce));
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GPtrArray) plan = NULL;
	g_autoptr(GError) local = NULL;

	/* no Le, as the CoolKey PKCS#11 module sends it */
	plan = tok_coolkey_apdu_read_object_plan(TOK_COOLKEY_CLA_CLEAR, object->object_id, 0, object->size, nonce, FALSE, &local);
	if (plan == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("READ OBJECT z0: %s"), local->message);
		return NULL;
	}
	for (guint i = 0; i < plan->len; i++) {
		TokApdu *apdu = g_ptr_array_index(plan, i);
		guint8 want = 0;
		g_autoptr(GBytes) chunk = NULL;

		/* data: objectID(4) offset(4) len(1) nonce(8) */
		if (!tok_read_u8(g_bytes_get_data(tok_apdu_get_data(apdu), NULL), g_bytes_get_size(tok_apdu_get_data(apdu)), 8, &want,
				 &local)) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_FAILED, _("READ OBJECT z0: %s"), local->message);
			return NULL;
		}
		chunk = esc_probe_command(probe, apdu, "READ OBJECT z0", error);
		if (chunk == NULL)
			return NULL;
		if (g_bytes_get_size(chunk) != want) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("READ OBJECT z0: %lu bytes instead of %u at offset %u"),
				    (gulong)g_bytes_get_size(chunk), want, out->len);
			return NULL;
		}
		tok_byte_array_append_bytes(out, chunk);
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

static gboolean
esc_probe_read_certificates(EscProbe *probe, EscTokenInfo *info, gboolean *z0_unreadable, GError **error)
{
	g_autoptr(TokCoolkeyObjectSet) set = NULL;
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(GError) local = NULL;
	TokCoolkeyObjectInfo z0 = {0};
	gboolean found = FALSE;

	*z0_unreadable = FALSE;
	if (!esc_probe_find_z0(probe, &z0, &found, error))
		return FALSE;
	if (!found)
		return TRUE;
	if ((z0.acl.read_acl & TOK_COOLKEY_ACL_FOR(TOK_COOLKEY_IDENTITY_DEFAULT)) == 0) {
		*z0_unreadable = TRUE;
		return TRUE;
	}
	if (z0.size < TOK_COOLKEY_Z0_HEADER_SIZE || z0.size > TOK_COOLKEY_MAX_OBJECT_SIZE) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("LIST OBJECTS: z0 has an impossible size of %u bytes"), z0.size);
		return FALSE;
	}
	raw = esc_probe_read_object(probe, &z0, error);
	if (raw == NULL)
		return FALSE;
	set = tok_coolkey_object_set_decode_bytes(raw, NULL, &local);
	if (set == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("the certificates object z0 does not parse: %s"), local->message);
		return FALSE;
	}
	info->token_name = g_strdup(tok_coolkey_object_set_get_token_name(set));
	for (guint i = 0; i < tok_coolkey_object_set_get_n_records(set); i++) {
		const TokCoolkeyRecord *record = tok_coolkey_object_set_get_record(set, i);
		g_autofree gchar *name = tok_coolkey_record_get_object_name(record);
		g_autoptr(EscCertificate) cert = NULL;
		GBytes *value;
		GBytes *label;

		if (tok_coolkey_record_get_object_type(record) != 'c' || tok_coolkey_record_get_class(record) != TOK_CKO_CERTIFICATE)
			continue;
		value = tok_coolkey_record_lookup_bytes(record, TOK_CKA_VALUE);
		if (value == NULL) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("certificate %s in z0 has no value"), name);
			return FALSE;
		}
		cert = esc_certificate_new_from_der(value, &local);
		if (cert == NULL) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("certificate %s in z0: %s"), name, local->message);
			return FALSE;
		}
		label = tok_coolkey_record_lookup_bytes(record, TOK_CKA_LABEL);
		if (label != NULL && g_bytes_get_size(label) > 0 && g_bytes_get_size(label) <= 255) {
			g_autofree gchar *text = g_strndup(g_bytes_get_data(label, NULL), g_bytes_get_size(label));

			if (strlen(text) == g_bytes_get_size(label))
				esc_certificate_set_label(cert, text);
		}
		g_ptr_array_add(info->certificates, g_steal_pointer(&cert));
	}
	return TRUE;
}

EscTokenInfo *
esc_token_probe_run_with_transmit(EscCardTransmitFunc transmit, gpointer user_data, GBytes *atr, GError **error)
{
	g_autoptr(EscTokenInfo) info = esc_token_info_new();
	g_autoptr(TokApdu) select = tok_coolkey_apdu_select();
	g_autoptr(TokApduResponse) response = NULL;
	EscProbe probe = {transmit, user_data};
	gboolean applet;
	gboolean z0_unreadable = FALSE;

	g_return_val_if_fail(transmit != NULL, NULL);
	info->atr = atr != NULL ? g_bytes_ref(atr) : g_bytes_new(NULL, 0);
	if (!esc_probe_read_cplc(&probe, info, error))
		return NULL;
	response = esc_probe_send(&probe, select, "SELECT CoolKey applet", error);
	if (response == NULL)
		return NULL;
	applet = tok_apdu_response_get_sw(response) == TOK_SW_OK;
	if (applet) {
		if (!esc_probe_read_applet(&probe, info, error))
			return NULL;
		if (!esc_probe_read_certificates(&probe, info, &z0_unreadable, error))
			return NULL;
	}
	info->status = esc_token_probe_decide_status(info->cuid != NULL, applet, info->life_cycle, z0_unreadable,
						     info->certificates->len);
	return g_steal_pointer(&info);
}

static GBytes *
esc_token_probe_job_transmit(GBytes *command, gpointer user_data, GError **error)
{
	return esc_card_job_transmit(user_data, command, error);
}

EscTokenInfo *
esc_token_probe_run(EscCardJob *job, GError **error)
{
	g_autoptr(GBytes) atr = NULL;
	EscTokenInfo *info;

	g_return_val_if_fail(job != NULL, NULL);
	atr = esc_card_job_get_atr(job);
	info = esc_token_probe_run_with_transmit(esc_token_probe_job_transmit, job, atr, error);
	if (info == NULL) {
		g_prefix_error(error, _("reading the card in reader “%s”: "), esc_card_job_get_reader(job));
		return NULL;
	}
	if (info->cuid_bytes != NULL)
		esc_card_job_set_cuid(job, info->cuid_bytes);
	return info;
}

typedef struct {
	EscTokenInfo *info;
} EscProbeJob;

static void
esc_probe_job_free(gpointer data)
{
	EscProbeJob *pj = data;

	g_clear_pointer(&pj->info, esc_token_info_unref);
	g_free(pj);
}

static gboolean
esc_probe_job_func(EscCardJob *job, gpointer data, GCancellable *cancellable, GError **error)
{
	EscProbeJob *pj = data;

	pj->info = esc_token_probe_run(job, error);
	return pj->info != NULL;
}

static void
esc_probe_job_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	EscProbeJob *pj = g_task_get_task_data(task);
	GError *error = NULL;

	if (!esc_card_run_job_finish(ESC_CARD(source), res, &error)) {
		g_task_return_error(task, error);
		return;
	}
	g_task_return_pointer(task, g_steal_pointer(&pj->info), (GDestroyNotify)esc_token_info_unref);
}

void
esc_token_probe_async(EscCard *card, GCancellable *c, GAsyncReadyCallback cb, gpointer d)
{
	GTask *task;
	EscProbeJob *pj;

	g_return_if_fail(ESC_IS_CARD(card));
	task = g_task_new(card, c, cb, d);
	g_task_set_source_tag(task, esc_token_probe_async);
	g_task_set_check_cancellable(task, FALSE);
	pj = g_new0(EscProbeJob, 1);
	g_task_set_task_data(task, pj, esc_probe_job_free);
	esc_card_run_job_async(card, TRUE, esc_probe_job_func, pj, NULL, c, esc_probe_job_done, task);
}

EscTokenInfo *
esc_token_probe_finish(EscCard *card, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, card), NULL);
	return g_task_propagate_pointer(G_TASK(res), error);
}

EscTokenInfo *
esc_token_probe_sync(EscCard *card, GCancellable *c, GError **error)
{
	EscProbeJob pj = {NULL};

	g_return_val_if_fail(ESC_IS_CARD(card), NULL);
	if (!esc_card_run_job_sync(card, TRUE, esc_probe_job_func, &pj, c, error)) {
		g_clear_pointer(&pj.info, esc_token_info_unref);
		return NULL;
	}
	return pj.info;
}
