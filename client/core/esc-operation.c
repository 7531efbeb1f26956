/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-operation.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "esc-error.h"
#include "esc-operation-private.h"
#include "esc-status-text.h"
#include "tok-bytes.h"

#define ESC_OPERATION_REDACTED	    "(redacted)"
#define ESC_OPERATION_DRAIN_TIMEOUT 5 /* seconds to wait for the end of the body after END_OP */

enum {
	SIGNAL_PROGRESS,
	SIGNAL_LOGIN_REQUESTED,
	SIGNAL_NEW_PIN_REQUESTED,
	SIGNAL_LOG,
	N_SIGNALS,
};

static guint signals[N_SIGNALS];

struct _EscOperation {
	GObject parent_instance;
	GMainContext *context; /* the creator's: signals of async runs are emitted there */
	EscOperationKind kind;
	EscToken *token;
	EscCard *card;
	gchar *url;
	EscTlsOptions *tls;
	gchar *token_type;
	gboolean extended_login;
	gboolean status_update;
	gboolean locale_set;
	gchar *locale;

	GMutex lock; /* the run state below, written by the thread that runs */
	gboolean running;
	GPtrArray *transcript;
	guint transcript_omitted; /* lines left out in the middle (ESC_OPERATION_MAX_TRANSCRIPT) */
	gint status;
	gint result;
	guint apdu_count;
};

G_DEFINE_FINAL_TYPE(EscOperation, esc_operation, G_TYPE_OBJECT)

/* ---- EscOperationKind ----------------------------------------------------------------- */

GType
esc_operation_kind_get_type(void)
{
	static gsize type_id = 0;

	if (g_once_init_enter(&type_id)) {
		static const GEnumValue values[] = {
		    {ESC_OPERATION_ENROLL, "ESC_OPERATION_ENROLL", "enroll"},
		    {ESC_OPERATION_UNBLOCK, "ESC_OPERATION_UNBLOCK", "unblock"},
		    {ESC_OPERATION_PIN_RESET, "ESC_OPERATION_PIN_RESET", "pin-reset"},
		    {ESC_OPERATION_RENEW, "ESC_OPERATION_RENEW", "renew"},
		    {ESC_OPERATION_FORMAT, "ESC_OPERATION_FORMAT", "format"},
		    {0, NULL, NULL},
		};
		GType type = g_enum_register_static(g_intern_static_string("EscOperationKind"), values);
		g_once_init_leave(&type_id, type);
	}
	return type_id;
}

const gchar *
esc_operation_kind_to_string(EscOperationKind k)
{
	switch (k) {
	case ESC_OPERATION_ENROLL:
		return "enroll";
	case ESC_OPERATION_UNBLOCK:
		return "unblock";
	case ESC_OPERATION_PIN_RESET:
		return "pin-reset";
	case ESC_OPERATION_RENEW:
		return "renew";
	case ESC_OPERATION_FORMAT:
		return "format";
	default:
		return NULL;
	}
}

gboolean
esc_operation_kind_from_string(const gchar *text, EscOperationKind *k)
{
	const EscOperationKind kinds[] = {ESC_OPERATION_ENROLL, ESC_OPERATION_UNBLOCK, ESC_OPERATION_PIN_RESET,
					  ESC_OPERATION_RENEW, ESC_OPERATION_FORMAT};

	for (guint i = 0; i < G_N_ELEMENTS(kinds); i++) {
		if (g_strcmp0(text, esc_operation_kind_to_string(kinds[i])) == 0) {
			if (k != NULL)
				*k = kinds[i];
			return TRUE;
		}
	}
	if (g_strcmp0(text, "reset-pin") == 0) {
		if (k != NULL)
			*k = ESC_OPERATION_PIN_RESET;
		return TRUE;
	}
	return FALSE;
}

const gchar *
esc_operation_kind_to_label(EscOperationKind k)
{
	switch (k) {
	case ESC_OPERATION_ENROLL:
		/* TRANSLATORS: the operation that puts keys and certificates on a token */
		return _("Enroll");
	case ESC_OPERATION_UNBLOCK:
		return _("Unblock");
	case ESC_OPERATION_PIN_RESET:
		return _("Reset PIN");
	case ESC_OPERATION_RENEW:
		return _("Renew");
	case ESC_OPERATION_FORMAT:
		/* TRANSLATORS: the operation that erases a token and installs its applet */
		return _("Format");
	default:
		return NULL;
	}
}

static gboolean
esc_operation_kind_is_valid(EscOperationKind k)
{
	return esc_operation_kind_to_string(k) != NULL;
}

/* ---- object --------------------------------------------------------------------------- */

static void
esc_operation_dispose(GObject *object)
{
	EscOperation *self = ESC_OPERATION(object);

	g_clear_object(&self->token);
	g_clear_object(&self->card);
	G_OBJECT_CLASS(esc_operation_parent_class)->dispose(object);
}

static void
esc_operation_finalize(GObject *object)
{
	EscOperation *self = ESC_OPERATION(object);

	g_main_context_unref(self->context);
	g_free(self->url);
	g_clear_pointer(&self->tls, esc_tls_options_unref);
	g_free(self->token_type);
	g_free(self->locale);
	g_ptr_array_unref(self->transcript);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(esc_operation_parent_class)->finalize(object);
}

