/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EscOperation, EscLoginRequest, EscPinRequest and the status texts.
 *
 *  - Against tpsd ($ESC_TEST_TPSD, real TLS) with the in-process virtual card (libvcard)
 *    through esc_operation_run_with_transmit(): FORMAT (plain login), ENROLL (extended login,
 *    new PIN) and PIN RESET, the message sequences of protocol.md 1.10, the new PIN on the card;
 *    the signals marshalled to the main context (run_with_transmit_async, answers given later);
 *    the phone-home Operation URL through an EscToken; and the failures: wrong password (AUTH),
 *    untrusted certificate (TLS), cancel mid-operation and a card pulled mid-operation (the
 *    TPS rolls back and serves the next run), login cancelled.
 *  - The transcript replay (the .txt files of tests/data/transcripts): a scripted server sends the recorded
 *    server messages and checks that every client message is byte-for-byte the recorded one,
 *    while a scripted card answers the recorded responses. enroll-java-tps.txt is in the Java
 *    TPS's style (Dogtag's ldap1 extended login, Java URL encoding) with the client lines
 *    written the way ESC writes them. With ESC_TEST_RECORD_TRANSCRIPTS=<folder> the lifecycle
 *    test records new transcripts there (through a recording proxy in front of tpsd).
 *  - Small scripted servers for every protocol failure (END_OP failures, unexpected messages,
 *    an early end, unsupported requests, a bad PIN, a card error, no handler).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <openssl/rand.h>
#include <string.h>

#include "esc-core.h"
#include "esc-operation-private.h"
#include "esc-test-server.h"
#include "th-util.h"
#include "tok-bytes.h"
#include "tok-chunked-stream.h"
#include "tok-error.h"
#include "vcard-card.h"

#define TEST_USER	   "demo"
#define FIRST_PIN	   "123456"
#define SECOND_PIN	   "654321"
#define RECORDED_PASSWORD  "recorded-password"   /* replaces tpsd's random one in transcripts */
#define JAVA_PASSWORD	   "S3cret pass.word&=%" /* needs every kind of form encoding */
#define TPSD_CONFIG                                                                                \
	"[tokendb]\n"                                                                              \
	"default-policy=RE_ENROLL=YES;RENEW=NO;FORCE_FORMAT=NO;PIN_RESET=YES;RESET_PIN_RESET_TO_NO=NO\n"
#define OK_HEAD "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"

/* ---- the in-process card -------------------------------------------------------------- */

typedef struct {
	VcardCard *vcard;
	guint n_apdus;
	guint remove_at;	  /* > 0: APDU number remove_at fails as if the card was pulled */
	guint cancel_at;	  /* > 0: APDU number cancel_at cancels @cancellable (and is answered) */
	GCancellable *cancellable;
	GThread *thread; /* where the last APDU came from */
} Card;

static Card *
card_new(const gchar *cuid_hex)
{
	Card *card = g_new0(Card, 1);
	g_autoptr(GError) error = NULL;
	VcardCardConfig config;

	vcard_card_config_init(&config);
	if (cuid_hex != NULL) {
		g_autoptr(GBytes) cuid = tok_hex_decode(cuid_hex, TOK_HEX_FLAG_NONE, &error);
		TokReader reader;

		g_assert_no_error(error);
		tok_reader_init_bytes(&reader, cuid);
		g_assert_true(tok_reader_read_into(&reader, config.cuid, sizeof(config.cuid), NULL));
		config.has_cuid = TRUE;
	}
	card->vcard = vcard_card_new(&config, &error);
	g_assert_no_error(error);
	vcard_card_power_on(card->vcard);
	return card;
}

static void
card_free(Card *card)
{
	g_clear_object(&card->vcard);
	g_free(card);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Card, card_free)

static GBytes *
card_transmit(GBytes *command, gpointer user_data, GError **error)
{
	Card *card = user_data;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(command, &len);

	card->thread = g_thread_self();
	card->n_apdus++;
	if (card->remove_at > 0 && card->n_apdus == card->remove_at) {
		g_set_error_literal(error, ESC_ERROR, ESC_ERROR_CARD_REMOVED, "the card was removed");
		return NULL;
	}
	if (card->cancel_at > 0 && card->n_apdus == card->cancel_at)
		g_cancellable_cancel(card->cancellable);
	return vcard_card_transmit(card->vcard, data, len, error);
}

static gchar *
random_cuid(void)
{
	guint8 cuid[10];

	g_assert_cmpint(RAND_bytes(cuid, sizeof(cuid)), ==, 1);
	return tok_hex_encode(cuid, sizeof(cuid), TRUE);
}

/* SW of @hex sent to the card. */
static guint
card_sw(Card *card, const gchar *hex)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) apdu = tok_hex_decode(hex, TOK_HEX_FLAG_ALLOW_SPACES, &error);
	g_autoptr(GBytes) response = NULL;
	const guint8 *data;
	gsize len = 0;

	g_assert_no_error(error);
	response = card_transmit(apdu, card, &error);
	g_assert_no_error(error);
	data = g_bytes_get_data(response, &len);
	g_assert_cmpuint(len, >=, 2);
	return ((guint)data[len - 2] << 8) | data[len - 1];
}

/* Does PIN 0 of the card's CoolKey applet verify with @pin (6 digits)? */
static gboolean
card_pin_verifies(Card *card, const gchar *pin)
{
	g_autofree gchar *hex = tok_hex_encode((const guint8 *)pin, strlen(pin), TRUE);
	g_autofree gchar *verify = g_strdup_printf("B0 42 00 00 %02X %s", (guint)strlen(pin), hex);

	g_assert_cmpuint(card_sw(card, "00 A4 04 00 07 62 76 01 FF 00 00 00 00"), ==, 0x9000);
	return card_sw(card, verify) == 0x9000;
}

/* ---- the user's answers --------------------------------------------------------------- */

typedef struct {
	const gchar *user;
	const gchar *password;
	const gchar *pin;
	gboolean cancel_login;
	gboolean later; /* answer from an idle callback */
	guint n_login;
	guint n_pin;
	guint n_progress;
	guint n_log;
	guint last_percent;
	gboolean extended_seen;
	gboolean plain_seen;
	gchar *title;
	gchar *labels; /* "id=label;..." of the last login */
	guint pin_min, pin_max;
	GThread *signal_thread;
} Answers;

static void
answers_clear(Answers *a)
{
	g_clear_pointer(&a->title, g_free);
	g_clear_pointer(&a->labels, g_free);
}

static gboolean
respond_login_later(gpointer data)
{
	esc_login_request_respond(data);
	return G_SOURCE_REMOVE;
}

static gboolean
respond_pin_later(gpointer data)
{
	EscPinRequest *request = data;

	esc_pin_request_respond(request, g_object_get_data(G_OBJECT(request), "pin"));
	return G_SOURCE_REMOVE;
}

static void
on_login(EscOperation *op, EscLoginRequest *request, Answers *a)
{
	g_autoptr(GString) labels = g_string_new(NULL);

	a->signal_thread = g_thread_self();
	a->n_login++;
	if (esc_login_request_is_extended(request)) {
		a->extended_seen = TRUE;
		g_free(a->title);
		a->title = g_strdup(esc_login_request_get_title(request));
	} else {
		a->plain_seen = TRUE;
		g_assert_null(esc_login_request_get_title(request));
	}
	g_assert_false(esc_login_request_get_invalid_password(request));
	for (guint i = 0; i < esc_login_request_get_n_fields(request); i++) {
		const EscLoginField *field = esc_login_request_get_field(request, i);

		g_string_append_printf(labels, "%s=%s;", field->id, field->label);
		if (g_strcmp0(field->id, "UID") == 0)
			esc_login_request_set_value(request, field->id, a->user);
		else if (g_strcmp0(field->id, "PASSWORD") == 0)
			esc_login_request_set_value(request, field->id, a->password);
	}
	g_free(a->labels);
	a->labels = g_string_free(g_steal_pointer(&labels), FALSE);
	if (a->cancel_login)
		esc_login_request_cancel(request);
	else if (a->later)
		g_idle_add_full(G_PRIORITY_DEFAULT, respond_login_later, g_object_ref(request), g_object_unref);
	else
		esc_login_request_respond(request);
}

static void
on_pin(EscOperation *op, EscPinRequest *request, Answers *a)
{
	a->signal_thread = g_thread_self();
	a->n_pin++;
	a->pin_min = esc_pin_request_get_min_length(request);
	a->pin_max = esc_pin_request_get_max_length(request);
	if (a->later) {
		g_object_set_data_full(G_OBJECT(request), "pin", g_strdup(a->pin), g_free);
		g_idle_add_full(G_PRIORITY_DEFAULT, respond_pin_later, g_object_ref(request), g_object_unref);
	} else {
		esc_pin_request_respond(request, a->pin);
	}
}

static void
on_progress(EscOperation *op, guint percent, const gchar *task, Answers *a)
{
	a->signal_thread = g_thread_self();
	a->n_progress++;
	a->last_percent = percent;
	g_assert_nonnull(task);
}

static void
on_log(EscOperation *op, const gchar *line, Answers *a)
{
	a->n_log++;
	g_assert_true(g_str_has_prefix(line, "C> ") || g_str_has_prefix(line, "S> "));
}

/* An operation for @url (trusting @ca_file) with the test's handlers; no locale (so the
 * messages do not depend on the environment). */
static EscOperation *
new_op(EscOperationKind kind, const gchar *url, const gchar *ca_file, Answers *a)
{
	EscOperation *op = esc_operation_new_detached(kind);
	g_autoptr(EscTlsOptions) tls = esc_tls_options_new();

	if (ca_file != NULL)
		g_assert_true(esc_tls_options_set_ca_file(tls, ca_file, NULL));
	esc_tls_options_set_timeout(tls, 120);
	esc_operation_set_url(op, url);
	esc_operation_set_tls_options(op, tls);
	esc_operation_set_locale(op, NULL);
	if (kind == ESC_OPERATION_ENROLL || kind == ESC_OPERATION_FORMAT)
		esc_operation_set_token_type(op, "userKey");
	g_signal_connect(op, "login-requested", G_CALLBACK(on_login), a);
	g_signal_connect(op, "new-pin-requested", G_CALLBACK(on_pin), a);
	g_signal_connect(op, "progress", G_CALLBACK(on_progress), a);
	g_signal_connect(op, "log", G_CALLBACK(on_log), a);
	return op;
}

static gboolean
run_op(EscOperation *op, Card *card, GCancellable *cancellable, GError **error)
{
	g_autoptr(GBytes) atr = vcard_card_get_atr(card->vcard);
	gboolean ok = esc_operation_run_with_transmit(op, card_transmit, card, atr, cancellable, error);
	g_autofree gchar *text = esc_operation_get_transcript_text(op);

	g_test_message("%s: %s after %u APDUs\n%s",
		       esc_operation_kind_to_string(esc_operation_get_kind(op)),
		       ok ? "ok" : (*error)->message,
		       esc_operation_get_apdu_count(op),
		       text);
	return ok;
}

/* protocol.md 1.10.2: FORMAT with LOGIN and statusUpdate=true */
static const gchar *const format_sequence[] = {
    ("C> msg_type=2&operation=5&extensions=tokenType%3DuserKey%26clientVersion%3DESC+1%2E0%2E1%26"
    "tokenATR%3D3B80800101%26statusUpdate%3Dtrue%26"),
    "S> PDU 00A40400", "S> PDU 00A40400", "S> PDU 80CA9F7F", "S> PDU 00A40400", "S> PDU B03C0000",
    "S> msg_type=3&invalid_pw=0&blocked=0",
    "C> msg_type=4&screen_name=(redacted)&password=(redacted)",
    "S> PDU 80500000", "S> PDU 84820300", "S> PDU 84F40000",
    "S> msg_type=14&current_state=100&next_task_name=PROGRESS_DONE",
    "C> msg_type=15&current_state=100",
    "S> msg_type=13&operation=5&result=0&message=0",
    NULL,
};

