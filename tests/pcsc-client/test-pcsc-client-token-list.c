/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * EscTokenList and EscToken against a real pcscd + vpcd + esc-vcard: a card inserted becomes
 * a token that is probed; an enrolled card's issuer URL is phoned home (a small HTTP server in
 * this test answers with a ServiceInfo document); a formatted card uses the fallback URL; a
 * card removed takes its token away; setters from another thread land on the main context.
 */
#include "config.h"

#include "esc-error.h"
#include "esc-issuer-info.h"
#include "esc-token-list.h"
#include "pcsc-ca.h"
#include "pcsc-client-util.h"
#include "pcsc-personalise.h"
#include "th-card.h"
#include "th-pcsc.h"

#define READER0 "Virtual PCD 00 00"
#define TEST_CUID "A1B2C3D4E5F60718293A"

#define SERVICE_INFO                                                                               \
	"<ServiceInfo><IssuerName>Example Corp</IssuerName><Services>"                             \
	"<Operation>https://tps.example.test/tps/tps</Operation><TokenType>userKey</TokenType>"   \
	"</Services></ServiceInfo>"

/* ---- a phone-home server ----------------------------------------------------------------- */

typedef struct {
	GSocketService *service;
	guint16 port;
	GMutex mutex;
	GPtrArray *requests; /* request lines */
} PhoneHome;

static gboolean
phone_home_run(GThreadedSocketService *service, GSocketConnection *connection, GObject *source, gpointer user_data)
{
	PhoneHome *ph = user_data;
	g_autoptr(GDataInputStream) in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(connection)));
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(connection));
	g_autofree gchar *request = NULL;
	g_autofree gchar *response = NULL;

	g_filter_input_stream_set_close_base_stream(G_FILTER_INPUT_STREAM(in), FALSE);
	request = g_data_input_stream_read_line_utf8(in, NULL, NULL, NULL);
	if (request == NULL)
		return TRUE;
	g_strchomp(request);
	for (;;) {
		g_autofree gchar *line = g_data_input_stream_read_line_utf8(in, NULL, NULL, NULL);
		if (line == NULL || g_strchomp(line)[0] == '\0')
			break;
	}
	g_mutex_lock(&ph->mutex);
	g_ptr_array_add(ph->requests, g_strdup(request));
	g_mutex_unlock(&ph->mutex);
	response = g_strdup_printf("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
				   strlen(SERVICE_INFO), SERVICE_INFO);
	g_output_stream_write_all(out, response, strlen(response), NULL, NULL, NULL);
	g_io_stream_close(G_IO_STREAM(connection), NULL, NULL);
	return TRUE;
}

static PhoneHome *
phone_home_new(void)
{
	PhoneHome *ph = g_new0(PhoneHome, 1);
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) effective = NULL;
	g_autoptr(GError) error = NULL;

	g_mutex_init(&ph->mutex);
	ph->requests = g_ptr_array_new_with_free_func(g_free);
	ph->service = g_threaded_socket_service_new(2);
	g_assert_true(g_socket_listener_add_address(G_SOCKET_LISTENER(ph->service), address, G_SOCKET_TYPE_STREAM,
						    G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error));
	g_assert_no_error(error);
	ph->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
	g_signal_connect(ph->service, "run", G_CALLBACK(phone_home_run), ph);
	g_socket_service_start(ph->service);
	return ph;
}

static void
phone_home_free(PhoneHome *ph)
{
	g_socket_service_stop(ph->service);
	g_socket_listener_close(G_SOCKET_LISTENER(ph->service));
	g_object_unref(ph->service);
	g_ptr_array_unref(ph->requests);
	g_mutex_clear(&ph->mutex);
	g_free(ph);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PhoneHome, phone_home_free)

static gchar *
phone_home_url(PhoneHome *ph)
{
	return g_strdup_printf("http://127.0.0.1:%u/tps/phoneHome", ph->port);
}

/* ---- list events ------------------------------------------------------------------------------ */

typedef struct {
	EscTokenList *list;
	GPtrArray *added;   /* EscToken */
	GPtrArray *removed; /* EscToken */
	GPtrArray *probed;  /* EscToken */
	guint items_changed;
} ListState;