static void
esc_operation_class_init(EscOperationClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = esc_operation_dispose;
	object_class->finalize = esc_operation_finalize;

	signals[SIGNAL_PROGRESS] = g_signal_new("progress",
						G_TYPE_FROM_CLASS(klass),
						G_SIGNAL_RUN_LAST,
						0,
						NULL,
						NULL,
						NULL,
						G_TYPE_NONE,
						2,
						G_TYPE_UINT,
						G_TYPE_STRING);
	signals[SIGNAL_LOGIN_REQUESTED] = g_signal_new("login-requested",
						       G_TYPE_FROM_CLASS(klass),
						       G_SIGNAL_RUN_LAST,
						       0,
						       NULL,
						       NULL,
						       NULL,
						       G_TYPE_NONE,
						       1,
						       ESC_TYPE_LOGIN_REQUEST);
	signals[SIGNAL_NEW_PIN_REQUESTED] = g_signal_new("new-pin-requested",
							 G_TYPE_FROM_CLASS(klass),
							 G_SIGNAL_RUN_LAST,
							 0,
							 NULL,
							 NULL,
							 NULL,
							 G_TYPE_NONE,
							 1,
							 ESC_TYPE_PIN_REQUEST);
	signals[SIGNAL_LOG] = g_signal_new("log",
					   G_TYPE_FROM_CLASS(klass),
					   G_SIGNAL_RUN_LAST,
					   0,
					   NULL,
					   NULL,
					   NULL,
					   G_TYPE_NONE,
					   1,
					   G_TYPE_STRING);
}

static void
esc_operation_init(EscOperation *self)
{
	self->context = g_main_context_ref_thread_default();
	self->extended_login = TRUE;
	self->status_update = TRUE;
	self->status = -1;
	self->result = -1;
	self->transcript = g_ptr_array_new_with_free_func(g_free);
	g_mutex_init(&self->lock);
}

EscOperation *
esc_operation_new_detached(EscOperationKind kind)
{
	EscOperation *self = g_object_new(ESC_TYPE_OPERATION, NULL);

	self->kind = kind;
	return self;
}

EscOperation *
esc_operation_new(EscToken *token, EscOperationKind kind)
{
	EscOperation *self = esc_operation_new_detached(kind);

	self->token = g_object_ref(token);
	return self;
}

EscOperation *
esc_operation_new_for_card(EscCard *card, EscOperationKind kind)
{
	EscOperation *self = esc_operation_new_detached(kind);

	self->card = g_object_ref(card);
	return self;
}

EscOperationKind
esc_operation_get_kind(EscOperation *self)
{
	return self->kind;
}

EscToken *
esc_operation_get_token(EscOperation *self)
{
	return self->token;
}

void
esc_operation_set_url(EscOperation *self, const gchar *tps_url)
{
	g_free(self->url);
	self->url = tps_url != NULL && tps_url[0] != '\0' ? g_strdup(tps_url) : NULL;
}

static EscIssuerInfo *
esc_operation_get_issuer(EscOperation *self)
{
	return self->token != NULL ? esc_token_get_issuer(self->token) : NULL;
}

const gchar *
esc_operation_get_url(EscOperation *self)
{
	EscIssuerInfo *issuer;

	if (self->url != NULL)
		return self->url;
	issuer = esc_operation_get_issuer(self);
	return issuer != NULL ? esc_issuer_info_get_operation_url(issuer) : NULL;
}

void
esc_operation_set_tls_options(EscOperation *self, EscTlsOptions *tls)
{
	g_clear_pointer(&self->tls, esc_tls_options_unref);
	if (tls != NULL)
		self->tls = esc_tls_options_ref(tls);
}

void
esc_operation_set_token_type(EscOperation *self, const gchar *token_type)
{
	g_free(self->token_type);
	self->token_type = token_type != NULL && token_type[0] != '\0' ? g_strdup(token_type) : NULL;
}

void
esc_operation_set_extended_login(EscOperation *self, gboolean extended)
{
	self->extended_login = extended;
}

void
esc_operation_set_status_update(EscOperation *self, gboolean status_update)
{
	self->status_update = status_update;
}

void
esc_operation_set_locale(EscOperation *self, const gchar *locale)
{
	g_free(self->locale);
	self->locale = locale != NULL && locale[0] != '\0' ? g_strdup(locale) : NULL;
	self->locale_set = TRUE;
}

TokTpsStatus
esc_operation_get_status(EscOperation *self)
{
	gint status;

	g_mutex_lock(&self->lock);
	status = self->status;
	g_mutex_unlock(&self->lock);
	return (TokTpsStatus)status;
}

gint
esc_operation_get_result(EscOperation *self)
{
	gint result;

	g_mutex_lock(&self->lock);
	result = self->result;
	g_mutex_unlock(&self->lock);
	return result;
}

guint
esc_operation_get_apdu_count(EscOperation *self)
{
	guint count;

	g_mutex_lock(&self->lock);
	count = self->apdu_count;
	g_mutex_unlock(&self->lock);
	return count;
}

GPtrArray *
esc_operation_get_transcript(EscOperation *self)
{
	return self->transcript;
}

gchar *
esc_operation_get_transcript_text(EscOperation *self)
{
	g_autoptr(GString) text = g_string_new(NULL);

	g_mutex_lock(&self->lock);
	for (guint i = 0; i < self->transcript->len; i++) {
		if (i > 0)
			g_string_append_c(text, '\n');
		g_string_append(text, g_ptr_array_index(self->transcript, i));
	}
	g_mutex_unlock(&self->lock);
	return g_string_free(g_steal_pointer(&text), FALSE);
}

/* ---- transcript ----------------------------------------------------------------------- */