/* 1.10.3: ENROLL with EXTENDED_LOGIN and statusUpdate=true */
static const gchar *const enroll_sequence[] = {
    ("C> msg_type=2&operation=1&extensions=tokenType%3DuserKey%26clientVersion%3DESC+1%2E0%2E1%26"
    "tokenATR%3D3B80800101%26statusUpdate%3Dtrue%26extendedLoginRequest%3Dtrue%26"),
    "S> PDU 80CA9F7F",
    "S> msg_type=16&invalid_pw=0&blocked=0&title=*",
    "C> msg_type=17&UID=(redacted)&PASSWORD=(redacted)",
    "S> PDU 80500000", "S> PDU 84820300",
    "S> msg_type=11&minimum_length=4&maximum_length=10",
    "C> msg_type=12&new_pin=(redacted)",
    "S> PDU 8440007F", "S> PDU 84040000",
    "S> msg_type=14&current_state=10&next_task_name=PROGRESS_PROCESS_PROFILE",
    "C> msg_type=15&current_state=10",
    "S> PDU 840C0203", "S> PDU 840C0405",
    "S> msg_type=14&current_state=92&next_task_name=PROGRESS_WRITE_OBJECTS",
    "S> PDU 845A0000", "S> PDU 84540000",
    "S> msg_type=14&current_state=98&next_task_name=PROGRESS_ISSUER_INFO",
    "S> PDU 84F40000",
    "S> msg_type=14&current_state=99&next_task_name=PROGRESS_SET_LIFECYCLE",
    "S> PDU 84F00F00",
    "S> msg_type=14&current_state=100&next_task_name=PROGRESS_DONE_ENROLLMENT",
    "S> msg_type=13&operation=1&result=0&message=0",
    NULL,
};

/* 1.10.4: PIN RESET with LOGIN (ESC sends no tokenType) */
static const gchar *const pin_reset_sequence[] = {
    ("C> msg_type=2&operation=3&extensions=clientVersion%3DESC+1%2E0%2E1%26tokenATR%3D3B80800101%26"
    "statusUpdate%3Dtrue%26"),
    "S> msg_type=14&current_state=10&next_task_name=PROGRESS_START_PIN_RESET",
    "C> msg_type=15&current_state=10",
    "S> PDU 80CA9F7F",
    "S> msg_type=3&invalid_pw=0&blocked=0",
    "C> msg_type=4&screen_name=(redacted)&password=(redacted)",
    "S> PDU 80500000", "S> PDU 84820300",
    "S> msg_type=11&minimum_length=4&maximum_length=10",
    "C> msg_type=12&new_pin=(redacted)",
    "S> PDU 84040000",
    "S> msg_type=14&current_state=100&next_task_name=PROGRESS_PIN_RESET_COMPLETE",
    "C> msg_type=15&current_state=100",
    "S> msg_type=13&operation=3&result=0&message=0",
    NULL,
};

/* ---- the recording proxy -------------------------------------------------------------- */

typedef struct {
	const gchar *upstream;
	EscTlsOptions *tls;
	GMutex lock;
	GPtrArray *lines; /* "C> s=..." / "S> s=..." raw */
} Proxy;

static void
proxy_record(Proxy *p, const gchar *direction, GBytes *wire)
{
	g_mutex_lock(&p->lock);
	g_ptr_array_add(p->lines, g_strdup_printf("%s%.*s", direction, (gint)g_bytes_get_size(wire), (const gchar *)g_bytes_get_data(wire, NULL)));
	g_mutex_unlock(&p->lock);
}

/* Reads a client message, records and forwards it; FALSE at the end. */
static gboolean
proxy_forward_client(Proxy *p, TokChunkedReader *reader, EscTpsConnection *conn)
{
	g_autoptr(GBytes) chunk = tok_chunked_reader_read(reader, NULL, NULL);
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autoptr(GBytes) again = NULL;

	if (chunk == NULL)
		return FALSE;
	proxy_record(p, "C> ", chunk);
	msg = tok_tps_message_parse_bytes(chunk, 0, NULL);
	if (msg == NULL)
		return FALSE;
	/* a parsed message re-encodes to its bytes: what tpsd gets is what the client sent */
	again = tok_tps_message_encode(msg, NULL);
	g_assert_true(g_bytes_equal(again, chunk));
	return esc_tps_connection_send(conn, msg, NULL, NULL);
}

static void
proxy_func(EscTestServer *server, GIOStream *stream, const gchar *head, gpointer user_data)
{
	Proxy *p = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTpsConnection) conn = esc_tps_connection_open(p->upstream, p->tls, NULL, &error);
	g_autoptr(TokChunkedReader) reader = tok_chunked_reader_new(g_io_stream_get_input_stream(stream), NULL, 0);
	g_autoptr(TokChunkedWriter) writer = tok_chunked_writer_new(g_io_stream_get_output_stream(stream));

	g_assert_no_error(error);
	if (!esc_test_server_write(stream, OK_HEAD) || !proxy_forward_client(p, reader, conn))
		return;
	for (;;) {
		g_autoptr(TokTpsMessage) msg = esc_tps_connection_receive(conn, NULL, NULL);
		g_autoptr(GBytes) wire = NULL;

		if (msg == NULL)
			break;
		wire = tok_tps_message_encode(msg, NULL);
		proxy_record(p, "S> ", wire);
		if (!tok_chunked_writer_write(writer, wire, NULL, NULL))
			break;
		if (tok_tps_message_get_msg_type(msg) == TOK_TPS_MSG_TYPE_END_OP)
			break;
		if (!proxy_forward_client(p, reader, conn))
			break;
	}
	tok_chunked_writer_close(writer, NULL, NULL);
	esc_tps_connection_finish_request(conn, NULL, NULL);
	while (TRUE) {
		g_autoptr(GBytes) rest = tok_chunked_reader_read(reader, NULL, NULL);
		if (rest == NULL)
			break;
	}
	esc_tps_connection_close(conn);
}

/* ---- transcript files ----------------------------------------------------------------- */

typedef struct {
	GHashTable *meta;  /* "operation" -> "enroll", ... */
	GPtrArray *lines;  /* "C> ..." / "S> ..." */
} Transcript;

static void
transcript_free(Transcript *t)
{
	g_hash_table_unref(t->meta);
	g_ptr_array_unref(t->lines);
	g_free(t);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Transcript, transcript_free)

static Transcript *
transcript_load(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	Transcript *t = g_new0(Transcript, 1);

	g_assert_true(g_file_get_contents(path, &text, NULL, &error));
	g_assert_no_error(error);
	t->meta = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	t->lines = g_ptr_array_new_with_free_func(g_free);
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *line = lines[i];

		if (line[0] == '\0')
			continue;
		if (g_str_has_prefix(line, "# ")) {
			const gchar *colon = strstr(line, ": ");
			if (colon != NULL)
				g_hash_table_replace(t->meta, g_strndup(line + 2, (gsize)(colon - line - 2)), g_strdup(colon + 2));
			continue;
		}
		g_assert_true(g_str_has_prefix(line, "C> ") || g_str_has_prefix(line, "S> "));
		g_ptr_array_add(t->lines, g_strdup(line));
	}
	return t;
}

static const gchar *
transcript_meta(Transcript *t, const gchar *key)
{
	return g_hash_table_lookup(t->meta, key);
}

static TokTpsMessage *
line_message(const gchar *line)
{
	g_autoptr(GError) error = NULL;
	const gchar *wire = line + 3;
	TokTpsMessage *msg = tok_tps_message_parse((const guint8 *)wire, strlen(wire), 65536, &error);

	g_assert_no_error(error);
	return msg;
}

static gchar *
message_line(const gchar *direction, TokTpsMessage *msg)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) wire = tok_tps_message_encode(msg, &error);

	g_assert_no_error(error);
	return g_strdup_printf("%s%.*s", direction, (gint)g_bytes_get_size(wire), (const gchar *)g_bytes_get_data(wire, NULL));
}

/* The client's login answer of @line with @password instead of the real one. */
static gchar *
replace_password(const gchar *line, const gchar *password)
{
	g_autoptr(TokTpsMessage) msg = line_message(line);
	g_autoptr(TokSecret) secret = tok_secret_new_from_text(password);
	g_autoptr(TokTpsMessage) fixed = NULL;
	g_autoptr(GError) error = NULL;

	if (tok_tps_message_get_msg_type(msg) == TOK_TPS_MSG_TYPE_LOGIN_RESPONSE) {
		g_autofree gchar *user = NULL;
		g_assert_true(tok_tps_message_get_login_response(msg, &user, NULL, &error));
		fixed = tok_tps_message_new_login_response(user, secret, &error);
	} else if (tok_tps_message_get_msg_type(msg) == TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_RESPONSE) {
		g_auto(GStrv) ids = NULL;
		g_autoptr(GPtrArray) values = NULL;

		g_assert_true(tok_tps_message_get_extended_login_response(msg, &ids, &values, &error));
		for (guint i = 0; ids[i] != NULL; i++) {
			if (g_strcmp0(ids[i], "PASSWORD") == 0) {
				tok_secret_unref(g_ptr_array_index(values, i));
				g_ptr_array_index(values, i) = tok_secret_ref(secret);
			}
		}
		fixed = tok_tps_message_new_extended_login_response((const gchar *const *)ids,
								    (TokSecret *const *)values->pdata,
								    values->len,
								    &error);
	} else {
		return g_strdup(line);
	}
	g_assert_no_error(error);
	return message_line("C> ", fixed);
}

static void
transcript_write(const gchar *path, const gchar *header, GPtrArray *lines, const gchar *real_password)
{
	g_autoptr(GString) text = g_string_new(header);
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < lines->len; i++) {
		g_autofree gchar *line = replace_password(g_ptr_array_index(lines, i), RECORDED_PASSWORD);
		g_string_append_printf(text, "%s\n", line);
	}
	if (real_password != NULL)
		g_assert_null(strstr(text->str, real_password));
	g_assert_true(g_file_set_contents(path, text->str, -1, &error));
	g_assert_no_error(error);
	g_test_message("wrote %s", path);
}

/* ESC's URLEncode (protocol.md 1.3), written independently of tok-wire-encoding: alnum
 * literal, space as '+', every other byte %XX uppercase. */
static gchar *
esc_url_encode(const guint8 *data, gsize len)
{
	GString *out = g_string_new(NULL);

	for (gsize i = 0; i < len; i++) {
		if (g_ascii_isalnum(data[i]))
			g_string_append_c(out, (gchar)data[i]);
		else if (data[i] == ' ')
			g_string_append_c(out, '+');
		else
			g_string_append_printf(out, "%%%02X", data[i]);
	}
	return g_string_free(out, FALSE);
}

/* Java's URLEncoder.encode(s, "UTF-8"): alnum and . - * _ literal, space as '+', %XX. */
static gchar *
java_url_encode(const gchar *text)
{
	GString *out = g_string_new(NULL);

	for (const guchar *p = (const guchar *)text; *p != '\0'; p++) {
		if (g_ascii_isalnum(*p) || strchr(".-*_", *p) != NULL)
			g_string_append_c(out, (gchar)*p);
		else if (*p == ' ')
			g_string_append_c(out, '+');
		else
			g_string_append_printf(out, "%%%02X", *p);
	}
	return g_string_free(out, FALSE);
}

/* "s=<N>&" + @body */
static gchar *
with_length(const gchar *direction, const gchar *body)
{
	return g_strdup_printf("%ss=%zu&%s", direction, strlen(body), body);
}

/* Dogtag's ldap1 parameter (AuthUIParameter.toString), Java-encoded. */
static gchar *
java_param(const gchar *id, const gchar *name, const gchar *type)
{
	g_autofree gchar *raw = g_strdup_printf("id=%s&name=%s&desc=%s&type=%s&option=", id, name, name, type);
	return java_url_encode(raw);
}

/* The ENROLL transcript as the Java TPS and ESC would write it: the TPS's messages with
 * Java's encodings and Dogtag's default ldap1 login UI (CS.cfg: auths.instance.ldap1.ui.*,
 * the parameters in HashSet order), the client's lines the way ESC encodes them. The APDUs
 * and card answers stay the recorded ones (re-encoded here by the independent encoders, which
 * must give the recorded bytes). */