static void
on_token_added(EscTokenList *list, EscToken *token, ListState *s)
{
	g_ptr_array_add(s->added, g_object_ref(token));
}

static void
on_token_removed(EscTokenList *list, EscToken *token, ListState *s)
{
	g_ptr_array_add(s->removed, g_object_ref(token));
}

static void
on_token_probed(EscTokenList *list, EscToken *token, ListState *s)
{
	g_ptr_array_add(s->probed, g_object_ref(token));
}

static void
on_items_changed(GListModel *model, guint position, guint removed, guint added, ListState *s)
{
	s->items_changed++;
}

static ListState *
list_state_new(EscTokenList *list)
{
	ListState *s = g_new0(ListState, 1);

	s->list = list;
	s->added = g_ptr_array_new_with_free_func(g_object_unref);
	s->removed = g_ptr_array_new_with_free_func(g_object_unref);
	s->probed = g_ptr_array_new_with_free_func(g_object_unref);
	g_signal_connect(list, "token-added", G_CALLBACK(on_token_added), s);
	g_signal_connect(list, "token-removed", G_CALLBACK(on_token_removed), s);
	g_signal_connect(list, "token-probed", G_CALLBACK(on_token_probed), s);
	g_signal_connect(list, "items-changed", G_CALLBACK(on_items_changed), s);
	return s;
}

static void
list_state_free(ListState *s)
{
	g_signal_handlers_disconnect_by_data(s->list, s);
	g_ptr_array_unref(s->added);
	g_ptr_array_unref(s->removed);
	g_ptr_array_unref(s->probed);
	g_free(s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ListState, list_state_free)

static gboolean
list_probed_one(gpointer data)
{
	return ((ListState *)data)->probed->len >= 1;
}

static gboolean
list_removed_one(gpointer data)
{
	return ((ListState *)data)->removed->len >= 1;
}

static gboolean
token_has_issuer(gpointer data)
{
	return esc_token_get_issuer(data) != NULL;
}

typedef struct {
	gboolean done;
	GError *error;
} RefreshResult;

static void
refresh_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	RefreshResult *r = user_data;

	esc_token_refresh_finish(ESC_TOKEN(source), res, &r->error);
	r->done = TRUE;
}

/* ---- tests ------------------------------------------------------------------------------------ */