static gboolean
esc_operation_is_secret_field(TokTpsMsgType type, const gchar *name)
{
	const gchar *secret[] = {"password", "PASSWORD", "UID", "screen_name", "new_pin", "pin", "value", "answer"};

	if (type == TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_RESPONSE)
		return TRUE;
	for (guint i = 0; i < G_N_ELEMENTS(secret); i++) {
		if (g_strcmp0(name, secret[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

gchar *
esc_operation_transcript_line(const gchar *direction, TokTpsMessage *msg)
{
	TokTpsMsgType type = tok_tps_message_get_msg_type(msg);
	g_autoptr(GString) line = g_string_new(direction);

	if (type == TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST || type == TOK_TPS_MSG_TYPE_TOKEN_PDU_RESPONSE) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) pdu = tok_tps_message_get_pdu(msg, &error);
		const guint8 *data;
		gsize len = 0;

		if (pdu == NULL) {
			g_string_append(line, "PDU (unreadable)");
			return g_string_free(g_steal_pointer(&line), FALSE);
		}
		data = g_bytes_get_data(pdu, &len);
		if (type == TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST && len >= 4)
			g_string_append_printf(line, "PDU %02X%02X%02X%02X", data[0], data[1], data[2], data[3]);
		else if (type == TOK_TPS_MSG_TYPE_TOKEN_PDU_RESPONSE && len >= 2)
			g_string_append_printf(line, "PDU-RESPONSE %02X%02X", data[len - 2], data[len - 1]);
		else
			g_string_append(line, "PDU (short)");
		return g_string_free(g_steal_pointer(&line), FALSE);
	}
	g_string_append_printf(line, "msg_type=%d", (gint)type);
	for (guint i = 0; i < tok_tps_message_get_n_fields(msg); i++) {
		const gchar *name = tok_tps_message_get_field_name(msg, i);
		g_autoptr(GBytes) value = NULL;

		g_string_append_printf(line, "&%s=", name);
		if (esc_operation_is_secret_field(type, name)) {
			g_string_append(line, ESC_OPERATION_REDACTED);
			continue;
		}
		value = tok_tps_message_dup_wire_value(msg, name);
		if (value != NULL)
			g_string_append_len(line, g_bytes_get_data(value, NULL), (gssize)g_bytes_get_size(value));
	}
	return g_string_free(g_steal_pointer(&line), FALSE);
}

/* ---- one run -------------------------------------------------------------------------- */

typedef struct {
	EscOperation *self;
	EscTransmitFunc transmit;
	gpointer transmit_data;
	EscCardJob *job; /* during a card job */
	GBytes *atr;
	gboolean marshal; /* signals go to self->context, requests are waited for */
	gchar *url;
	EscTlsOptions *tls;
	gchar *token_type;
	gchar *locale;
	gboolean extended_login;
	gboolean status_update;
	/* run_async with a card: the job's cancellable, cancelled by the caller's or when the
	 * token is removed (then card_removed is set) */
	GCancellable *cancellable;
	GCancellable *caller_cancellable;
	gulong caller_handler;
	EscToken *token;
	gulong present_handler;
	gint card_removed;
} EscOperationRun;

static void
esc_operation_run_free(EscOperationRun *run)
{
	if (run == NULL)
		return;
	if (run->caller_handler != 0)
		g_cancellable_disconnect(run->caller_cancellable, run->caller_handler);
	g_clear_object(&run->caller_cancellable);
	g_clear_object(&run->cancellable);
	g_clear_signal_handler(&run->present_handler, run->token);
	g_clear_object(&run->token);
	g_clear_object(&run->self);
	g_clear_pointer(&run->atr, g_bytes_unref);
	g_free(run->url);
	g_clear_pointer(&run->tls, esc_tls_options_unref);
	g_free(run->token_type);
	g_free(run->locale);
	g_free(run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EscOperationRun, esc_operation_run_free)

/* "en" from "en_US.UTF-8"; NULL for C / POSIX. */
static gchar *
esc_operation_default_locale(void)
{
	const gchar *const *names = g_get_language_names();

	for (guint i = 0; names[i] != NULL; i++) {
		const gchar *name = names[i];
		gsize n = 0;

		if (g_str_has_prefix(name, "C") || g_str_has_prefix(name, "POSIX"))
			return NULL;
		while (g_ascii_islower(name[n]))
			n++;
		if ((n == 2 || n == 3) && (name[n] == '\0' || name[n] == '_' || name[n] == '.' || name[n] == '@'))
			return g_strndup(name, n);
	}
	return NULL;
}

/* A snapshot of the settings (on the creator's thread). */
static EscOperationRun *
esc_operation_run_new(EscOperation *self, gboolean marshal)
{
	EscOperationRun *run = g_new0(EscOperationRun, 1);
	EscIssuerInfo *issuer = esc_operation_get_issuer(self);

	run->self = g_object_ref(self);
	run->marshal = marshal;
	run->url = g_strdup(esc_operation_get_url(self));
	run->tls = self->tls != NULL ? esc_tls_options_ref(self->tls) : esc_tls_options_new();
	if (self->kind == ESC_OPERATION_ENROLL || self->kind == ESC_OPERATION_FORMAT) {
		if (self->token_type != NULL)
			run->token_type = g_strdup(self->token_type);
		else if (issuer != NULL)
			run->token_type = g_strdup(esc_issuer_info_get_token_type(issuer));
	}
	run->locale = self->locale_set ? g_strdup(self->locale) : esc_operation_default_locale();
	run->extended_login = self->extended_login;
	run->status_update = self->status_update;
	return run;
}

/* -- signals, emitted directly or on the creator's context -- */

typedef struct {
	EscOperation *self;
	guint signal_id;
	guint percent;
	gchar *text;
	GObject *request;
} EscOperationEmission;

static void
esc_operation_emission_free(gpointer data)
{
	EscOperationEmission *e = data;

	g_object_unref(e->self);
	g_free(e->text);
	g_clear_object(&e->request);
	g_free(e);
}

static gboolean
esc_operation_emission_dispatch(gpointer data)
{
	EscOperationEmission *e = data;

	if (e->signal_id == signals[SIGNAL_PROGRESS])
		g_signal_emit(e->self, e->signal_id, 0, e->percent, e->text);
	else if (e->signal_id == signals[SIGNAL_LOG])
		g_signal_emit(e->self, e->signal_id, 0, e->text);
	else
		g_signal_emit(e->self, e->signal_id, 0, e->request);
	return G_SOURCE_REMOVE;
}

static void
esc_operation_emit(EscOperationRun *run, guint signal_index, guint percent, const gchar *text, gpointer request)
{
	EscOperationEmission *e = g_new0(EscOperationEmission, 1);
	g_autoptr(GSource) source = NULL;

	e->self = g_object_ref(run->self);
	e->signal_id = signals[signal_index];
	e->percent = percent;
	e->text = g_strdup(text);
	e->request = request != NULL ? g_object_ref(request) : NULL;
	if (!run->marshal) {
		esc_operation_emission_dispatch(e);
		esc_operation_emission_free(e);
		return;
	}
	/* always through a source: g_main_context_invoke() would run the handlers right here,
	 * on the worker thread, whenever the creator's context happens to be free to acquire
	 * (e.g. the global default context between two iterations of its loop) */
	source = g_idle_source_new();
	g_source_set_priority(source, G_PRIORITY_DEFAULT);
	g_source_set_static_name(source, "EscOperation signal");
	g_source_set_callback(source, esc_operation_emission_dispatch, e, esc_operation_emission_free);
	g_source_attach(source, run->self->context);
}

/* Under self->lock. A server may send messages without end: the transcript keeps the first
 * and the last lines and one line saying how many were left out between them. */
static void
esc_operation_transcript_add(EscOperation *self, gchar *line)
{
	const guint marker = ESC_OPERATION_MAX_TRANSCRIPT / 2;

	if (self->transcript->len >= ESC_OPERATION_MAX_TRANSCRIPT) {
		/* the first time the marker takes the place of a line */
		if (self->transcript_omitted == 0)
			self->transcript_omitted = 1;
		g_ptr_array_remove_index(self->transcript, marker + 1);
		self->transcript_omitted++;
		g_free(g_ptr_array_index(self->transcript, marker));
		g_ptr_array_index(self->transcript, marker) =
		    g_strdup_printf("… (%u lines left out) …", self->transcript_omitted);
	}
	g_ptr_array_add(self->transcript, line);
}

static void
esc_operation_record(EscOperationRun *run, const gchar *direction, TokTpsMessage *msg)
{
	g_autofree gchar *line = esc_operation_transcript_line(direction, msg);

	g_debug("%s", line);
	g_mutex_lock(&run->self->lock);
	esc_operation_transcript_add(run->self, g_strdup(line));
	g_mutex_unlock(&run->self->lock);
	esc_operation_emit(run, SIGNAL_LOG, 0, line, NULL);
}

static gboolean
esc_operation_send(EscOperationRun *run,
		   EscTpsConnection *conn,
		   TokTpsMessage *msg,
		   GCancellable *cancellable,
		   GError **error)
{
	esc_operation_record(run, "C> ", msg);
	return esc_tps_connection_send(conn, msg, cancellable, error);
}

/* -- the messages -- */

static TokTpsMessage *
esc_operation_begin_op(EscOperationRun *run, GError **error)
{
	g_autoptr(GPtrArray) ext = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) local_error = NULL;
	TokTpsMessage *msg;

	if (run->token_type != NULL) {
		g_ptr_array_add(ext, g_strdup("tokenType"));
		g_ptr_array_add(ext, g_strdup(run->token_type));
	}
	g_ptr_array_add(ext, g_strdup("clientVersion"));
	g_ptr_array_add(ext, g_strdup(ESC_OPERATION_CLIENT_VERSION));
	if (run->atr != NULL && g_bytes_get_size(run->atr) > 0) {
		g_ptr_array_add(ext, g_strdup("tokenATR"));
		g_ptr_array_add(ext, tok_hex_encode_bytes(run->atr, TRUE));
	}
	g_ptr_array_add(ext, g_strdup("statusUpdate"));
	g_ptr_array_add(ext, g_strdup(run->status_update ? "true" : "false"));
	if (run->extended_login) {
		g_ptr_array_add(ext, g_strdup("extendedLoginRequest"));
		g_ptr_array_add(ext, g_strdup("true"));
	}
	if (run->locale != NULL) {
		g_ptr_array_add(ext, g_strdup("locale"));
		g_ptr_array_add(ext, g_strdup(run->locale));
	}
	g_ptr_array_add(ext, NULL);
	msg = tok_tps_message_new_begin_op((TokTpsOperation)run->self->kind,
					   (const gchar *const *)ext->pdata,
					   TOK_TPS_BEGIN_OP_FLAG_TRAILING_SEPARATOR,
					   &local_error);
	if (msg == NULL)
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("Cannot build the request: %s"), local_error->message);
	return msg;
}

static gboolean
esc_operation_answer_pdu(EscOperationRun *run,
			 EscTpsConnection *conn,
			 TokTpsMessage *request,
			 GCancellable *cancellable,
			 GError **error)
{
	g_autoptr(GError) local_error = NULL;
	g_autoptr(GBytes) apdu = NULL;
	g_autoptr(GBytes) response = NULL;
	g_autoptr(TokTpsMessage) reply = NULL;
	guint index;

	apdu = tok_tps_message_get_pdu(request, &local_error);
	if (apdu == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The server sent an invalid APDU: %s"), local_error->message);
		return FALSE;
	}
	g_mutex_lock(&run->self->lock);
	index = run->self->apdu_count;
	g_mutex_unlock(&run->self->lock);
	if (g_cancellable_set_error_if_cancelled(cancellable, &local_error)) {
		g_set_error_literal(error, ESC_ERROR, ESC_ERROR_CANCELLED, _("The operation was cancelled"));
		return FALSE;
	}
	response = run->transmit(apdu, run->transmit_data, &local_error);
	if (response == NULL) {
		if (local_error == NULL)
			local_error = g_error_new_literal(ESC_ERROR, ESC_ERROR_CARD, "no response");
		if (local_error->domain == ESC_ERROR)
			g_set_error(error, ESC_ERROR, local_error->code, _("APDU %u: %s"), index, local_error->message);
		else if (g_error_matches(local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			g_set_error_literal(error, ESC_ERROR, ESC_ERROR_CANCELLED, _("The operation was cancelled"));
		else
			g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("APDU %u: %s"), index, local_error->message);
		return FALSE;
	}
	g_mutex_lock(&run->self->lock);
	run->self->apdu_count++;
	g_mutex_unlock(&run->self->lock);
	reply = tok_tps_message_new_token_pdu_response(response, &local_error);
	if (reply == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("APDU %u: invalid card response: %s"), index, local_error->message);
		return FALSE;
	}
	return esc_operation_send(run, conn, reply, cancellable, error);
}

/* Why a request to the application went unanswered. */
typedef enum {
	ESC_OPERATION_ASK_NO_HANDLER,
	ESC_OPERATION_ASK_DROPPED,
	ESC_OPERATION_ASK_CANCELLED,
	ESC_OPERATION_ASK_NOT_AT_ONCE,
	ESC_OPERATION_ASK_REQUEST_CANCELLED,
} EscOperationAskFailure;

/* The error for a login request (SIGNAL_LOGIN_REQUESTED) or a new-PIN request that went
 * unanswered: one whole sentence per request and reason, for the translators. */
static void
esc_operation_set_ask_error(guint signal_index, EscOperationAskFailure why, GError **error)
{
	gboolean login = signal_index == SIGNAL_LOGIN_REQUESTED;
	const gchar *message;

	switch (why) {
	case ESC_OPERATION_ASK_NO_HANDLER:
		message = login ? _("The server asked for a login, but nobody answers")
				: _("The server asked for a new PIN, but nobody answers");
		break;
	case ESC_OPERATION_ASK_DROPPED:
		message = login ? _("The server asked for a login, but the request was dropped without an answer")
				: _("The server asked for a new PIN, but the request was dropped without an answer");
		break;
	case ESC_OPERATION_ASK_CANCELLED:
		message = login ? _("The operation was cancelled while waiting for a login")
				: _("The operation was cancelled while waiting for a new PIN");
		break;
	case ESC_OPERATION_ASK_NOT_AT_ONCE:
		message = login ? _("The server asked for a login, but the handler did not answer at once")
				: _("The server asked for a new PIN, but the handler did not answer at once");
		break;
	case ESC_OPERATION_ASK_REQUEST_CANCELLED:
	default:
		message = login ? _("The login request was cancelled") : _("The request for a new PIN was cancelled");
		break;
	}
	g_set_error_literal(error, ESC_ERROR, ESC_ERROR_CANCELLED, message);
}

/* Emits @signal_index with @request (transfer full) and gets the answer from @channel. A
 * marshalled run lets go of the request before it waits, so that only the signal emission and
 * whoever kept the request to answer it later hold it: a request everyone dropped unanswered
 * cancels itself (finalize drops the channel) instead of leaving this thread waiting forever.
 * A direct run checks what the handlers did during the emission. */
static gboolean
esc_operation_ask(EscOperationRun *run,
		  guint signal_index,
		  gpointer request,
		  EscRequestChannel *channel,
		  GCancellable *cancellable,
		  GError **error)
{
	g_autoptr(GObject) owned = request;
	EscRequestState state;

	if (!g_signal_has_handler_pending(run->self, signals[signal_index], 0, TRUE)) {
		esc_request_channel_answer(channel, ESC_REQUEST_CANCELLED, NULL, NULL);
		esc_operation_set_ask_error(signal_index, ESC_OPERATION_ASK_NO_HANDLER, error);
		return FALSE;
	}
	esc_operation_emit(run, signal_index, 0, NULL, owned);
	if (run->marshal) {
		g_clear_object(&owned);
		state = esc_request_channel_wait(channel, cancellable);
	} else {
		state = esc_request_channel_get_state(channel);
	}
	if (state == ESC_REQUEST_RESPONDED)
		return TRUE;
	/* the wait ended by the cancellable: the request is answered (cancelled) from now on */
	esc_request_channel_answer(channel, ESC_REQUEST_CANCELLED, NULL, NULL);
	esc_request_channel_clear_secrets(channel);
	if (esc_request_channel_was_dropped(channel))
		esc_operation_set_ask_error(signal_index, ESC_OPERATION_ASK_DROPPED, error);
	else if (g_cancellable_is_cancelled(cancellable))
		esc_operation_set_ask_error(signal_index, ESC_OPERATION_ASK_CANCELLED, error);
	else if (!run->marshal && state == ESC_REQUEST_PENDING)
		esc_operation_set_ask_error(signal_index, ESC_OPERATION_ASK_NOT_AT_ONCE, error);
	else
		esc_operation_set_ask_error(signal_index, ESC_OPERATION_ASK_REQUEST_CANCELLED, error);
	return FALSE;
}

static void
esc_operation_wipe_string(gchar *text)
{
	if (text == NULL)
		return;
	for (gchar *p = text; *p != '\0'; p++)
		*p = '\0';
	g_free(text);
}

static gboolean
esc_operation_answer_login(EscOperationRun *run,
			   EscTpsConnection *conn,
			   TokTpsMessage *request_msg,
			   GCancellable *cancellable,
			   GError **error)
{
	g_autoptr(EscLoginRequest) request = NULL;
	g_autoptr(EscRequestChannel) channel = NULL;
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(TokTpsMessage) reply = NULL;
	g_autoptr(GError) local_error = NULL;
	gboolean extended;

	request = esc_login_request_new_from_message(request_msg, error);
	if (request == NULL)
		return FALSE;
	/* what the answer needs, read now: the request may be gone when it comes */
	channel = esc_login_request_get_channel(request);
	extended = esc_login_request_is_extended(request);
	for (guint i = 0; i < esc_login_request_get_n_fields(request); i++)
		g_ptr_array_add(ids, g_strdup(esc_login_request_get_field(request, i)->id));
	if (!esc_operation_ask(run, SIGNAL_LOGIN_REQUESTED, g_steal_pointer(&request), channel, cancellable, error))
		return FALSE;
	if (!extended) {
		g_autoptr(TokSecret) uid = esc_request_channel_dup_secret(channel, "UID");
		g_autoptr(TokSecret) password = esc_request_channel_dup_secret(channel, "PASSWORD");
		gchar *screen_name;
		gsize len = 0;
		const guint8 *data;

		if (uid == NULL)
			uid = tok_secret_new(0);
		if (password == NULL)
			password = tok_secret_new(0);
		data = tok_secret_get_data(uid, &len);
		screen_name = g_strndup((const gchar *)data, len);
		reply = tok_tps_message_new_login_response(screen_name, password, &local_error);
		esc_operation_wipe_string(screen_name);
	} else {
		g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func((GDestroyNotify)tok_secret_unref);

		for (guint i = 0; i < ids->len; i++) {
			TokSecret *value = esc_request_channel_dup_secret(channel, g_ptr_array_index(ids, i));

			g_ptr_array_add(values, value != NULL ? value : tok_secret_new(0));
		}
		g_ptr_array_add(ids, NULL);
		reply = tok_tps_message_new_extended_login_response((const gchar *const *)ids->pdata,
								    (TokSecret *const *)values->pdata,
								    values->len,
								    &local_error);
	}
	/* the values live on in the message only (wiped when it goes) */
	esc_request_channel_clear_secrets(channel);
	if (reply == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("Cannot send the login: %s"), local_error->message);
		return FALSE;
	}
	return esc_operation_send(run, conn, reply, cancellable, error);
}

static gboolean
esc_operation_answer_new_pin(EscOperationRun *run,
			     EscTpsConnection *conn,
			     TokTpsMessage *request_msg,
			     GCancellable *cancellable,
			     GError **error)
{
	g_autoptr(EscPinRequest) request = NULL;
	g_autoptr(EscRequestChannel) channel = NULL;
	g_autoptr(TokTpsMessage) reply = NULL;
	g_autoptr(TokSecret) pin = NULL;
	g_autoptr(GError) local_error = NULL;
	guint min_length = 0;
	guint max_length = 0;

	if (!tok_tps_message_get_new_pin_request(request_msg, &min_length, &max_length, &local_error)) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The server sent an invalid PIN request: %s"), local_error->message);
		return FALSE;
	}
	if (min_length > max_length || max_length > 255) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The server asked for a PIN of %u to %u characters"), min_length,
			    max_length);
		return FALSE;
	}
	request = esc_pin_request_new(min_length, max_length);
	channel = esc_pin_request_get_channel(request);
	if (!esc_operation_ask(run, SIGNAL_NEW_PIN_REQUESTED, g_steal_pointer(&request), channel, cancellable, error))
		return FALSE;
	pin = esc_request_channel_dup_secret(channel, ESC_PIN_REQUEST_CHANNEL_ID);
	esc_request_channel_clear_secrets(channel);
	if (pin == NULL) {
		g_set_error_literal(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("No PIN was given"));
		return FALSE;
	}
	if (!esc_pin_request_check_range(min_length, max_length, pin, error))
		return FALSE;
	reply = tok_tps_message_new_new_pin_response(pin, &local_error);
	if (reply == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("Cannot send the PIN: %s"), local_error->message);
		return FALSE;
	}
	return esc_operation_send(run, conn, reply, cancellable, error);
}