static void
transcript_write_java(const gchar *path, GPtrArray *lines)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) text = g_string_new("# A Dogtag Java TPS ENROLL as ESC sees it (derived from enroll.txt): the server's\n"
					       "# messages in the Java TPS's encodings, Dogtag's default ldap1 extended login,\n"
					       "# the client's lines written the way ESC writes them (URLEncode: alnum literal,\n"
					       "# space '+', everything else %XX; pdu_size before pdu_data; extensions in ESC's\n"
					       "# order with its trailing %26).\n"
					       "# operation: enroll\n# token-type: userKey\n# extended-login: true\n"
					       "# status-update: true\n# card-atr: 3B80800101\n# user: " TEST_USER "\n"
					       "# password: " JAVA_PASSWORD "\n# pin: " FIRST_PIN "\n"
					       "# login-title: LDAP Authentication\n"
					       "# login-labels: PASSWORD=LDAP Password;UID=LDAP User ID;\n");
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < lines->len; i++) {
		const gchar *line = g_ptr_array_index(lines, i);
		g_autoptr(TokTpsMessage) msg = line_message(line);
		TokTpsMsgType type = tok_tps_message_get_msg_type(msg);
		g_autofree gchar *body = NULL;

		if (type == TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST || type == TOK_TPS_MSG_TYPE_TOKEN_PDU_RESPONSE) {
			g_autoptr(GBytes) pdu = tok_tps_message_get_pdu(msg, &error);
			gsize len = 0;
			const guint8 *data;
			g_autoptr(GString) enc = g_string_new(NULL);
			g_autofree gchar *rebuilt = NULL;

			g_assert_no_error(error);
			data = g_bytes_get_data(pdu, &len);
			if (type == TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST) {
				/* Util.uriEncodeInHex: every byte %XX */
				for (gsize j = 0; j < len; j++)
					g_string_append_printf(enc, "%%%02X", data[j]);
				body = g_strdup_printf("msg_type=9&pdu_size=%zu&pdu_data=%s", len, enc->str);
			} else {
				g_autofree gchar *esc = esc_url_encode(data, len);
				body = g_strdup_printf("msg_type=10&pdu_size=%zu&pdu_data=%s", len, esc);
			}
			rebuilt = with_length(line[0] == 'C' ? "C> " : "S> ", body);
			/* our encoders wrote exactly what the Java TPS and ESC write */
			g_assert_cmpstr(rebuilt, ==, line);
			g_ptr_array_add(out, g_steal_pointer(&rebuilt));
		} else if (type == TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_REQUEST) {
			g_autofree gchar *title = java_url_encode("LDAP Authentication");
			g_autofree gchar *desc = java_url_encode("This authenticates user against the LDAP directory.");
			g_autofree gchar *p0 = java_param("PASSWORD", "LDAP Password", "password");
			g_autofree gchar *p1 = java_param("UID", "LDAP User ID", "string");

			body = g_strdup_printf("msg_type=16&invalid_pw=0&blocked=0&title=%s&description=%s"
					       "&required_parameter0=%s&required_parameter1=%s",
					       title, desc, p0, p1);
			g_ptr_array_add(out, with_length("S> ", body));
		} else if (type == TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_RESPONSE) {
			g_autofree gchar *pw = esc_url_encode((const guint8 *)JAVA_PASSWORD, strlen(JAVA_PASSWORD));
			g_autofree gchar *user = esc_url_encode((const guint8 *)TEST_USER, strlen(TEST_USER));

			/* one pair per parameter, in the request's order */
			body = g_strdup_printf("msg_type=17&PASSWORD=%s&UID=%s", pw, user);
			g_ptr_array_add(out, with_length("C> ", body));
		} else {
			g_ptr_array_add(out, g_strdup(line));
		}
	}
	for (guint i = 0; i < out->len; i++)
		g_string_append_printf(text, "%s\n", (const gchar *)g_ptr_array_index(out, i));
	g_assert_true(g_file_set_contents(path, text->str, -1, &error));
	g_assert_no_error(error);
	g_test_message("wrote %s", path);
}

/* ---- the replay server ---------------------------------------------------------------- */

typedef struct {
	GPtrArray *lines; /* "S> ..." sent, "C> ..." expected ("C> *": anything); s= added if absent */
	GMutex lock;
	guint pos;
	gboolean all_done;
	gchar *mismatch;
} Replay;

static gchar *
replay_wire(const gchar *line)
{
	const gchar *body = line + 3;

	if (g_str_has_prefix(body, "s="))
		return g_strdup(body);
	return g_strdup_printf("s=%zu&%s", strlen(body), body);
}

static void
replay_fail(Replay *r, gchar *text)
{
	g_mutex_lock(&r->lock);
	if (r->mismatch == NULL)
		r->mismatch = text;
	else
		g_free(text);
	g_mutex_unlock(&r->lock);
}

static void
replay_func(EscTestServer *server, GIOStream *stream, const gchar *head, gpointer user_data)
{
	Replay *r = user_data;
	g_autoptr(TokChunkedReader) reader = tok_chunked_reader_new(g_io_stream_get_input_stream(stream), NULL, 0);
	g_autoptr(TokChunkedWriter) writer = tok_chunked_writer_new(g_io_stream_get_output_stream(stream));

	if (!esc_test_server_write(stream, OK_HEAD))
		return;
	for (guint i = 0; i < r->lines->len; i++) {
		const gchar *line = g_ptr_array_index(r->lines, i);
		g_autofree gchar *wire = replay_wire(line);

		if (line[0] == 'S') {
			g_autoptr(GBytes) chunk = g_bytes_new(wire, strlen(wire));
			if (!tok_chunked_writer_write(writer, chunk, NULL, NULL)) {
				replay_fail(r, g_strdup_printf("line %u: the client is gone", i + 1));
				return;
			}
		} else {
			g_autoptr(GError) error = NULL;
			g_autoptr(GBytes) chunk = tok_chunked_reader_read(reader, NULL, &error);

			if (chunk == NULL) {
				replay_fail(r, g_strdup_printf("line %u: the client sent nothing more (%s)", i + 1,
							       error != NULL ? error->message : "end"));
				return;
			}
			if (g_strcmp0(line, "C> *") != 0 &&
			    (g_bytes_get_size(chunk) != strlen(wire) || memcmp(g_bytes_get_data(chunk, NULL), wire, strlen(wire)) != 0)) {
				replay_fail(r, g_strdup_printf("line %u: the client sent\n  %.*s\ninstead of\n  %s", i + 1,
							       (gint)g_bytes_get_size(chunk),
							       (const gchar *)g_bytes_get_data(chunk, NULL), wire));
				return;
			}
		}
		g_mutex_lock(&r->lock);
		r->pos = i + 1;
		g_mutex_unlock(&r->lock);
	}
	tok_chunked_writer_close(writer, NULL, NULL);
	/* the client ends its body too, without another message */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) extra = tok_chunked_reader_read(reader, NULL, &error);

		if (extra != NULL || error != NULL) {
			replay_fail(r, g_strdup_printf("after the last line: %s", extra != NULL ? "another message" : error->message));
			return;
		}
	}
	g_mutex_lock(&r->lock);
	r->all_done = TRUE;
	g_mutex_unlock(&r->lock);
}

/* A card that answers the recorded responses to the recorded commands, in order. */
typedef struct {
	GPtrArray *commands;
	GPtrArray *responses;
	guint pos;
} ScriptedCard;

static GBytes *
scripted_transmit(GBytes *command, gpointer user_data, GError **error)
{
	ScriptedCard *card = user_data;

	if (card->pos >= card->commands->len || !g_bytes_equal(command, g_ptr_array_index(card->commands, card->pos))) {
		g_autofree gchar *hex = tok_hex_encode_bytes(command, TRUE);
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, "unexpected APDU %u: %s", card->pos, hex);
		return NULL;
	}
	return g_bytes_ref(g_ptr_array_index(card->responses, card->pos++));
}

static void
scripted_card_init(ScriptedCard *card, GPtrArray *lines)
{
	card->commands = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	card->responses = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	for (guint i = 0; i < lines->len; i++) {
		const gchar *line = g_ptr_array_index(lines, i);
		g_autoptr(TokTpsMessage) msg = NULL;
		g_autoptr(GError) error = NULL;
		TokTpsMsgType type;

		if (g_strcmp0(line, "C> *") == 0)
			continue;
		msg = line_message(line);
		type = tok_tps_message_get_msg_type(msg);
		if (type == TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST)
			g_ptr_array_add(card->commands, tok_tps_message_get_pdu(msg, &error));
		else if (type == TOK_TPS_MSG_TYPE_TOKEN_PDU_RESPONSE)
			g_ptr_array_add(card->responses, tok_tps_message_get_pdu(msg, &error));
		g_assert_no_error(error);
	}
	g_assert_cmpuint(card->commands->len, ==, card->responses->len);
}

static void
scripted_card_clear(ScriptedCard *card)
{
	g_ptr_array_unref(card->commands);
	g_ptr_array_unref(card->responses);
}

/* ---- unit tests ----------------------------------------------------------------------- */

static void
test_kind(void)
{
	EscOperationKind k = 0;
	GEnumClass *klass = g_type_class_ref(ESC_TYPE_OPERATION_KIND);

	g_assert_cmpstr(esc_operation_kind_to_string(ESC_OPERATION_ENROLL), ==, "enroll");
	g_assert_cmpstr(esc_operation_kind_to_string(ESC_OPERATION_PIN_RESET), ==, "pin-reset");
	g_assert_cmpstr(esc_operation_kind_to_string(ESC_OPERATION_FORMAT), ==, "format");
	g_assert_null(esc_operation_kind_to_string(0));
	g_assert_null(esc_operation_kind_to_label(9));
	g_assert_cmpstr(esc_operation_kind_to_label(ESC_OPERATION_PIN_RESET), ==, "Reset PIN");
	g_assert_true(esc_operation_kind_from_string("reset-pin", &k));
	g_assert_cmpint(k, ==, ESC_OPERATION_PIN_RESET);
	g_assert_true(esc_operation_kind_from_string("format", &k));
	g_assert_cmpint(k, ==, ESC_OPERATION_FORMAT);
	g_assert_false(esc_operation_kind_from_string("FORMAT", &k));
	g_assert_cmpint((gint)ESC_OPERATION_ENROLL, ==, (gint)TOK_TPS_OPERATION_ENROLL);
	g_assert_cmpint((gint)ESC_OPERATION_PIN_RESET, ==, (gint)TOK_TPS_OPERATION_RESET_PIN);
	g_assert_cmpint((gint)ESC_OPERATION_FORMAT, ==, (gint)TOK_TPS_OPERATION_FORMAT);
	g_assert_cmpstr(g_enum_get_value(klass, ESC_OPERATION_ENROLL)->value_nick, ==, "enroll");
	g_type_class_unref(klass);
}

static void
test_status_text(void)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	g_autofree gchar *formatted = esc_status_text_format(TOK_TPS_STATUS_ERROR_LOGIN);

	for (gint code = 0; code <= TOK_TPS_STATUS_LAST; code++) {
		const gchar *text = esc_status_text_describe((TokTpsStatus)code);

		g_assert_nonnull(text);
		g_assert_true(g_str_has_suffix(text, "."));
		g_assert_cmpuint(strlen(text), >, 20);
		g_assert_false(g_hash_table_contains(seen, text));
		g_hash_table_add(seen, (gpointer)text);
	}
	g_assert_nonnull(strstr(esc_status_text_describe(999), "does not know"));
	g_assert_nonnull(strstr(esc_status_text_describe((TokTpsStatus)-1), "does not know"));
	g_assert_true(g_str_has_suffix(formatted, "(code 14)"));
	g_assert_true(g_str_has_prefix(formatted, "Login failed"));
}

static TokTpsMessage *
parse_body(const gchar *body)
{
	g_autofree gchar *wire = g_strdup_printf("s=%zu&%s", strlen(body), body);
	g_autoptr(GError) error = NULL;
	TokTpsMessage *msg = tok_tps_message_parse((const guint8 *)wire, strlen(wire), 65536, &error);

	g_assert_no_error(error);
	return msg;
}