static void
test_insert_probe_remove(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTokenList) list = NULL;
	g_autoptr(ListState) s = NULL;
	g_autoptr(EscToken) item = NULL;
	g_autoptr(PhoneHome) ph = phone_home_new();
	g_autoptr(EscIssuerCache) cache = esc_issuer_cache_new(NULL, NULL);
	g_autofree gchar *url = phone_home_url(ph);
	g_autofree gchar *expected_request = NULL;
	RefreshResult r = {FALSE, NULL};
	ThPcscCard *vcard;
	EscToken *token;
	EscTokenInfo *info;

	if (f->pcsc == NULL)
		return;
	list = esc_token_list_new();
	s = list_state_new(list);
	g_assert_true(G_IS_LIST_MODEL(list));
	g_assert_true(g_list_model_get_item_type(G_LIST_MODEL(list)) == ESC_TYPE_TOKEN);
	/* a formatted card has no issuer URL: phone home goes to the fallback */
	esc_token_list_set_issuer_cache(list, cache);
	esc_token_list_set_fallback_phone_home_url(list, url);
	g_assert_true(esc_token_list_start(list, &error));
	g_assert_no_error(error);
	g_assert_true(ESC_IS_READER_MONITOR(esc_token_list_get_monitor(list)));
	vcard = th_pcsc_plug_vcard(f->pcsc, 0, &error, "--cuid", TEST_CUID, NULL);
	g_assert_no_error(error);
	g_assert_true(pcsc_client_wait(list_probed_one, s, PCSC_CLIENT_WAIT_MS));
	g_assert_cmpuint(s->added->len, ==, 1);
	g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(list)), ==, 1);
	item = g_list_model_get_item(G_LIST_MODEL(list), 0);
	token = esc_token_list_find_by_reader(list, READER0);
	g_assert_true(token == item);
	g_assert_true(token == g_ptr_array_index(s->added, 0));
	g_assert_null(esc_token_list_find_by_reader(list, "Virtual PCD 00 01"));
	g_assert_cmpstr(esc_token_get_reader(token), ==, READER0);
	g_assert_cmpint(esc_token_get_status(token), ==, ESC_TOKEN_STATUS_FORMATTED);
	g_assert_false(esc_token_get_busy(token));
	g_assert_true(esc_token_get_present(token));
	g_assert_null(esc_token_get_error(token));
	g_assert_cmpuint(g_bytes_get_size(esc_token_get_atr(token)), ==, 5);
	info = esc_token_get_info(token);
	g_assert_nonnull(info);
	g_assert_cmpstr(esc_token_info_get_cuid(info), ==, TEST_CUID);

	g_assert_true(pcsc_client_wait(token_has_issuer, token, PCSC_CLIENT_WAIT_MS));
	g_assert_cmpstr(esc_issuer_info_get_issuer_name(esc_token_get_issuer(token)), ==, "Example Corp");
	g_assert_cmpstr(esc_token_get_display_name(token), ==, "Example Corp (…0718293A)");
	expected_request = g_strdup_printf("GET /tps/phoneHome?cuid=%s HTTP/1.1", TEST_CUID);
	g_assert_cmpuint(ph->requests->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(ph->requests, 0), ==, expected_request);
	g_assert_null(esc_token_list_get_phone_home_error(list, token));

	/* the card goes: the token is marked and leaves the list */
	g_assert_true(th_pcsc_stop_card(f->pcsc, vcard, &error));
	g_assert_no_error(error);
	g_assert_true(pcsc_client_wait(list_removed_one, s, PCSC_CLIENT_WAIT_MS));
	g_assert_true(g_ptr_array_index(s->removed, 0) == item);
	g_assert_false(esc_token_get_present(item));
	g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(list)), ==, 0);
	g_assert_null(esc_token_list_find_by_reader(list, READER0));
	g_assert_cmpuint(s->items_changed, ==, 2);
	esc_token_refresh_async(item, NULL, refresh_done, &r);
	g_assert_true(pcsc_client_wait_flag(&r.done, PCSC_CLIENT_WAIT_MS));
	g_assert_error(r.error, ESC_ERROR, ESC_ERROR_CARD_REMOVED);
	g_clear_error(&r.error);
}

static void
test_enrolled_phone_home(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTokenList) list = NULL;
	g_autoptr(ListState) s = NULL;
	g_autoptr(PhoneHome) ph = phone_home_new();
	g_autoptr(EscIssuerCache) cache = esc_issuer_cache_new(NULL, NULL);
	g_autofree gchar *url = phone_home_url(ph);
	g_autoptr(PcscCa) ca = NULL;
	g_autoptr(PcscPersonalisation) perso = NULL;
	g_autofree gchar *expected_request = NULL;
	PcscPersonaliseParams params = {
	    .pin = "123456",
	    .pin_tries = 5,
	    .token_name = "Alice's token",
	    .common_name = "Alice Example",
	    .issuer_url = url,
	    .key_size = 1024,
	};
	EscToken *token;

	if (f->pcsc == NULL)
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, "--cuid", TEST_CUID, NULL));
	g_assert_no_error(error);
	{
		g_autoptr(ThCard) th = th_card_connect_slot(f->pcsc, 0, &error);
		g_assert_no_error(error);
		ca = pcsc_ca_new("Test CA", &error);
		g_assert_no_error(error);
		perso = pcsc_personalise(th, ca, &params, &error);
		g_assert_no_error(error);
	}
	/* the card is there before the list starts: it is announced and probed all the same */
	list = esc_token_list_new();
	s = list_state_new(list);
	esc_token_list_set_issuer_cache(list, cache);
	esc_token_list_set_fallback_phone_home_url(list, "http://127.0.0.1:9/not-used");
	g_assert_true(esc_token_list_start(list, &error));
	g_assert_true(pcsc_client_wait(list_probed_one, s, PCSC_CLIENT_WAIT_MS));
	token = g_ptr_array_index(s->probed, 0);
	g_assert_cmpint(esc_token_get_status(token), ==, ESC_TOKEN_STATUS_ENROLLED);
	g_assert_cmpuint(esc_token_info_get_certificates(esc_token_get_info(token))->len, ==, 1);
	g_assert_cmpstr(esc_token_info_get_issuer_url(esc_token_get_info(token)), ==, url);
	g_assert_true(pcsc_client_wait(token_has_issuer, token, PCSC_CLIENT_WAIT_MS));
	g_assert_cmpstr(esc_issuer_info_get_operation_url(esc_token_get_issuer(token)), ==, "https://tps.example.test/tps/tps");
	expected_request = g_strdup_printf("GET /tps/phoneHome?cuid=%s HTTP/1.1", TEST_CUID);
	g_assert_cmpstr(g_ptr_array_index(ph->requests, 0), ==, expected_request);

	/* refresh re-reads the card: busy while it runs, the same answer after */
	{
		RefreshResult r = {FALSE, NULL};
		EscTokenInfo *before = esc_token_get_info(token);

		esc_token_refresh_async(token, NULL, refresh_done, &r);
		g_assert_true(esc_token_get_busy(token));
		g_assert_true(pcsc_client_wait_flag(&r.done, PCSC_CLIENT_WAIT_MS));
		g_assert_no_error(r.error);
		g_assert_false(esc_token_get_busy(token));
		g_assert_true(esc_token_get_info(token) != before);
		g_assert_cmpint(esc_token_get_status(token), ==, ESC_TOKEN_STATUS_ENROLLED);
	}
}