static gboolean
esc_operation_answer_status(EscOperationRun *run,
			    EscTpsConnection *conn,
			    TokTpsMessage *request,
			    GCancellable *cancellable,
			    GError **error)
{
	g_autoptr(TokTpsMessage) reply = NULL;
	g_autoptr(GError) local_error = NULL;
	g_autofree gchar *task = NULL;
	guint percent = 0;

	if (!tok_tps_message_get_status_update_request(request, &percent, &task, &local_error)) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The server sent an invalid status update: %s"), local_error->message);
		return FALSE;
	}
	esc_operation_emit(run, SIGNAL_PROGRESS, percent, task, NULL);
	reply = tok_tps_message_new_status_update_response(percent, &local_error);
	if (reply == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The server sent an invalid status update: %s"), local_error->message);
		return FALSE;
	}
	return esc_operation_send(run, conn, reply, cancellable, error);
}

/* After END_OP: end our body, let the server end its own; nothing it does now changes the
 * result. */
static void
esc_operation_drain(EscOperationRun *run, EscTpsConnection *conn, GCancellable *cancellable)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) extra = NULL;

	if (!esc_tps_connection_finish_request(conn, cancellable, &error)) {
		g_debug("ending the request after END_OP: %s", error->message);
		g_clear_error(&error);
	}
	esc_tps_connection_set_timeout(conn, ESC_OPERATION_DRAIN_TIMEOUT);
	extra = esc_tps_connection_receive(conn, cancellable, &error);
	if (extra != NULL) {
		esc_operation_record(run, "S> ", extra);
		g_debug("ignoring %s after END_OP", tok_tps_msg_type_to_string(tok_tps_message_get_msg_type(extra)));
	} else if (error != NULL) {
		g_debug("after END_OP: %s", error->message);
	}
}