static void
test_login_request(void)
{
	g_autoptr(TokTpsMessage) plain = parse_body("msg_type=3&invalid_pw=1&blocked=0");
	g_autoptr(GError) error = NULL;
	g_autoptr(EscLoginRequest) request = esc_login_request_new_from_message(plain, &error);
	g_autoptr(TokSecret) value = NULL;
	g_autofree gchar *title = java_url_encode("LDAP Authentication");
	g_autofree gchar *desc = java_url_encode("This authenticates user against the LDAP directory.\nLine two");
	g_autofree gchar *p0 = java_param("UID", "LDAP User ID", "string");
	g_autofree gchar *p1 = java_param("PASSWORD", "LDAP Password", "password");
	g_autofree gchar *p2 = java_param("OTP", "", "integer");
	g_autofree gchar *ext_body = g_strdup_printf("msg_type=16&invalid_pw=0&blocked=1&title=%s&description=%s"
						     "&required_parameter0=%s&required_parameter1=%s&required_parameter2=%s",
						     title, desc, p0, p1, p2);
	g_autoptr(TokTpsMessage) ext = parse_body(ext_body);
	g_autoptr(EscLoginRequest) extended = NULL;
	const EscLoginField *field;
	const gchar *bad_bodies[] = {
	    "msg_type=13&operation=1&result=0&message=0",
	    "msg_type=16&invalid_pw=0&blocked=0&title=T&description=D",
	    "msg_type=16&invalid_pw=0&blocked=0&title=T&description=D&required_parameter0=id%3DU+I%26name%3Dx%26desc%3D%26type%3Dstring%26option%3D",
	    "msg_type=16&invalid_pw=0&blocked=0&title=T&description=D&required_parameter0=id%3DU%26name%3Dx%26desc%3D%26type%3Dradio%26option%3D",
	    "msg_type=16&invalid_pw=0&blocked=0&title=T%01&description=D&required_parameter0=id%3DU%26name%3Dx%26desc%3D%26type%3Dstring%26option%3D",
	    ("msg_type=16&invalid_pw=0&blocked=0&title=T&description=D&required_parameter0=id%3DU%26name%3Dx%26desc%3D%26type%3Dstring%26option%3D"
	     "&required_parameter1=id%3DU%26name%3Dy%26desc%3D%26type%3Dstring%26option%3D"),
	};

	/* plain LOGIN: two fields */
	g_assert_no_error(error);
	g_assert_false(esc_login_request_is_extended(request));
	g_assert_null(esc_login_request_get_title(request));
	g_assert_true(esc_login_request_get_invalid_password(request));
	g_assert_false(esc_login_request_get_blocked(request));
	g_assert_cmpuint(esc_login_request_get_n_fields(request), ==, 2);
	field = esc_login_request_get_field(request, 0);
	g_assert_cmpstr(field->id, ==, "UID");
	g_assert_cmpstr(field->label, ==, "User ID");
	g_assert_cmpint(field->type, ==, ESC_LOGIN_FIELD_STRING);
	field = esc_login_request_get_field(request, 1);
	g_assert_cmpstr(field->id, ==, "PASSWORD");
	g_assert_cmpstr(field->label, ==, "Password");
	g_assert_cmpint(field->type, ==, ESC_LOGIN_FIELD_PASSWORD);
	g_assert_null(esc_login_request_get_field(request, 2));

	/* values in wiped memory; unknown ids are refused with a warning */
	esc_login_request_set_value(request, "PASSWORD", "secret");
	value = esc_login_request_dup_secret(request, "PASSWORD");
	g_assert_true(tok_secret_equal_data(value, (const guint8 *)"secret", 6));
	esc_login_request_set_value(request, "PASSWORD", NULL);
	g_assert_null(esc_login_request_dup_secret(request, "PASSWORD"));
	g_test_expect_message("esc-core", G_LOG_LEVEL_WARNING, "*no field*");
	esc_login_request_set_value(request, "OTHER", "x");
	g_test_assert_expected_messages();
	g_assert_false(esc_login_request_is_answered(request));
	g_assert_cmpint(esc_login_request_get_state(request), ==, ESC_REQUEST_PENDING);
	esc_login_request_cancel(request);
	esc_login_request_respond(request); /* too late */
	g_assert_true(esc_login_request_is_answered(request));
	g_assert_cmpint(esc_login_request_get_state(request), ==, ESC_REQUEST_CANCELLED);
	g_assert_cmpint(esc_login_request_wait(request, NULL), ==, ESC_REQUEST_CANCELLED);

	/* extended: Dogtag's ldap1 form in the Java TPS's encoding, plus an integer field */
	extended = esc_login_request_new_from_message(ext, &error);
	g_assert_no_error(error);
	g_assert_true(esc_login_request_is_extended(extended));
	g_assert_true(esc_login_request_get_blocked(extended));
	g_assert_cmpstr(esc_login_request_get_title(extended), ==, "LDAP Authentication");
	g_assert_cmpstr(esc_login_request_get_description(extended), ==, "This authenticates user against the LDAP directory.\nLine two");
	g_assert_cmpuint(esc_login_request_get_n_fields(extended), ==, 3);
	field = esc_login_request_get_field(extended, 0);
	g_assert_cmpstr(field->id, ==, "UID");
	g_assert_cmpstr(field->label, ==, "LDAP User ID");
	g_assert_cmpstr(field->description, ==, "LDAP User ID");
	field = esc_login_request_get_field(extended, 1);
	g_assert_cmpstr(field->id, ==, "PASSWORD");
	g_assert_cmpint(field->type, ==, ESC_LOGIN_FIELD_PASSWORD);
	field = esc_login_request_get_field(extended, 2);
	g_assert_cmpstr(field->id, ==, "OTP");
	g_assert_cmpstr(field->label, ==, "OTP"); /* no name: the id */
	g_assert_cmpint(field->type, ==, ESC_LOGIN_FIELD_INTEGER);
	esc_login_request_respond(extended);
	g_assert_cmpint(esc_login_request_get_state(extended), ==, ESC_REQUEST_RESPONDED);

	for (guint i = 0; i < G_N_ELEMENTS(bad_bodies); i++) {
		g_autoptr(TokTpsMessage) msg = parse_body(bad_bodies[i]);
		g_autoptr(EscLoginRequest) bad = esc_login_request_new_from_message(msg, &error);

		g_test_message("bad %u: %s", i, error != NULL ? error->message : "(accepted)");
		g_assert_null(bad);
		g_assert_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL);
		g_clear_error(&error);
	}
}

static void
test_pin_request(void)
{
	g_autoptr(EscPinRequest) request = esc_pin_request_new(4, 10);
	g_autoptr(EscPinRequest) exact = esc_pin_request_new(6, 6);
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) pin = NULL;
	const gchar *bad[] = {"123", "12345678901", "12&4", "12=4", "12 34", "12\t4", "1234\xc3\xa9"};

	g_assert_cmpuint(esc_pin_request_get_min_length(request), ==, 4);
	g_assert_cmpuint(esc_pin_request_get_max_length(request), ==, 10);
	g_assert_true(esc_pin_request_check(request, "1234", &error));
	g_assert_true(esc_pin_request_check(request, "aB3$%!?-_x", &error));
	g_assert_no_error(error);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_false(esc_pin_request_check(request, bad[i], &error));
		g_assert_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
		g_clear_error(&error);
	}
	g_assert_false(esc_pin_request_check(exact, "12345", &error));
	g_assert_nonnull(strstr(error->message, "6 characters"));
	g_clear_error(&error);

	g_assert_false(esc_pin_request_is_answered(request));
	g_assert_null(esc_pin_request_dup_pin(request));
	esc_pin_request_respond(request, "2468");
	esc_pin_request_respond(request, "1357"); /* once */
	esc_pin_request_cancel(request);
	g_assert_true(esc_pin_request_is_answered(request));
	g_assert_cmpint(esc_pin_request_wait(request, NULL), ==, ESC_REQUEST_RESPONDED);
	pin = esc_pin_request_dup_pin(request);
	g_assert_true(tok_secret_equal_data(pin, (const guint8 *)"2468", 4));
	esc_pin_request_cancel(exact);
	g_assert_cmpint(esc_pin_request_get_state(exact), ==, ESC_REQUEST_CANCELLED);
}

static gpointer
cancel_soon(gpointer data)
{
	g_usleep(G_USEC_PER_SEC / 10);
	g_cancellable_cancel(data);
	return NULL;
}

static void
test_request_wait_cancelled(void)
{
	g_autoptr(EscPinRequest) request = esc_pin_request_new(4, 8);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	GThread *thread = g_thread_new("cancel", cancel_soon, cancellable);
	g_autoptr(TokTpsMessage) msg = parse_body("msg_type=3&invalid_pw=0&blocked=0");
	g_autoptr(EscLoginRequest) login = esc_login_request_new_from_message(msg, NULL);

	/* the wait ends when the cancellable fires, the request stays unanswered */
	g_assert_cmpint(esc_pin_request_wait(request, cancellable), ==, ESC_REQUEST_PENDING);
	g_thread_join(thread);
	g_assert_cmpint(esc_login_request_wait(login, cancellable), ==, ESC_REQUEST_PENDING);
}