static gboolean
token_is_busy(gpointer data)
{
	return esc_token_get_busy(data);
}

static gpointer
set_busy_thread(gpointer data)
{
	esc_token_set_busy(data, TRUE);
	return NULL;
}

static void
on_notify_busy(GObject *object, GParamSpec *pspec, gpointer user_data)
{
	g_assert_true(g_thread_self() == user_data);
}

static void
test_token_errors(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(EscToken) token = NULL;
	RefreshResult r = {FALSE, NULL};
	GThread *thread;

	if (f->pcsc == NULL)
		return;
	/* no card in the reader: the probe fails, the token says so */
	token = esc_token_new("Virtual PCD 00 01", NULL);
	g_assert_cmpint(esc_token_get_status(token), ==, ESC_TOKEN_STATUS_UNKNOWN);
	g_assert_cmpstr(esc_token_get_display_name(token), ==, "Virtual PCD 00 01");
	g_assert_true(ESC_IS_CARD(esc_token_get_card(token)));
	esc_token_refresh_async(token, NULL, refresh_done, &r);
	g_assert_true(pcsc_client_wait_flag(&r.done, PCSC_CLIENT_WAIT_MS));
	g_assert_error(r.error, ESC_ERROR, ESC_ERROR_NO_CARD);
	g_assert_cmpint(esc_token_get_status(token), ==, ESC_TOKEN_STATUS_ERROR);
	g_assert_nonnull(esc_token_get_error(token));
	g_assert_nonnull(strstr(esc_token_get_error(token), "Virtual PCD 00 01"));
	g_assert_null(esc_token_get_info(token));
	g_clear_error(&r.error);

	/* set from another thread: applied (and notified) on the token's main context */
	g_signal_connect(token, "notify::busy", G_CALLBACK(on_notify_busy), g_thread_self());
	thread = g_thread_new("set-busy", set_busy_thread, token);
	g_thread_join(thread);
	g_assert_true(pcsc_client_wait(token_is_busy, token, PCSC_CLIENT_WAIT_MS));
	esc_token_set_busy(token, FALSE);
	g_assert_false(esc_token_get_busy(token));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	TH_PCSC_TEST_ADD("/esc/token-list/insert-probe-remove", NULL, test_insert_probe_remove);
	TH_PCSC_TEST_ADD("/esc/token-list/enrolled-phone-home", NULL, test_enrolled_phone_home);
	TH_PCSC_TEST_ADD("/esc/token/errors", NULL, test_token_errors);
	return g_test_run();
}