static gboolean
esc_operation_end(EscOperationRun *run, EscTpsConnection *conn, TokTpsMessage *msg, GCancellable *cancellable, GError **error)
{
	g_autoptr(GError) local_error = NULL;
	g_autofree gchar *text = NULL;
	TokTpsOperation operation = TOK_TPS_OPERATION_UNDEFINED;
	TokTpsStatus status = TOK_TPS_STATUS_NO_ERROR;
	guint result = 0;

	if (!tok_tps_message_get_end_op(msg, &operation, &result, &status, &local_error)) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The server sent an invalid END_OP: %s"), local_error->message);
		return FALSE;
	}
	if (operation != (TokTpsOperation)run->self->kind)
		g_debug("END_OP names operation %d, not %d", operation, run->self->kind);
	g_mutex_lock(&run->self->lock);
	run->self->status = (gint)status;
	run->self->result = (gint)result;
	g_mutex_unlock(&run->self->lock);
	esc_operation_drain(run, conn, cancellable);
	if (result == 0)
		return TRUE;
	text = esc_status_text_format(status);
	g_set_error_literal(error, ESC_ERROR, status == TOK_TPS_STATUS_ERROR_LOGIN ? ESC_ERROR_AUTH : ESC_ERROR_SERVER, text);
	return FALSE;
}