static void
test_transcript_line(void)
{
	struct {
		const gchar *body;
		const gchar *line;
	} cases[] = {
	    {"msg_type=4&screen_name=demo&password=secret", "C> msg_type=4&screen_name=(redacted)&password=(redacted)"},
	    {"msg_type=17&UID=demo&PASSWORD=x&OTP=1", "C> msg_type=17&UID=(redacted)&PASSWORD=(redacted)&OTP=(redacted)"},
	    {"msg_type=12&new_pin=123456", "C> msg_type=12&new_pin=(redacted)"},
	    {"msg_type=10&pdu_size=3&pdu_data=%01%90%00", "C> PDU-RESPONSE 9000"},
	    {"msg_type=9&pdu_size=5&pdu_data=%84%82%03%00%00", "C> PDU 84820300"},
	    {"msg_type=15&current_state=10", "C> msg_type=15&current_state=10"},
	    {"msg_type=2&operation=1&extensions=tokenType%3DuserKey", "C> msg_type=2&operation=1&extensions=tokenType%3DuserKey"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(TokTpsMessage) msg = parse_body(cases[i].body);
		g_autofree gchar *line = esc_operation_transcript_line("C> ", msg);
		g_assert_cmpstr(line, ==, cases[i].line);
	}
}

static void
test_no_url(void)
{
	Answers a = {0};
	g_autoptr(EscOperation) op = esc_operation_new_detached(ESC_OPERATION_FORMAT);
	g_autoptr(Card) card = card_new(NULL);
	g_autoptr(GError) error = NULL;

	g_assert_null(esc_operation_get_url(op));
	g_assert_null(esc_operation_get_token(op));
	g_assert_cmpint((gint)esc_operation_get_status(op), ==, -1);
	g_assert_cmpint(esc_operation_get_result(op), ==, -1);
	g_assert_false(esc_operation_run_with_transmit(op, card_transmit, card, NULL, NULL, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
	g_clear_error(&error);
	/* an operation the TPS protocol does not have */
	g_clear_object(&op);
	op = esc_operation_new_detached(42);
	esc_operation_set_url(op, "https://127.0.0.1:1/tps/tps");
	g_assert_false(esc_operation_run_with_transmit(op, card_transmit, card, NULL, NULL, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
	g_assert_cmpuint(card->n_apdus, ==, 0);
	g_clear_error(&error);
	/* run_sync / run_async need a card (or a token) */
	g_assert_false(esc_operation_run_sync(op, NULL, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
	g_assert_nonnull(strstr(error->message, "no card"));
	answers_clear(&a);
}

static void
test_refused(void)
{
	Answers a = {0};
	g_autoptr(GSocket) socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autofree gchar *url = NULL;
	g_autoptr(EscOperation) op = NULL;
	g_autoptr(Card) card = card_new(NULL);
	g_autoptr(GError) error = NULL;

	g_assert_true(g_socket_bind(socket, address, TRUE, NULL));
	bound = g_socket_get_local_address(socket, NULL);
	url = g_strdup_printf("https://127.0.0.1:%u/tps/tps", g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
	g_socket_close(socket, NULL);
	op = new_op(ESC_OPERATION_FORMAT, url, NULL, &a);
	g_assert_false(run_op(op, card, NULL, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_CONNECT);
	g_assert_cmpuint(card->n_apdus, ==, 0);
	answers_clear(&a);
}

/* ---- scripted servers: protocol failures ---------------------------------------------- */

typedef struct {
	const gchar *name;
	const gchar *const *lines;
	EscError code; /* 0: success */
	const gchar *needle;
	gboolean cancel_login;
	gboolean no_handlers;
	const gchar *pin;
	gboolean card_fails;
} Scenario;

#define BEGIN "C> *"
static const gchar *const s_end_fail[] = {BEGIN, "S> msg_type=13&operation=5&result=1&message=27", NULL};
static const gchar *const s_end_login[] = {BEGIN, "S> msg_type=13&operation=5&result=1&message=14", NULL};
static const gchar *const s_end_unknown[] = {BEGIN, "S> msg_type=13&operation=5&result=1&message=77", NULL};
static const gchar *const s_success[] = {
    BEGIN,
    "S> msg_type=14&current_state=50&next_task_name=PROGRESS_HALF",
    "C> msg_type=15&current_state=50",
    "S> msg_type=9&pdu_size=5&pdu_data=%B0%3C%00%00%10",
    "C> *",
    "S> msg_type=13&operation=5&result=0&message=0",
    NULL,
};
static const gchar *const s_unexpected[] = {BEGIN, "S> msg_type=2&operation=5&extensions=a%3Db", NULL};
static const gchar *const s_response_type[] = {BEGIN, "S> msg_type=15&current_state=1", NULL};
static const gchar *const s_secureid[] = {BEGIN, "S> msg_type=5&pin_required=1&next_value=0", NULL};
static const gchar *const s_asq[] = {BEGIN, "S> msg_type=7&question=Why%3F", NULL};
static const gchar *const s_early_end[] = {BEGIN, "S> msg_type=14&current_state=5&next_task_name=X", "C> *", NULL};
static const gchar *const s_login[] = {BEGIN, "S> msg_type=3&invalid_pw=0&blocked=0", "C> *",
				       "S> msg_type=13&operation=5&result=0&message=0", NULL};
static const gchar *const s_bad_login[] = {BEGIN,
					   ("S> msg_type=16&invalid_pw=0&blocked=0&title=T&description=D"
					    "&required_parameter0=id%3D%2F%26name%3Dx%26desc%3D%26type%3Dstring%26option%3D"),
					   NULL};
static const gchar *const s_new_pin[] = {BEGIN, "S> msg_type=11&minimum_length=4&maximum_length=10", "C> *",
					 "S> msg_type=13&operation=5&result=0&message=0", NULL};
static const gchar *const s_bad_pin_range[] = {BEGIN, "S> msg_type=11&minimum_length=9&maximum_length=4", NULL};
static const gchar *const s_bad_apdu[] = {BEGIN, "S> msg_type=9&pdu_size=9&pdu_data=%B0%3C", NULL};
static const gchar *const s_card_error[] = {BEGIN, "S> msg_type=9&pdu_size=4&pdu_data=%FF%FF%FF%FF", NULL};
static const gchar *const s_extra_after_end[] = {BEGIN, "S> msg_type=13&operation=5&result=0&message=0",
						 "S> msg_type=14&current_state=5&next_task_name=X", NULL};

static const Scenario scenarios[] = {
    {"end-op-failure", s_end_fail, ESC_ERROR_SERVER, "(code 27)"},
    {"end-op-login", s_end_login, ESC_ERROR_AUTH, "(code 14)"},
    {"end-op-unknown-status", s_end_unknown, ESC_ERROR_SERVER, "(code 77)"},
    {"success", s_success, 0, NULL},
    {"unexpected-begin-op", s_unexpected, ESC_ERROR_PROTOCOL, "BEGIN_OP"},
    {"unexpected-response", s_response_type, ESC_ERROR_PROTOCOL, "STATUS_UPDATE_RESPONSE"},
    {"secureid", s_secureid, ESC_ERROR_PROTOCOL, "does not support"},
    {"asq", s_asq, ESC_ERROR_PROTOCOL, "does not support"},
    {"early-end", s_early_end, ESC_ERROR_PROTOCOL, "without a result"},
    {"login-cancelled", s_login, ESC_ERROR_CANCELLED, "cancelled", TRUE},
    {"login-no-handler", s_login, ESC_ERROR_CANCELLED, "nobody", FALSE, TRUE},
    {"login-bad-request", s_bad_login, ESC_ERROR_PROTOCOL, "login parameter"},
    {"new-pin-invalid", s_new_pin, ESC_ERROR_INVALID_INPUT, "“&”", FALSE, FALSE, "12&4"},
    {"new-pin-ok", s_new_pin, 0, NULL, FALSE, FALSE, "1234"},
    {"new-pin-bad-range", s_bad_pin_range, ESC_ERROR_PROTOCOL, "exceeds"},
    {"bad-apdu", s_bad_apdu, ESC_ERROR_PROTOCOL, "pdu_size"},
    {"card-error", s_card_error, ESC_ERROR_CARD, "APDU 0", FALSE, FALSE, NULL, TRUE},
    {"extra-after-end-op", s_extra_after_end, 0, NULL},
};

/* A card reader that fails in a way that is not an ESC_ERROR. */
static GBytes *
failing_transmit(GBytes *command, gpointer user_data, GError **error)
{
	g_set_error_literal(error, TOK_ERROR, TOK_ERROR_CARD, "the card answered garbage");
	return NULL;
}

static void
test_scenario(gconstpointer data)
{
	const Scenario *s = data;
	Replay replay = {0};
	Answers a = {.user = TEST_USER, .password = "pw", .pin = s->pin != NULL ? s->pin : "1234", .cancel_login = s->cancel_login};
	g_autoptr(EscTestServer) server = NULL;
	g_autoptr(EscOperation) op = NULL;
	g_autoptr(Card) card = card_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	gboolean ok;

	replay.lines = g_ptr_array_new_with_free_func(g_free);
	g_mutex_init(&replay.lock);
	for (guint i = 0; s->lines[i] != NULL; i++)
		g_ptr_array_add(replay.lines, g_strdup(s->lines[i]));
	server = esc_test_server_new(NULL, replay_func, &replay);
	url = esc_test_server_get_url(server, "/tps/tps");
	if (s->no_handlers) {
		op = esc_operation_new_detached(ESC_OPERATION_FORMAT);
		esc_operation_set_url(op, url);
	} else {
		op = new_op(ESC_OPERATION_FORMAT, url, NULL, &a);
	}
	if (s->card_fails)
		ok = esc_operation_run_with_transmit(op, failing_transmit, NULL, NULL, NULL, &error);
	else
		ok = run_op(op, card, NULL, &error);
	if (s->code == 0) {
		g_assert_no_error(error);
		g_assert_true(ok);
		g_assert_cmpint(esc_operation_get_status(op), ==, 0);
		g_assert_cmpint(esc_operation_get_result(op), ==, 0);
	} else {
		g_test_message("%s: %s", s->name, error->message);
		g_assert_false(ok);
		g_assert_error(error, ESC_ERROR, (gint)s->code);
		g_assert_nonnull(strstr(error->message, s->needle));
	}
	if (g_strcmp0(s->name, "success") == 0) {
		g_assert_cmpuint(a.n_progress, ==, 1);
		g_assert_cmpuint(a.last_percent, ==, 50);
		g_assert_cmpuint(esc_operation_get_apdu_count(op), ==, 1);
		g_assert_cmpuint(a.n_log, ==, esc_operation_get_transcript(op)->len);
	}
	if (g_str_has_prefix(s->name, "login-") && !s->no_handlers && s->code != ESC_ERROR_PROTOCOL)
		g_assert_cmpuint(a.n_login, ==, 1);
	esc_test_server_wait(server, 1);
	g_ptr_array_unref(replay.lines);
	g_free(replay.mismatch);
	g_mutex_clear(&replay.lock);
	answers_clear(&a);
}

/* ---- the transcript replay ------------------------------------------------------------ */

static gboolean
meta_bool(Transcript *t, const gchar *key)
{
	return g_strcmp0(transcript_meta(t, key), "true") == 0;
}

static void
replay_transcript(const gchar *name, const gchar *pin_override, gboolean expect_mismatch)
{
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "data", "transcripts", name, NULL);
	g_autoptr(Transcript) t = transcript_load(path);
	Replay replay = {0};
	ScriptedCard card = {0};
	Answers a = {0};
	g_autoptr(EscTestServer) server = NULL;
	g_autoptr(EscOperation) op = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) atr = NULL;
	g_autofree gchar *url = NULL;
	EscOperationKind kind = 0;
	gboolean ok;

	g_assert_true(esc_operation_kind_from_string(transcript_meta(t, "operation"), &kind));
	a.user = transcript_meta(t, "user");
	a.password = transcript_meta(t, "password");
	a.pin = pin_override != NULL ? pin_override : transcript_meta(t, "pin");
	replay.lines = t->lines;
	g_mutex_init(&replay.lock);
	scripted_card_init(&card, t->lines);
	server = esc_test_server_new(NULL, replay_func, &replay);
	url = esc_test_server_get_url(server, "/tps/tps");
	op = new_op(kind, url, NULL, &a);
	esc_operation_set_token_type(op, transcript_meta(t, "token-type"));
	esc_operation_set_extended_login(op, meta_bool(t, "extended-login"));
	esc_operation_set_status_update(op, meta_bool(t, "status-update"));
	atr = tok_hex_decode(transcript_meta(t, "card-atr"), TOK_HEX_FLAG_NONE, &error);
	g_assert_no_error(error);

	ok = esc_operation_run_with_transmit(op, scripted_transmit, &card, atr, NULL, &error);
	esc_test_server_wait(server, 1);
	if (expect_mismatch) {
		g_test_message("%s\n%s", error != NULL ? error->message : "no error", replay.mismatch);
		g_assert_false(ok);
		g_assert_nonnull(replay.mismatch);
		g_assert_nonnull(strstr(replay.mismatch, "msg_type=12&new_pin="));
	} else {
		if (replay.mismatch != NULL)
			g_test_message("%s", replay.mismatch);
		g_assert_null(replay.mismatch);
		g_assert_no_error(error);
		g_assert_true(ok);
		g_assert_true(replay.all_done);
		g_assert_cmpuint(card.pos, ==, card.commands->len);
		g_assert_cmpuint(esc_operation_get_apdu_count(op), ==, card.commands->len);
		g_assert_cmpint(esc_operation_get_status(op), ==, TOK_TPS_STATUS_NO_ERROR);
		g_assert_cmpuint(a.n_login, ==, 1);
		if (transcript_meta(t, "login-title") != NULL)
			g_assert_cmpstr(a.title, ==, transcript_meta(t, "login-title"));
		if (transcript_meta(t, "login-labels") != NULL)
			g_assert_cmpstr(a.labels, ==, transcript_meta(t, "login-labels"));
		g_test_message("replayed %u lines, %u APDUs", t->lines->len, card.commands->len);
	}
	scripted_card_clear(&card);
	g_free(replay.mismatch);
	g_mutex_clear(&replay.lock);
	answers_clear(&a);
}

static void
test_replay(gconstpointer data)
{
	replay_transcript(data, NULL, FALSE);
}

static void
test_replay_mismatch(void)
{
	/* another PIN than the recorded one: the server sees the difference at once */
	replay_transcript("enroll.txt", "999999", TRUE);
}

/* ---- against tpsd --------------------------------------------------------------------- */

static void
assert_tpsd_alive(EscTestTpsd *tpsd)
{
	if (!esc_test_tpsd_is_alive(tpsd)) {
		g_autofree gchar *out = esc_test_tpsd_get_output(tpsd);
		g_test_message("tpsd:\n%s", out);
	}
	g_assert_true(esc_test_tpsd_is_alive(tpsd));
}

static void
test_tpsd_lifecycle(void)
{
	g_autoptr(EscTestTpsd) tpsd = esc_test_tpsd_start(TPSD_CONFIG);
	const gchar *record_dir = g_getenv("ESC_TEST_RECORD_TRANSCRIPTS");
	Proxy proxy = {0};
	Answers a = {.user = TEST_USER};
	g_autoptr(EscTestServer) server = NULL;
	g_autoptr(Card) card = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	const struct {
		EscOperationKind kind;
		gboolean extended;
		const gchar *pin;
		const gchar *const *sequence;
		const gchar *file;
	} steps[] = {
	    {ESC_OPERATION_FORMAT, FALSE, NULL, format_sequence, "format.txt"},
	    {ESC_OPERATION_ENROLL, TRUE, FIRST_PIN, enroll_sequence, "enroll.txt"},
	    {ESC_OPERATION_PIN_RESET, FALSE, SECOND_PIN, pin_reset_sequence, "pin-reset.txt"},
	};

	if (tpsd == NULL)
		return;
	a.password = esc_test_tpsd_get_password(tpsd);
	/* the default CUID: recorded transcripts stay the same card */
	card = card_new(NULL);
	proxy.upstream = esc_test_tpsd_get_url(tpsd);
	proxy.tls = esc_tls_options_new();
	g_assert_true(esc_tls_options_set_ca_file(proxy.tls, esc_test_tpsd_get_trust_file(tpsd), NULL));
	g_mutex_init(&proxy.lock);
	proxy.lines = g_ptr_array_new_with_free_func(g_free);
	server = esc_test_server_new(NULL, proxy_func, &proxy);
	url = esc_test_server_get_url(server, "/tps/tps");

	for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
		g_autoptr(EscOperation) op = new_op(steps[i].kind, url, NULL, &a);

		a.pin = steps[i].pin;
		a.n_login = a.n_pin = a.n_progress = 0;
		a.extended_seen = a.plain_seen = FALSE;
		esc_operation_set_extended_login(op, steps[i].extended);
		g_ptr_array_set_size(proxy.lines, 0);
		if (!run_op(op, card, NULL, &error)) {
			g_autofree gchar *out = esc_test_tpsd_get_output(tpsd);
			g_test_message("tpsd:\n%s", out);
		}
		g_assert_no_error(error);
		esc_test_server_wait(server, i + 1);
		g_assert_cmpint(esc_operation_get_status(op), ==, TOK_TPS_STATUS_NO_ERROR);
		g_assert_cmpint(esc_operation_get_result(op), ==, 0);
		g_assert_cmpuint(esc_operation_get_apdu_count(op), >, 5);
		g_assert_cmpuint(a.n_login, ==, 1);
		g_assert_true(steps[i].extended ? a.extended_seen : a.plain_seen);
		g_assert_cmpuint(a.n_progress, >, 0);
		g_assert_cmpuint(a.n_pin, ==, steps[i].pin != NULL ? 1 : 0);
		th_assert_sequence(esc_operation_get_transcript(op), steps[i].sequence);
		if (steps[i].kind == ESC_OPERATION_ENROLL) {
			g_assert_cmpuint(a.pin_min, ==, 4);
			g_assert_cmpuint(a.pin_max, ==, 10);
			g_assert_nonnull(a.title);
		}
		if (record_dir != NULL) {
			g_autofree gchar *path = g_build_filename(record_dir, steps[i].file, NULL);
			g_autofree gchar *header = g_strdup_printf(
			    "# Recorded with tpsd and the in-process virtual card (tests/unit/client/test-esc-operation.c,\n"
			    "# ESC_TEST_RECORD_TRANSCRIPTS): every message of one %s, both directions, raw.\n"
			    "# Only the password is replaced by the test's own value.\n"
			    "# operation: %s\n# token-type: %s\n# extended-login: %s\n# status-update: true\n"
			    "# card-atr: 3B80800101\n# user: " TEST_USER "\n# password: " RECORDED_PASSWORD "\n%s%s%s",
			    esc_operation_kind_to_string(steps[i].kind),
			    esc_operation_kind_to_string(steps[i].kind),
			    steps[i].kind == ESC_OPERATION_PIN_RESET ? "-" : "userKey",
			    steps[i].extended ? "true" : "false",
			    steps[i].pin != NULL ? "# pin: " : "",
			    steps[i].pin != NULL ? steps[i].pin : "",
			    steps[i].pin != NULL ? "\n" : "");
			transcript_write(path, header, proxy.lines, a.password);
			if (steps[i].kind == ESC_OPERATION_ENROLL) {
				g_autofree gchar *java = g_build_filename(record_dir, "enroll-java-tps.txt", NULL);
				transcript_write_java(java, proxy.lines);
			}
		}
	}
	/* the PIN the TPS set last is the card's PIN now */
	g_assert_true(card_pin_verifies(card, SECOND_PIN));
	g_assert_false(card_pin_verifies(card, FIRST_PIN));
	assert_tpsd_alive(tpsd);
	g_ptr_array_unref(proxy.lines);
	esc_tls_options_unref(proxy.tls);
	g_mutex_clear(&proxy.lock);
	answers_clear(&a);
}

static void
test_tpsd_wrong_password(void)
{
	g_autoptr(EscTestTpsd) tpsd = esc_test_tpsd_start(TPSD_CONFIG);
	Answers a = {.user = TEST_USER, .password = "not-the-password"};
	g_autoptr(EscOperation) op = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *cuid = random_cuid();
	g_autoptr(Card) card = card_new(cuid);

	if (tpsd == NULL)
		return;
	op = new_op(ESC_OPERATION_FORMAT, esc_test_tpsd_get_url(tpsd), esc_test_tpsd_get_trust_file(tpsd), &a);
	g_assert_false(run_op(op, card, NULL, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_AUTH);
	g_assert_nonnull(strstr(error->message, "(code 14)"));
	g_assert_cmpint(esc_operation_get_status(op), ==, TOK_TPS_STATUS_ERROR_LOGIN);
	g_assert_cmpint(esc_operation_get_result(op), ==, 1);
	g_assert_cmpuint(a.n_login, ==, 1);
	assert_tpsd_alive(tpsd);
	answers_clear(&a);
}

static void
test_tpsd_untrusted(void)
{
	g_autoptr(EscTestTpsd) tpsd = esc_test_tpsd_start(TPSD_CONFIG);
	Answers a = {.user = TEST_USER};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = NULL;
	g_autoptr(ThTestCert) other = NULL;
	g_autoptr(Card) card = card_new(NULL);

	if (tpsd == NULL)
		return;
	dir = g_dir_make_tmp("esc-op-cert-XXXXXX", &error);
	g_assert_no_error(error);
	other = th_test_cert_new(dir, "other", "127.0.0.1", "IP:127.0.0.1,DNS:localhost", NULL, FALSE);
	/* another self-signed certificate as CA file; then none at all */
	for (guint i = 0; i < 2; i++) {
		g_autoptr(EscOperation) op = new_op(ESC_OPERATION_FORMAT, esc_test_tpsd_get_url(tpsd), i == 0 ? other->cert_path : NULL, &a);

		g_assert_false(run_op(op, card, NULL, &error));
		g_assert_error(error, ESC_ERROR, ESC_ERROR_TLS);
		g_assert_nonnull(strstr(error->message, "not trusted"));
		g_clear_error(&error);
	}
	g_assert_cmpuint(card->n_apdus, ==, 0);
	g_assert_cmpuint(a.n_login, ==, 0);
	g_clear_pointer(&other, th_test_cert_free);
	g_rmdir(dir);
	assert_tpsd_alive(tpsd);
	answers_clear(&a);
}

/* A cancel and a pulled card in the middle of ENROLL: the TPS sees the connection go, rolls
 * back, and the next ENROLL of the same card works. */
static void
test_tpsd_interrupted(void)
{
	g_autoptr(EscTestTpsd) tpsd = esc_test_tpsd_start(TPSD_CONFIG);
	Answers a = {.user = TEST_USER, .pin = FIRST_PIN};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *cuid = random_cuid();
	g_autoptr(Card) card = card_new(cuid);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	g_autoptr(EscOperation) format = NULL;
	g_autoptr(EscOperation) enroll = NULL;
	g_autoptr(EscOperation) login_cancelled = NULL;

	if (tpsd == NULL)
		return;
	a.password = esc_test_tpsd_get_password(tpsd);
	format = new_op(ESC_OPERATION_FORMAT, esc_test_tpsd_get_url(tpsd), esc_test_tpsd_get_trust_file(tpsd), &a);
	g_assert_true(run_op(format, card, NULL, &error));
	g_assert_no_error(error);

	/* cancelled while the TPS drives the card */
	enroll = new_op(ESC_OPERATION_ENROLL, esc_test_tpsd_get_url(tpsd), esc_test_tpsd_get_trust_file(tpsd), &a);
	card->n_apdus = 0;
	card->cancel_at = 12;
	card->cancellable = cancellable;
	g_assert_false(run_op(enroll, card, cancellable, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_CANCELLED);
	g_assert_cmpint((gint)esc_operation_get_status(enroll), ==, -1);
	g_clear_error(&error);
	g_assert_cmpuint(card->n_apdus, ==, 12);
	card->cancel_at = 0;
	card->cancellable = NULL;
	assert_tpsd_alive(tpsd);

	/* the card is pulled */
	card->n_apdus = 0;
	card->remove_at = 20;
	g_assert_false(run_op(enroll, card, NULL, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_CARD_REMOVED);
	g_assert_nonnull(strstr(error->message, "APDU 19"));
	g_clear_error(&error);
	card->remove_at = 0;
	vcard_card_reset(card->vcard);
	assert_tpsd_alive(tpsd);

	/* the user cancels the login */
	a.cancel_login = TRUE;
	login_cancelled = new_op(ESC_OPERATION_ENROLL, esc_test_tpsd_get_url(tpsd), esc_test_tpsd_get_trust_file(tpsd), &a);
	g_assert_false(run_op(login_cancelled, card, NULL, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_CANCELLED);
	g_clear_error(&error);
	a.cancel_login = FALSE;

	/* a whole ENROLL works afterwards (the same operation object runs again) */
	a.n_pin = 0;
	g_assert_true(run_op(enroll, card, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(a.n_pin, ==, 1);
	g_assert_true(card_pin_verifies(card, FIRST_PIN));
	assert_tpsd_alive(tpsd);
	answers_clear(&a);
}

typedef struct {
	GMainLoop *loop;
	gboolean ok;
	GError *error;
} AsyncRun;

static void
on_run_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	AsyncRun *r = user_data;

	r->ok = esc_operation_run_with_transmit_finish(ESC_OPERATION(source), res, &r->error);
	g_main_loop_quit(r->loop);
}

/* The marshalled path: the loop on a worker thread, the signals on this thread's main
 * context, the login and PIN answered later from idle callbacks. */
static void
test_tpsd_async(void)
{
	g_autoptr(EscTestTpsd) tpsd = esc_test_tpsd_start(TPSD_CONFIG);
	Answers a = {.user = TEST_USER, .pin = FIRST_PIN, .later = TRUE};
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autofree gchar *cuid = random_cuid();
	g_autoptr(Card) card = card_new(cuid);
	g_autoptr(GBytes) atr = vcard_card_get_atr(card->vcard);
	const EscOperationKind kinds[] = {ESC_OPERATION_FORMAT, ESC_OPERATION_ENROLL};

	if (tpsd == NULL)
		return;
	a.password = esc_test_tpsd_get_password(tpsd);
	for (guint i = 0; i < G_N_ELEMENTS(kinds); i++) {
		g_autoptr(EscOperation) op = new_op(kinds[i], esc_test_tpsd_get_url(tpsd), esc_test_tpsd_get_trust_file(tpsd), &a);
		AsyncRun r = {loop, FALSE, NULL};
		g_autoptr(GError) busy = NULL;

		a.signal_thread = NULL;
		esc_operation_run_with_transmit_async(op, card_transmit, card, atr, NULL, on_run_done, &r);
		/* one run at a time */
		g_assert_false(esc_operation_run_with_transmit(op, card_transmit, card, atr, NULL, &busy));
		g_assert_error(busy, ESC_ERROR, ESC_ERROR_FAILED);
		g_main_loop_run(loop);
		if (r.error != NULL)
			g_test_message("%s", r.error->message);
		g_assert_no_error(r.error);
		g_assert_true(r.ok);
		g_assert_true(a.signal_thread == g_thread_self());
		g_assert_true(card->thread != g_thread_self());
		g_assert_cmpint(esc_operation_get_status(op), ==, TOK_TPS_STATUS_NO_ERROR);
	}
	g_assert_cmpuint(a.n_pin, ==, 1);
	g_assert_true(card_pin_verifies(card, FIRST_PIN));
	answers_clear(&a);
}

/* Phone home at tpsd, then an operation on an EscToken that takes the URL and the token type
 * from the answer ("https://localhost:PORT/tps/tps"). */
static void
test_tpsd_phone_home(void)
{
	g_autoptr(EscTestTpsd) tpsd = esc_test_tpsd_start(TPSD_CONFIG);
	Answers a = {.user = TEST_USER};
	g_autoptr(EscTlsOptions) tls = esc_tls_options_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(EscIssuerInfo) issuer = NULL;
	g_autoptr(EscToken) token = NULL;
	g_autoptr(EscOperation) op = NULL;
	g_autofree gchar *phone_home = NULL;
	g_autofree gchar *cuid = random_cuid();
	g_autoptr(Card) card = card_new(cuid);
	g_autoptr(GBytes) atr = vcard_card_get_atr(card->vcard);
	g_autofree gchar *operation_url = NULL;

	if (tpsd == NULL)
		return;
	a.password = esc_test_tpsd_get_password(tpsd);
	g_assert_true(esc_tls_options_set_ca_file(tls, esc_test_tpsd_get_trust_file(tpsd), NULL));
	phone_home = g_strdup_printf("https://127.0.0.1:%u/tps/phoneHome", esc_test_tpsd_get_port(tpsd));
	issuer = esc_issuer_info_fetch(phone_home, cuid, tls, NULL, &error);
	g_assert_no_error(error);
	operation_url = g_strdup_printf("https://localhost:%u/tps/tps", esc_test_tpsd_get_port(tpsd));
	g_assert_cmpstr(esc_issuer_info_get_operation_url(issuer), ==, operation_url);
	g_assert_cmpstr(esc_issuer_info_get_token_type(issuer), ==, "userKey");

	token = esc_token_new("Virtual Reader 0", atr);
	esc_token_set_issuer(token, issuer);
	op = esc_operation_new(token, ESC_OPERATION_FORMAT);
	g_assert_true(esc_operation_get_token(op) == token);
	g_assert_cmpstr(esc_operation_get_url(op), ==, operation_url);
	esc_operation_set_tls_options(op, tls);
	esc_operation_set_locale(op, "en");
	g_signal_connect(op, "login-requested", G_CALLBACK(on_login), &a);
	g_assert_true(run_op(op, card, NULL, &error));
	g_assert_no_error(error);
	/* the token type came from phone home, the locale is sent last */
	g_assert_cmpstr(g_ptr_array_index(esc_operation_get_transcript(op), 0), ==,
			"C> msg_type=2&operation=5&extensions=tokenType%3DuserKey%26clientVersion%3DESC+1%2E0%2E1%26"
			"tokenATR%3D3B80800101%26statusUpdate%3Dtrue%26extendedLoginRequest%3Dtrue%26locale%3Den%26");
	g_assert_true(a.extended_seen);
	answers_clear(&a);
}

/* A marshalled run whose login request nobody answers: cancelling wakes the worker, the
 * request is marked answered (cancelled) and the run fails CANCELLED. */
static void
keep_request(EscOperation *op, EscLoginRequest *request, gpointer user_data)
{
	EscLoginRequest **slot = user_data;

	g_set_object(slot, request);
}

static gboolean
cancel_idle(gpointer data)
{
	g_cancellable_cancel(data);
	return G_SOURCE_REMOVE;
}

static void
test_async_cancel_while_asking(void)
{
	Replay replay = {0};
	g_autoptr(EscTestServer) server = NULL;
	g_autoptr(EscOperation) op = esc_operation_new_detached(ESC_OPERATION_FORMAT);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	g_autoptr(EscLoginRequest) request = NULL;
	g_autoptr(Card) card = card_new(NULL);
	g_autofree gchar *url = NULL;
	AsyncRun r = {loop, FALSE, NULL};

	replay.lines = g_ptr_array_new_with_free_func(g_free);
	g_mutex_init(&replay.lock);
	g_ptr_array_add(replay.lines, g_strdup("C> *"));
	g_ptr_array_add(replay.lines, g_strdup("S> msg_type=3&invalid_pw=0&blocked=0"));
	g_ptr_array_add(replay.lines, g_strdup("C> *"));
	server = esc_test_server_new(NULL, replay_func, &replay);
	url = esc_test_server_get_url(server, "/tps/tps");
	esc_operation_set_url(op, url);
	g_signal_connect(op, "login-requested", G_CALLBACK(keep_request), &request);
	esc_operation_run_with_transmit_async(op, card_transmit, card, NULL, cancellable, on_run_done, &r);
	while (request == NULL)
		g_main_context_iteration(NULL, TRUE);
	g_assert_false(esc_login_request_is_answered(request));
	g_idle_add(cancel_idle, cancellable);
	g_main_loop_run(loop);
	g_assert_false(r.ok);
	g_assert_error(r.error, ESC_ERROR, ESC_ERROR_CANCELLED);
	g_clear_error(&r.error);
	g_assert_true(esc_login_request_is_answered(request));
	esc_test_server_wait(server, 1);
	g_assert_nonnull(replay.mismatch); /* the server saw the connection go instead of an answer */
	g_ptr_array_unref(replay.lines);
	g_free(replay.mismatch);
	g_mutex_clear(&replay.lock);
}

/* ---- signals and requests of marshalled runs ------------------------------------------ */

/* A card whose first APDU waits until the test thread says go; the test thread meanwhile
 * neither iterates nor owns the (global default) main context. */
typedef struct {
	Card *card;
	GMutex lock;
	GCond cond;
	gboolean reached;
	gboolean go;
} GateCard;

static GBytes *
gate_card_transmit(GBytes *command, gpointer user_data, GError **error)
{
	GateCard *gate = user_data;

	g_mutex_lock(&gate->lock);
	gate->reached = TRUE;
	g_cond_broadcast(&gate->cond);
	while (!gate->go)
		g_cond_wait(&gate->cond, &gate->lock);
	g_mutex_unlock(&gate->lock);
	return card_transmit(command, gate->card, error);
}

typedef struct {
	GThread *expected;
	guint n_signals;
	guint n_wrong_thread;
} ThreadCheck;

static void
check_log_thread(EscOperation *op, const gchar *line, ThreadCheck *check)
{
	check->n_signals++;
	if (g_thread_self() != check->expected)
		check->n_wrong_thread++;
}

static void
check_progress_thread(EscOperation *op, guint percent, const gchar *task, ThreadCheck *check)
{
	check->n_signals++;
	if (g_thread_self() != check->expected)
		check->n_wrong_thread++;
}

/* Every signal of a marshalled run comes from the creator's main context, also while that
 * context is free to be acquired by anyone (nobody iterates it): never on the worker. */
static void
test_async_signals_on_creator_thread(void)
{
	Replay replay = {0};
	g_autoptr(EscTestServer) server = NULL;
	g_autoptr(EscOperation) op = esc_operation_new_detached(ESC_OPERATION_FORMAT);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(Card) card = card_new(NULL);
	g_autofree gchar *url = NULL;
	GateCard gate = {card};
	ThreadCheck check = {g_thread_self(), 0, 0};
	AsyncRun r = {loop, FALSE, NULL};

	replay.lines = g_ptr_array_new_with_free_func(g_free);
	g_mutex_init(&replay.lock);
	for (guint i = 0; s_success[i] != NULL; i++)
		g_ptr_array_add(replay.lines, g_strdup(s_success[i]));
	g_mutex_init(&gate.lock);
	g_cond_init(&gate.cond);
	server = esc_test_server_new(NULL, replay_func, &replay);
	url = esc_test_server_get_url(server, "/tps/tps");
	esc_operation_set_url(op, url);
	esc_operation_set_locale(op, NULL);
	g_signal_connect(op, "log", G_CALLBACK(check_log_thread), &check);
	g_signal_connect(op, "progress", G_CALLBACK(check_progress_thread), &check);
	esc_operation_run_with_transmit_async(op, gate_card_transmit, &gate, NULL, NULL, on_run_done, &r);
	/* BEGIN_OP, the STATUS_UPDATE and its answer and the PDU request were emitted by now */
	g_mutex_lock(&gate.lock);
	while (!gate.reached)
		g_cond_wait(&gate.cond, &gate.lock);
	gate.go = TRUE;
	g_cond_broadcast(&gate.cond);
	g_mutex_unlock(&gate.lock);
	g_main_loop_run(loop);
	g_assert_no_error(r.error);
	g_assert_true(r.ok);
	g_assert_cmpuint(check.n_signals, >=, 6);
	g_assert_cmpuint(check.n_wrong_thread, ==, 0);
	esc_test_server_wait(server, 1);
	g_assert_null(replay.mismatch);
	g_ptr_array_unref(replay.lines);
	g_mutex_clear(&replay.lock);
	g_mutex_clear(&gate.lock);
	g_cond_clear(&gate.cond);
}

/* How the test treats the request it gets. */
typedef enum {
	DROP_AT_ONCE,	/* the handler keeps nothing */
	DROP_LATER,	/* kept, then let go from an idle callback without an answer */
	ANSWER_LATER_ON_THREAD, /* kept and answered from another thread */
} DropMode;

typedef struct {
	DropMode mode;
	guint n_requests;
	GThread *answer_thread;
} DropTest;

static gboolean
unref_idle(gpointer data)
{
	g_object_unref(data);
	return G_SOURCE_REMOVE;
}

static gpointer
answer_pin_thread(gpointer data)
{
	g_autoptr(EscPinRequest) request = data;

	esc_pin_request_respond(request, "2468");
	return NULL;
}

static gpointer
answer_login_thread(gpointer data)
{
	g_autoptr(EscLoginRequest) request = data;

	esc_login_request_set_value(request, "UID", TEST_USER);
	esc_login_request_set_value(request, "PASSWORD", "thread-secret");
	esc_login_request_respond(request);
	return NULL;
}

static void
drop_on_request(DropTest *t, gpointer request, GThreadFunc answer)
{
	t->n_requests++;
	switch (t->mode) {
	case DROP_AT_ONCE:
		return;
	case DROP_LATER:
		g_timeout_add_full(G_PRIORITY_DEFAULT, 200, unref_idle, g_object_ref(request), NULL);
		return;
	case ANSWER_LATER_ON_THREAD:
	default:
		g_clear_pointer(&t->answer_thread, g_thread_join);
		t->answer_thread = g_thread_new("answer", answer, g_object_ref(request));
		return;
	}
}

static void
drop_on_login(EscOperation *op, EscLoginRequest *request, DropTest *t)
{
	drop_on_request(t, request, answer_login_thread);
}

static void
drop_on_pin(EscOperation *op, EscPinRequest *request, DropTest *t)
{
	drop_on_request(t, request, answer_pin_thread);
}

typedef struct {
	GCancellable *cancellable;
	guint id;
} Guard;

static gboolean
cancel_after_timeout(gpointer data)
{
	Guard *guard = data;

	g_test_message("the run still waits after 20 s: cancelling it");
	guard->id = 0;
	g_cancellable_cancel(guard->cancellable);
	return G_SOURCE_REMOVE;
}

/* A request that everyone let go of without answering ends the wait of the marshalled run
 * (CANCELLED, saying so) instead of leaving the worker waiting forever; one answered from
 * another thread goes through. */
static void
test_async_request_dropped(void)
{
	const struct {
		const gchar *request;
		DropMode mode;
	} cases[] = {
	    {"S> msg_type=3&invalid_pw=0&blocked=0", DROP_AT_ONCE},
	    {"S> msg_type=3&invalid_pw=0&blocked=0", DROP_LATER},
	    {"S> msg_type=11&minimum_length=4&maximum_length=10", DROP_AT_ONCE},
	    {"S> msg_type=11&minimum_length=4&maximum_length=10", DROP_LATER},
	    {"S> msg_type=3&invalid_pw=0&blocked=0", ANSWER_LATER_ON_THREAD},
	    {"S> msg_type=11&minimum_length=4&maximum_length=10", ANSWER_LATER_ON_THREAD},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		Replay replay = {0};
		DropTest t = {cases[i].mode, 0, NULL};
		g_autoptr(EscTestServer) server = NULL;
		g_autoptr(EscOperation) op = esc_operation_new_detached(ESC_OPERATION_FORMAT);
		g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
		g_autoptr(GCancellable) cancellable = g_cancellable_new();
		g_autoptr(Card) card = card_new(NULL);
		g_autofree gchar *url = NULL;
		g_autofree gchar *transcript = NULL;
		AsyncRun r = {loop, FALSE, NULL};
		Guard guard = {cancellable, 0};

		replay.lines = g_ptr_array_new_with_free_func(g_free);
		g_mutex_init(&replay.lock);
		g_ptr_array_add(replay.lines, g_strdup("C> *"));
		g_ptr_array_add(replay.lines, g_strdup(cases[i].request));
		g_ptr_array_add(replay.lines, g_strdup("C> *"));
		g_ptr_array_add(replay.lines, g_strdup("S> msg_type=13&operation=5&result=0&message=0"));
		server = esc_test_server_new(NULL, replay_func, &replay);
		url = esc_test_server_get_url(server, "/tps/tps");
		esc_operation_set_url(op, url);
		esc_operation_set_locale(op, NULL);
		g_signal_connect(op, "login-requested", G_CALLBACK(drop_on_login), &t);
		g_signal_connect(op, "new-pin-requested", G_CALLBACK(drop_on_pin), &t);
		guard.id = g_timeout_add_seconds(20, cancel_after_timeout, &guard);
		esc_operation_run_with_transmit_async(op, card_transmit, card, NULL, cancellable, on_run_done, &r);
		g_main_loop_run(loop);
		if (guard.id != 0)
			g_source_remove(guard.id);
		g_clear_pointer(&t.answer_thread, g_thread_join);
		g_test_message("case %u: %s", i, r.error != NULL ? r.error->message : "ok");
		g_assert_cmpuint(t.n_requests, ==, 1);
		transcript = esc_operation_get_transcript_text(op);
		if (cases[i].mode == ANSWER_LATER_ON_THREAD) {
			g_assert_no_error(r.error);
			g_assert_true(r.ok);
			g_assert_null(strstr(transcript, "thread-secret"));
			g_assert_null(strstr(transcript, "2468"));
		} else {
			g_assert_false(r.ok);
			g_assert_error(r.error, ESC_ERROR, ESC_ERROR_CANCELLED);
			g_assert_nonnull(strstr(r.error->message, "dropped without an answer"));
			g_assert_false(g_cancellable_is_cancelled(cancellable));
			g_clear_error(&r.error);
		}
		esc_test_server_wait(server, 1);
		/* drain what the run left queued (the events of a dropped request) */
		while (g_main_context_iteration(NULL, FALSE))
			;
		g_ptr_array_unref(replay.lines);
		g_free(replay.mismatch);
		g_mutex_clear(&replay.lock);
	}
}

/* A server that never stops sending progress: the transcript stays bounded, keeping its
 * beginning and its end. */
static void
test_transcript_bounded(void)
{
	const guint n_updates = 6000;
	const guint total = 1 + 2 * n_updates + 1;
	Replay replay = {0};
	Answers a = {0};
	g_autoptr(EscTestServer) server = NULL;
	g_autoptr(EscOperation) op = NULL;
	g_autoptr(Card) card = card_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *expected_marker = NULL;
	GPtrArray *t;

	replay.lines = g_ptr_array_new_with_free_func(g_free);
	g_mutex_init(&replay.lock);
	g_ptr_array_add(replay.lines, g_strdup("C> *"));
	for (guint i = 0; i < n_updates; i++) {
		g_ptr_array_add(replay.lines, g_strdup_printf("S> msg_type=14&current_state=%u&next_task_name=STEP", i % 100));
		g_ptr_array_add(replay.lines, g_strdup("C> *"));
	}
	g_ptr_array_add(replay.lines, g_strdup("S> msg_type=13&operation=5&result=0&message=0"));
	server = esc_test_server_new(NULL, replay_func, &replay);
	url = esc_test_server_get_url(server, "/tps/tps");
	op = new_op(ESC_OPERATION_FORMAT, url, NULL, &a);
	g_assert_true(esc_operation_run_with_transmit(op, card_transmit, card, NULL, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(a.n_progress, ==, n_updates);
	g_assert_cmpuint(a.n_log, ==, total);
	t = esc_operation_get_transcript(op);
	g_assert_cmpuint(t->len, ==, ESC_OPERATION_MAX_TRANSCRIPT);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(t, 0), "C> msg_type=2&operation=5"));
	expected_marker = g_strdup_printf("… (%u lines left out) …", total - (ESC_OPERATION_MAX_TRANSCRIPT - 1));
	g_assert_cmpstr(g_ptr_array_index(t, ESC_OPERATION_MAX_TRANSCRIPT / 2), ==, expected_marker);
	g_assert_cmpstr(g_ptr_array_index(t, t->len - 1), ==, "S> msg_type=13&operation=5&result=0&message=0");
	g_assert_cmpstr(g_ptr_array_index(t, t->len - 2), ==, "C> msg_type=15&current_state=99");
	esc_test_server_wait(server, 1);
	g_assert_null(replay.mismatch);
	g_ptr_array_unref(replay.lines);
	g_mutex_clear(&replay.lock);
	answers_clear(&a);
}

/* A password in the URL's user part never shows in an error message or a report. */
static void
test_url_credentials_redacted(void)
{
	const gchar *urls[] = {
	    "https://alice:hunter2-url@127.0.0.1:1/tps/tps",
	    "http://alice:hunter2-url@127.0.0.1:1/tps/tps?x=1",
	    "https://alice:hunter2 url@127.0.0.1/tps/tps", /* not even a valid URL */
	    "ftp://alice:hunter2-url@127.0.0.1/tps/tps",
	};
	g_autoptr(EscTokenList) list = esc_token_list_new();
	g_autoptr(Card) card = card_new(NULL);

	for (guint i = 0; i < G_N_ELEMENTS(urls); i++) {
		Answers a = {.user = TEST_USER, .password = "x"};
		g_autoptr(EscOperation) op = new_op(ESC_OPERATION_FORMAT, urls[i], NULL, &a);
		g_autoptr(GError) error = NULL;
		g_autoptr(GError) fetch_error = NULL;
		g_autoptr(EscIssuerInfo) issuer = NULL;
		g_autofree gchar *text = NULL;
		g_autofree gchar *json = NULL;

		g_assert_false(run_op(op, card, NULL, &error));
		g_assert_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
		g_assert_null(strstr(error->message, "hunter2"));
		g_assert_nonnull(strstr(error->message, "(redacted)@127.0.0.1"));
		text = esc_diagnostics_report(list, op);
		json = esc_diagnostics_report_json(list, op);
		g_assert_null(strstr(text, "hunter2"));
		g_assert_null(strstr(json, "hunter2"));
		g_assert_nonnull(strstr(text, "(redacted)@127.0.0.1"));
		/* phone home refuses such a URL, saying so without the password */
		issuer = esc_issuer_info_fetch(urls[i], "0102030405060708090A", NULL, NULL, &fetch_error);
		g_assert_null(issuer);
		g_assert_error(fetch_error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
		g_test_message("%s\n  %s\n  %s", urls[i], error->message, fetch_error->message);
		g_assert_null(strstr(fetch_error->message, "hunter2"));
		g_assert_cmpuint(card->n_apdus, ==, 0);
		answers_clear(&a);
	}
}

/* ---- diagnostics ---------------------------------------------------------------------- */

static void
test_diagnostics(void)
{
	Replay replay = {0};
	Answers a = {.user = TEST_USER, .password = "hunter2-secret", .pin = "97531"};
	g_autoptr(EscTestServer) server = NULL;
	g_autoptr(EscOperation) op = NULL;
	g_autoptr(EscTokenList) list = esc_token_list_new();
	g_autoptr(Card) card = card_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *empty = esc_diagnostics_report(NULL, NULL);
	g_autofree gchar *empty_json = esc_diagnostics_report_json(NULL, NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *json = NULL;
	g_autofree gchar *version = g_strdup_printf("GLib %u.%u.%u", glib_major_version, glib_minor_version, glib_micro_version);

	g_assert_true(g_str_has_prefix(empty, PACKAGE_NAME " " PACKAGE_VERSION " diagnostics"));
	g_assert_nonnull(strstr(empty, version));
	g_assert_nonnull(strstr(empty, "OpenSSL 3."));
	g_assert_nonnull(strstr(empty, "pcsc-lite " ESC_TEST_PCSCLITE_VERSION "\n"));
	g_assert_null(strstr(empty, "pcsc-lite unknown"));
	g_assert_true(g_str_has_prefix(empty_json, "{\"esc\":{\"version\":\"" PACKAGE_VERSION "\""));
	g_assert_true(g_str_has_suffix(empty_json, "\"tokens\":[],\"last_operation\":null}"));

	/* an operation with a login and a PIN: in the report, but not the secrets */
	replay.lines = g_ptr_array_new_with_free_func(g_free);
	g_mutex_init(&replay.lock);
	for (guint i = 0; s_login[i] != NULL; i++)
		g_ptr_array_add(replay.lines, g_strdup(i == 2 ? "C> *" : s_login[i]));
	g_ptr_array_insert(replay.lines, 3, g_strdup("S> msg_type=11&minimum_length=4&maximum_length=10"));
	g_ptr_array_insert(replay.lines, 4, g_strdup("C> *"));
	server = esc_test_server_new(NULL, replay_func, &replay);
	url = esc_test_server_get_url(server, "/tps/tps");
	op = new_op(ESC_OPERATION_FORMAT, url, NULL, &a);
	g_assert_true(run_op(op, card, NULL, &error));
	g_assert_no_error(error);
	text = esc_diagnostics_report(list, op);
	json = esc_diagnostics_report_json(list, op);
	g_test_message("%s\n%s", text, json);
	g_assert_nonnull(strstr(text, "PC/SC service: "));
	g_assert_nonnull(strstr(text, "Tokens: 0"));
	g_assert_nonnull(strstr(text, "Last operation: format, URL http://127.0.0.1:"));
	g_assert_nonnull(strstr(text, "  C> msg_type=4&screen_name=(redacted)&password=(redacted)\n"));
	g_assert_nonnull(strstr(text, "  C> msg_type=12&new_pin=(redacted)\n"));
	g_assert_nonnull(strstr(json, "\"transcript\":[\"C> msg_type=2&operation=5&extensions=tokenType%3DuserKey"));
	g_assert_nonnull(strstr(json, "\"kind\":\"format\",\"url\":\"http://127.0.0.1:"));
	g_assert_nonnull(strstr(json, "\"result\":0,\"status\":0"));
	for (guint i = 0; i < 2; i++) {
		const gchar *report = i == 0 ? text : json;
		g_assert_null(strstr(report, "hunter2"));
		g_assert_null(strstr(report, "97531"));
		g_assert_null(strstr(report, TEST_USER));
	}
	g_ptr_array_unref(replay.lines);
	g_free(replay.mismatch);
	g_mutex_clear(&replay.lock);
	answers_clear(&a);
}

int
main(int argc, char **argv)
{
	const gchar *transcripts[] = {"format.txt", "enroll.txt", "pin-reset.txt", "enroll-java-tps.txt"};

	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/esc/operation/kind", test_kind);
	g_test_add_func("/esc/operation/status-text", test_status_text);
	g_test_add_func("/esc/operation/login-request", test_login_request);
	g_test_add_func("/esc/operation/pin-request", test_pin_request);
	g_test_add_func("/esc/operation/request-wait-cancelled", test_request_wait_cancelled);
	g_test_add_func("/esc/operation/transcript-line", test_transcript_line);
	g_test_add_func("/esc/operation/no-url", test_no_url);
	g_test_add_func("/esc/operation/url-credentials-redacted", test_url_credentials_redacted);
	g_test_add_func("/esc/operation/transcript-bounded", test_transcript_bounded);
	g_test_add_func("/esc/operation/connect-refused", test_refused);
	g_test_add_func("/esc/operation/diagnostics", test_diagnostics);
	g_test_add_func("/esc/operation/async/cancel-while-asking", test_async_cancel_while_asking);
	g_test_add_func("/esc/operation/async/signals-on-creator-thread", test_async_signals_on_creator_thread);
	g_test_add_func("/esc/operation/async/request-dropped", test_async_request_dropped);
	for (guint i = 0; i < G_N_ELEMENTS(scenarios); i++) {
		g_autofree gchar *path = g_strdup_printf("/esc/operation/scripted/%s", scenarios[i].name);
		g_test_add_data_func(path, &scenarios[i], test_scenario);
	}
	for (guint i = 0; i < G_N_ELEMENTS(transcripts); i++) {
		g_autofree gchar *path = g_strdup_printf("/esc/operation/replay/%s", transcripts[i]);
		g_test_add_data_func(path, transcripts[i], test_replay);
	}
	g_test_add_func("/esc/operation/replay/mismatch", test_replay_mismatch);
	g_test_add_func("/esc/operation/tpsd/lifecycle", test_tpsd_lifecycle);
	g_test_add_func("/esc/operation/tpsd/wrong-password", test_tpsd_wrong_password);
	g_test_add_func("/esc/operation/tpsd/untrusted-certificate", test_tpsd_untrusted);
	g_test_add_func("/esc/operation/tpsd/interrupted", test_tpsd_interrupted);
	g_test_add_func("/esc/operation/tpsd/async", test_tpsd_async);
	g_test_add_func("/esc/operation/tpsd/phone-home", test_tpsd_phone_home);
	return g_test_run();
}