static gboolean
esc_operation_converse(EscOperationRun *run, EscTpsConnection *conn, GCancellable *cancellable, GError **error)
{
	g_autoptr(TokTpsMessage) begin = esc_operation_begin_op(run, error);

	if (begin == NULL || !esc_operation_send(run, conn, begin, cancellable, error))
		return FALSE;
	for (;;) {
		g_autoptr(TokTpsMessage) msg = NULL;
		g_autoptr(GError) local_error = NULL;
		gboolean ok;

		msg = esc_tps_connection_receive(conn, cancellable, &local_error);
		if (msg == NULL) {
			if (local_error != NULL)
				g_propagate_error(error, g_steal_pointer(&local_error));
			else
				g_set_error(error,
					    ESC_ERROR,
					    ESC_ERROR_PROTOCOL,
					    _("The server ended the exchange without a result (after %u APDUs)"),
					    esc_operation_get_apdu_count(run->self));
			return FALSE;
		}
		esc_operation_record(run, "S> ", msg);
		switch (tok_tps_message_get_msg_type(msg)) {
		case TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST:
			ok = esc_operation_answer_pdu(run, conn, msg, cancellable, error);
			break;
		case TOK_TPS_MSG_TYPE_LOGIN_REQUEST:
		case TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_REQUEST:
			ok = esc_operation_answer_login(run, conn, msg, cancellable, error);
			break;
		case TOK_TPS_MSG_TYPE_NEW_PIN_REQUEST:
			ok = esc_operation_answer_new_pin(run, conn, msg, cancellable, error);
			break;
		case TOK_TPS_MSG_TYPE_STATUS_UPDATE_REQUEST:
			ok = esc_operation_answer_status(run, conn, msg, cancellable, error);
			break;
		case TOK_TPS_MSG_TYPE_END_OP:
			return esc_operation_end(run, conn, msg, cancellable, error);
		case TOK_TPS_MSG_TYPE_SECUREID_REQUEST:
		case TOK_TPS_MSG_TYPE_ASQ_REQUEST:
			g_set_error(error,
				    ESC_ERROR,
				    ESC_ERROR_PROTOCOL,
				    _("The server sent %s, which this client does not support"),
				    tok_tps_msg_type_to_string(tok_tps_message_get_msg_type(msg)));
			return FALSE;
		default:
			g_set_error(error,
				    ESC_ERROR,
				    ESC_ERROR_PROTOCOL,
				    _("The server sent %s, which a client never receives"),
				    tok_tps_msg_type_to_string(tok_tps_message_get_msg_type(msg)));
			return FALSE;
		}
		if (!ok)
			return FALSE;
	}
}

/* The whole run on the calling thread. */
static gboolean
esc_operation_run_loop(EscOperationRun *run, GCancellable *cancellable, GError **error)
{
	EscOperation *self = run->self;
	g_autoptr(EscTpsConnection) conn = NULL;
	gboolean ok;

	g_mutex_lock(&self->lock);
	g_ptr_array_set_size(self->transcript, 0);
	self->transcript_omitted = 0;
	self->status = -1;
	self->result = -1;
	self->apdu_count = 0;
	g_mutex_unlock(&self->lock);
	if (!esc_operation_kind_is_valid(self->kind)) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("Unknown operation %d"), (gint)self->kind);
		return FALSE;
	}
	if (run->url == NULL) {
		g_set_error_literal(error,
				    ESC_ERROR,
				    ESC_ERROR_INVALID_INPUT,
				    _("No TPS URL is known for this token: give the server's URL"));
		return FALSE;
	}
	conn = esc_tps_connection_open(run->url, run->tls, cancellable, error);
	if (conn == NULL)
		return FALSE;
	ok = esc_operation_converse(run, conn, cancellable, error);
	/* on failure the TPS sees the connection close before END_OP and rolls back */
	esc_tps_connection_close(conn);
	return ok;
}

static gboolean
esc_operation_start(EscOperation *self, GError **error)
{
	gboolean ok;

	g_mutex_lock(&self->lock);
	ok = !self->running;
	self->running = TRUE;
	g_mutex_unlock(&self->lock);
	if (!ok)
		g_set_error_literal(error, ESC_ERROR, ESC_ERROR_FAILED, _("The operation is already running"));
	return ok;
}

static void
esc_operation_stop(EscOperation *self)
{
	g_mutex_lock(&self->lock);
	self->running = FALSE;
	g_mutex_unlock(&self->lock);
}

gboolean
esc_operation_run_with_transmit(EscOperation *self,
				EscTransmitFunc transmit,
				gpointer user_data,
				GBytes *atr,
				GCancellable *cancellable,
				GError **error)
{
	g_autoptr(EscOperationRun) run = NULL;
	gboolean ok;

	if (!esc_operation_start(self, error))
		return FALSE;
	run = esc_operation_run_new(self, FALSE);
	run->transmit = transmit;
	run->transmit_data = user_data;
	run->atr = atr != NULL ? g_bytes_ref(atr) : NULL;
	ok = esc_operation_run_loop(run, cancellable, error);
	esc_operation_stop(self);
	return ok;
}

static void
esc_operation_transmit_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	EscOperationRun *run = task_data;
	GError *error = NULL;
	gboolean ok = esc_operation_run_loop(run, cancellable, &error);

	esc_operation_stop(run->self);
	if (!ok)
		g_task_return_error(task, error);
	else
		g_task_return_boolean(task, TRUE);
}

void
esc_operation_run_with_transmit_async(EscOperation *self,
				      EscTransmitFunc transmit,
				      gpointer user_data,
				      GBytes *atr,
				      GCancellable *cancellable,
				      GAsyncReadyCallback callback,
				      gpointer callback_data)
{
	g_autoptr(GTask) task = g_task_new(self, cancellable, callback, callback_data);
	g_autoptr(GError) error = NULL;
	EscOperationRun *run;

	g_task_set_source_tag(task, esc_operation_run_with_transmit_async);
	/* our own ESC_ERROR_CANCELLED, not GTask's G_IO_ERROR_CANCELLED */
	g_task_set_check_cancellable(task, FALSE);
	if (!esc_operation_start(self, &error)) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	run = esc_operation_run_new(self, TRUE);
	run->transmit = transmit;
	run->transmit_data = user_data;
	run->atr = atr != NULL ? g_bytes_ref(atr) : NULL;
	g_task_set_task_data(task, run, (GDestroyNotify)esc_operation_run_free);
	g_task_run_in_thread(task, esc_operation_transmit_thread);
}

gboolean
esc_operation_run_with_transmit_finish(EscOperation *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, self), FALSE);
	return g_task_propagate_boolean(G_TASK(res), error);
}

/* -- with an EscCard: one job, one transaction -- */

static GBytes *
esc_operation_job_transmit(GBytes *command, gpointer user_data, GError **error)
{
	EscOperationRun *run = user_data;

	return esc_card_job_transmit(run->job, command, error);
}

/* The token left its reader: whatever the run waits for (the server, the user) it gives up
 * now instead of at the next APDU. */
static void
esc_operation_on_token_present(GObject *token, GParamSpec *pspec, gpointer user_data)
{
	EscOperationRun *run = user_data;

	if (esc_token_get_present(ESC_TOKEN(token)))
		return;
	g_atomic_int_set(&run->card_removed, 1);
	g_cancellable_cancel(run->cancellable);
}

static void
esc_operation_on_caller_cancelled(GCancellable *caller, gpointer user_data)
{
	g_cancellable_cancel(G_CANCELLABLE(user_data));
}

static gboolean
esc_operation_job(EscCardJob *job, gpointer data, GCancellable *cancellable, GError **error)
{
	EscOperationRun *run = data;
	gboolean ok;

	run->job = job;
	run->transmit = esc_operation_job_transmit;
	run->transmit_data = run;
	g_clear_pointer(&run->atr, g_bytes_unref);
	run->atr = esc_card_job_get_atr(job);
	ok = esc_operation_run_loop(run, cancellable, error);
	run->job = NULL;
	return ok;
}

static void
esc_operation_job_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	EscOperation *self = g_task_get_source_object(task);
	EscOperationRun *run = g_task_get_task_data(task);
	GError *error = NULL;
	gboolean ok = esc_card_run_job_finish(ESC_CARD(source), res, &error);

	g_clear_signal_handler(&run->present_handler, run->token);
	/* what the removal interrupted (the wait for the server or the user) is no news */
	if (!ok && g_atomic_int_get(&run->card_removed) && !g_error_matches(error, ESC_ERROR, ESC_ERROR_CARD_REMOVED)) {
		g_clear_error(&error);
		g_set_error(&error,
			    ESC_ERROR,
			    ESC_ERROR_CARD_REMOVED,
			    _("The card was removed from reader “%s” during the operation"),
			    esc_token_get_reader(run->token));
	}
	if (self->token != NULL)
		esc_token_set_busy(self->token, FALSE);
	esc_operation_stop(self);
	if (!ok)
		g_task_return_error(task, error);
	else
		g_task_return_boolean(task, TRUE);
}

void
esc_operation_run_async(EscOperation *self, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);
	g_autoptr(GError) error = NULL;
	EscCard *card = self->token != NULL ? esc_token_get_card(self->token) : self->card;
	EscOperationRun *run;

	g_task_set_source_tag(task, esc_operation_run_async);
	g_task_set_check_cancellable(task, FALSE);
	if (card == NULL) {
		g_task_return_new_error(task, ESC_ERROR, ESC_ERROR_INVALID_INPUT, "%s", _("The operation has no card to run on"));
		return;
	}
	/* a token that left its reader: another card may be there now */
	if (self->token != NULL && !esc_token_get_present(self->token)) {
		g_task_return_new_error(task,
					ESC_ERROR,
					ESC_ERROR_CARD_REMOVED,
					_("The card was removed from reader “%s”"),
					esc_token_get_reader(self->token));
		return;
	}
	if (!esc_operation_start(self, &error)) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	run = esc_operation_run_new(self, TRUE);
	g_task_set_task_data(task, run, (GDestroyNotify)esc_operation_run_free);
	run->cancellable = g_cancellable_new();
	if (cancellable != NULL) {
		run->caller_cancellable = g_object_ref(cancellable);
		run->caller_handler = g_cancellable_connect(cancellable,
							    G_CALLBACK(esc_operation_on_caller_cancelled),
							    g_object_ref(run->cancellable),
							    g_object_unref);
	}
	if (self->token != NULL) {
		run->token = g_object_ref(self->token);
		run->present_handler =
		    g_signal_connect(run->token, "notify::present", G_CALLBACK(esc_operation_on_token_present), run);
		esc_token_set_busy(self->token, TRUE);
	}
	esc_card_run_job_async(card,
			       TRUE,
			       esc_operation_job,
			       run,
			       NULL,
			       run->cancellable,
			       esc_operation_job_done,
			       g_steal_pointer(&task));
}

gboolean
esc_operation_run_finish(EscOperation *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, self), FALSE);
	return g_task_propagate_boolean(G_TASK(res), error);
}

typedef struct {
	gboolean done;
	gboolean ok;
	GError *error;
} EscOperationSync;

static void
esc_operation_sync_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	EscOperationSync *sync = user_data;

	sync->ok = esc_operation_run_finish(ESC_OPERATION(source), res, &sync->error);
	sync->done = TRUE;
}

gboolean
esc_operation_run_sync(EscOperation *self, GCancellable *cancellable, GError **error)
{
	EscOperationSync sync = {FALSE, FALSE, NULL};

	if (!g_main_context_acquire(self->context)) {
		g_set_error_literal(error,
				    ESC_ERROR,
				    ESC_ERROR_FAILED,
				    "esc_operation_run_sync() must run on the thread of the operation's main context");
		return FALSE;
	}
	g_main_context_push_thread_default(self->context);
	esc_operation_run_async(self, cancellable, esc_operation_sync_done, &sync);
	while (!sync.done)
		g_main_context_iteration(self->context, TRUE);
	g_main_context_pop_thread_default(self->context);
	g_main_context_release(self->context);
	if (!sync.ok) {
		g_propagate_error(error, sync.error);
		return FALSE;
	}
	return TRUE;
}
