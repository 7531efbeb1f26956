/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Phone home (protocol.md 2): the strict ServiceInfo parser (Dogtag's default document, what
 * is ignored, every malformed document), the fetch with ?cuid= over HTTP and HTTPS from a
 * scripted server, and EscIssuerCache: memory and disk cache per CUID, a changed URL,
 * forget(), ResetPhoneHome, the async lookup, and the errors (bad CUID, bad URL, 404, garbage,
 * refused, untrusted certificate).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "esc-error.h"
#include "esc-issuer-info.h"
#include "esc-test-server.h"

#define CUID "40906145C76224192D2B"

/* [pki: base/tps/shared/conf/phoneHome.xml] with the install-time values filled in */
#define DOGTAG_PHONE_HOME                                                                          \
	"<ServiceInfo>\n"                                                                          \
	"<IssuerName>FedoraProject</IssuerName>\n"                                                 \
	"<Services>\n"                                                                             \
	"<Operation>https://tps.example.com:8443/tps/tps</Operation>\n"                            \
	"<UI></UI>\n"                                                                              \
	"<EnrolledTokenBrowserURL>http://fedoraproject.org</EnrolledTokenBrowserURL>\n"            \
	"<EnrolledTokenURL></EnrolledTokenURL>\n"                                                  \
	"<TokenType>userKey</TokenType>\n"                                                         \
	"</Services>\n"                                                                            \
	"</ServiceInfo>\n"

typedef struct {
	gchar *dir;
	const gchar *document; /* what the server answers */
	const gchar *status;   /* "200 OK" unless set */
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->dir = g_dir_make_tmp("esc-phone-home-XXXXXX", &error);
	g_assert_no_error(error);
	f->document = DOGTAG_PHONE_HOME;
}

static void
rm_dir(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);
		if (g_file_test(child, G_FILE_TEST_IS_DIR))
			rm_dir(child);
		else
			g_unlink(child);
	}
	g_rmdir(path);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	rm_dir(f->dir);
	g_free(f->dir);
}

static void
server_func(EscTestServer *server, GIOStream *stream, const gchar *head, gpointer user_data)
{
	Fixture *f = user_data;
	g_autofree gchar *answer = g_strdup_printf("HTTP/1.1 %s\r\nContent-Type: application/xml\r\nContent-Length: %zu\r\n\r\n%s",
						   f->status != NULL ? f->status : "200 OK",
						   strlen(f->document),
						   f->document);

	esc_test_server_write(stream, answer);
}

/* ---- parser --------------------------------------------------------------------------- */

static void
test_parse_dogtag(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscIssuerInfo) info = esc_issuer_info_parse(DOGTAG_PHONE_HOME, strlen(DOGTAG_PHONE_HOME), &error);
	g_autoptr(EscIssuerInfo) with_url = NULL;
	g_auto(GStrv) names = NULL;
	EscIssuerInfo *copy;

	g_assert_no_error(error);
	g_assert_nonnull(info);
	g_assert_cmpstr(esc_issuer_info_get_issuer_name(info), ==, "FedoraProject");
	g_assert_cmpstr(esc_issuer_info_get_operation_url(info), ==, "https://tps.example.com:8443/tps/tps");
	g_assert_cmpstr(esc_issuer_info_get_token_type(info), ==, "userKey");
	g_assert_cmpstr(esc_issuer_info_get_service(info, "EnrolledTokenBrowserURL"), ==, "http://fedoraproject.org");
	/* children without text are not kept */
	g_assert_null(esc_issuer_info_get_service(info, "UI"));
	g_assert_null(esc_issuer_info_get_service(info, "EnrolledTokenURL"));
	g_assert_null(esc_issuer_info_get_service(info, "Nothing"));
	g_assert_null(esc_issuer_info_get_phone_home_url(info));
	names = esc_issuer_info_dup_service_names(info);
	g_assert_cmpuint(g_strv_length(names), ==, 3);
	g_assert_cmpstr(names[0], ==, "Operation");
	g_assert_cmpstr(names[1], ==, "EnrolledTokenBrowserURL");
	g_assert_cmpstr(names[2], ==, "TokenType");

	with_url = esc_issuer_info_new_with_url(info, "http://x/tps/phoneHome?cuid=" CUID);
	g_assert_cmpstr(esc_issuer_info_get_phone_home_url(with_url), ==, "http://x/tps/phoneHome?cuid=" CUID);
	g_assert_cmpstr(esc_issuer_info_get_token_type(with_url), ==, "userKey");

	copy = g_boxed_copy(ESC_TYPE_ISSUER_INFO, info);
	g_assert_true(copy == info);
	g_boxed_free(ESC_TYPE_ISSUER_INFO, copy);
}

static void
test_parse_lenient_parts(Fixture *f, gconstpointer data)
{
	const gchar *doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			   "<!-- served by a TPS -->\n"
			   "<ServiceInfo version=\"2\">\n"
			   "  <Extra><Deep><Deeper>ignored</Deeper></Deep></Extra>\n"
			   "  <IssuerName lang=\"en\">  Example &amp; Co  </IssuerName>\n"
			   "  <Services>\n"
			   "    <Operation>https://tps.example/tps/tps?a=1&amp;b=2</Operation>\n"
			   "    <CAChainUI>https://ca.example/chain</CAChainUI>\n"
			   "    <ResetPhoneHome>yes</ResetPhoneHome>\n"
			   "  </Services>\n"
			   "</ServiceInfo>\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(EscIssuerInfo) info = esc_issuer_info_parse(doc, strlen(doc), &error);

	g_assert_no_error(error);
	g_assert_cmpstr(esc_issuer_info_get_issuer_name(info), ==, "Example & Co");
	g_assert_cmpstr(esc_issuer_info_get_operation_url(info), ==, "https://tps.example/tps/tps?a=1&b=2");
	g_assert_null(esc_issuer_info_get_token_type(info));
	g_assert_cmpstr(esc_issuer_info_get_service(info, "CAChainUI"), ==, "https://ca.example/chain");
	g_assert_cmpstr(esc_issuer_info_get_service(info, "ResetPhoneHome"), ==, "yes");
}

static void
test_parse_invalid(Fixture *f, gconstpointer data)
{
	const struct {
		const gchar *doc;
		const gchar *needle;
	} cases[] = {
	    {"", "empty"},
	    {"not xml at all", "ServiceInfo"},
	    {"<Other><IssuerName>x</IssuerName><Services/></Other>", "root element"},
	    {"<ServiceInfo><Services><Operation>u</Operation></Services></ServiceInfo>", "IssuerName"},
	    {"<ServiceInfo><IssuerName>   </IssuerName><Services/></ServiceInfo>", "IssuerName"},
	    {"<ServiceInfo><IssuerName>x</IssuerName></ServiceInfo>", "Services"},
	    {"<ServiceInfo><IssuerName>x</IssuerName><IssuerName>y</IssuerName><Services/></ServiceInfo>", "IssuerName"},
	    {"<ServiceInfo><IssuerName>x</IssuerName><Services/><Services/></ServiceInfo>", "Services"},
	    {"<ServiceInfo><IssuerName>x</IssuerName><Services><A>1</A><A>2</A></Services></ServiceInfo>", "twice"},
	    {"<ServiceInfo><IssuerName>x</IssuerName><Services><A><B>1</B></A></Services></ServiceInfo>", "inside"},
	    {"<ServiceInfo><IssuerName><b>x</b></IssuerName><Services/></ServiceInfo>", "inside"},
	    {"<ServiceInfo><IssuerName>x</IssuerName><Services/></ServiceInfo><ServiceInfo/>", "ServiceInfo"},
	    {"<ServiceInfo><IssuerName>x</IssuerName><Services>", "ServiceInfo"},
	    {"<ServiceInfo><IssuerName>x&#1;</IssuerName><Services/></ServiceInfo>", "ServiceInfo"},
	    {"<ServiceInfo><IssuerName>x</IssuerName><Services><A>&#9;&#1;</A></Services></ServiceInfo>", "control"},
	    {"<ServiceInfo><IssuerName>x&unknown;</IssuerName><Services/></ServiceInfo>", "ServiceInfo"},
	    {"<ServiceInfo><IssuerName>\xff</IssuerName><Services/></ServiceInfo>", "UTF-8"},
	};
	g_autoptr(GString) big = g_string_new("<ServiceInfo><IssuerName>x</IssuerName><Services>");
	g_autoptr(GString) many = g_string_new("<ServiceInfo><IssuerName>x</IssuerName><Services>");
	g_autoptr(GString) deep = g_string_new("<ServiceInfo><IssuerName>x</IssuerName><Services/>");
	g_autoptr(GError) error = NULL;
	g_autoptr(EscIssuerInfo) info = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(EscIssuerInfo) bad = esc_issuer_info_parse(cases[i].doc, strlen(cases[i].doc), &e);

		g_test_message("case %u: %s", i, e != NULL ? e->message : "(accepted)");
		g_assert_null(bad);
		g_assert_error(e, ESC_ERROR, ESC_ERROR_PROTOCOL);
		g_assert_nonnull(strstr(e->message, cases[i].needle));
	}
	/* a NUL byte inside */
	info = esc_issuer_info_parse("<ServiceInfo>\0</ServiceInfo>", 27, &error);
	g_assert_null(info);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL);
	g_clear_error(&error);
	/* too large */
	while (big->len <= ESC_ISSUER_INFO_MAX_SIZE)
		g_string_append(big, "<!-- padding padding padding padding padding padding -->");
	g_string_append(big, "</Services></ServiceInfo>");
	info = esc_issuer_info_parse(big->str, big->len, &error);
	g_assert_null(info);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL);
	g_assert_nonnull(strstr(error->message, "larger"));
	g_clear_error(&error);
	/* too many services */
	for (guint i = 0; i < 100; i++)
		g_string_append_printf(many, "<S%u>v</S%u>", i, i);
	g_string_append(many, "</Services></ServiceInfo>");
	info = esc_issuer_info_parse(many->str, many->len, &error);
	g_assert_null(info);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL);
	g_assert_nonnull(strstr(error->message, "services"));
	g_clear_error(&error);
	/* ignored elements nested too deep */
	for (guint i = 0; i < 40; i++)
		g_string_append(deep, "<d>");
	for (guint i = 0; i < 40; i++)
		g_string_append(deep, "</d>");
	g_string_append(deep, "</ServiceInfo>");
	info = esc_issuer_info_parse(deep->str, deep->len, &error);
	g_assert_null(info);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL);
	g_assert_nonnull(strstr(error->message, "deeper"));
}

/* ---- fetch ---------------------------------------------------------------------------- */

static void
test_fetch(Fixture *f, gconstpointer data)
{
	g_autoptr(EscTestServer) server = esc_test_server_new(NULL, server_func, f);
	g_autoptr(GError) error = NULL;
	g_autoptr(EscIssuerInfo) info = NULL;
	g_autofree gchar *url = esc_test_server_get_url(server, "/tps/phoneHome");
	g_autofree gchar *with_query = esc_test_server_get_url(server, "/tps/phoneHome?site=2");
	g_autofree gchar *head = NULL;
	g_autofree gchar *fetched = NULL;

	info = esc_issuer_info_fetch(url, CUID, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(esc_issuer_info_get_issuer_name(info), ==, "FedoraProject");
	fetched = g_strconcat(url, "?cuid=" CUID, NULL);
	g_assert_cmpstr(esc_issuer_info_get_phone_home_url(info), ==, fetched);
	esc_test_server_wait(server, 1);
	head = esc_test_server_dup_last_head(server);
	g_assert_true(g_str_has_prefix(head, "GET /tps/phoneHome?cuid=" CUID " HTTP/1.1\r\n"));
	g_clear_pointer(&info, esc_issuer_info_unref);
	g_clear_pointer(&head, g_free);

	info = esc_issuer_info_fetch(with_query, CUID, NULL, NULL, &error);
	g_assert_no_error(error);
	esc_test_server_wait(server, 2);
	head = esc_test_server_dup_last_head(server);
	g_assert_true(g_str_has_prefix(head, "GET /tps/phoneHome?site=2&cuid=" CUID " HTTP/1.1\r\n"));
}

static void
test_fetch_https(Fixture *f, gconstpointer data)
{
	g_autoptr(ThTestCert) cert = NULL;
	g_autoptr(ThTestCert) other = NULL;
	g_autoptr(EscTestServer) server = NULL;
	g_autoptr(EscTlsOptions) tls = esc_tls_options_new();
	g_autoptr(EscTlsOptions) wrong = esc_tls_options_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(EscIssuerInfo) info = NULL;
	g_autofree gchar *url = NULL;

	if (!g_tls_backend_supports_tls(g_tls_backend_get_default())) {
		g_test_skip("no GIO TLS backend");
		return;
	}
	cert = th_test_cert_new(f->dir, "server", "127.0.0.1", "IP:127.0.0.1", NULL, FALSE);
	other = th_test_cert_new(f->dir, "other", "127.0.0.1", "IP:127.0.0.1", NULL, FALSE);
	server = esc_test_server_new(cert->pem_path, server_func, f);
	url = esc_test_server_get_url(server, "/tps/phoneHome");
	g_assert_true(esc_tls_options_set_ca_file(tls, cert->cert_path, NULL));
	g_assert_true(esc_tls_options_set_ca_file(wrong, other->cert_path, NULL));
	info = esc_issuer_info_fetch(url, CUID, tls, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(esc_issuer_info_get_token_type(info), ==, "userKey");
	g_clear_pointer(&info, esc_issuer_info_unref);
	info = esc_issuer_info_fetch(url, CUID, wrong, NULL, &error);
	g_assert_null(info);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_TLS);
}

static void
test_fetch_errors(Fixture *f, gconstpointer data)
{
	g_autoptr(EscTestServer) server = esc_test_server_new(NULL, server_func, f);
	g_autofree gchar *url = esc_test_server_get_url(server, "/tps/phoneHome");
	g_autoptr(GError) error = NULL;
	g_autoptr(EscIssuerInfo) info = NULL;
	g_autoptr(GSocket) socket = NULL;

	/* bad CUIDs and URLs: no request */
	info = esc_issuer_info_fetch(url, "not-hex", NULL, NULL, &error);
	g_assert_null(info);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
	g_clear_error(&error);
	info = esc_issuer_info_fetch(url, "", NULL, NULL, &error);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
	g_clear_error(&error);
	info = esc_issuer_info_fetch("ftp://127.0.0.1/phoneHome", CUID, NULL, NULL, &error);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
	g_clear_error(&error);
	info = esc_issuer_info_fetch("::", CUID, NULL, NULL, &error);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
	g_clear_error(&error);
	g_assert_cmpuint(esc_test_server_get_n_connections(server), ==, 0);

	/* 404 */
	f->status = "404 Not Found";
	info = esc_issuer_info_fetch(url, CUID, NULL, NULL, &error);
	g_assert_null(info);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL);
	g_assert_nonnull(strstr(error->message, "404"));
	g_clear_error(&error);

	/* not a ServiceInfo */
	f->status = NULL;
	f->document = "<html><body>It works!</body></html>";
	info = esc_issuer_info_fetch(url, CUID, NULL, NULL, &error);
	g_assert_null(info);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL);
	g_assert_nonnull(strstr(error->message, url));
	g_clear_error(&error);

	/* nobody listens */
	{
		g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
		g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
		g_autoptr(GSocketAddress) bound = NULL;
		g_autofree gchar *down = NULL;

		socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
		g_assert_true(g_socket_bind(socket, address, TRUE, NULL));
		bound = g_socket_get_local_address(socket, NULL);
		down = g_strdup_printf("http://127.0.0.1:%u/tps/phoneHome", g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
		g_socket_close(socket, NULL);
		info = esc_issuer_info_fetch(down, CUID, NULL, NULL, &error);
		g_assert_null(info);
		g_assert_error(error, ESC_ERROR, ESC_ERROR_CONNECT);
	}
}

/* ---- cache ---------------------------------------------------------------------------- */

static void
test_cache(Fixture *f, gconstpointer data)
{
	g_autoptr(EscTestServer) server = esc_test_server_new(NULL, server_func, f);
	g_autofree gchar *url = esc_test_server_get_url(server, "/tps/phoneHome");
	g_autofree gchar *url2 = esc_test_server_get_url(server, "/other/phoneHome");
	g_autofree gchar *cache_dir = g_build_filename(f->dir, "cache", NULL);
	g_autofree gchar *file = g_build_filename(cache_dir, CUID ".phonehome", NULL);
	g_autoptr(EscIssuerCache) cache = esc_issuer_cache_new(cache_dir, NULL);
	g_autoptr(EscIssuerCache) again = NULL;
	g_autoptr(EscIssuerCache) memory_only = esc_issuer_cache_new(NULL, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(EscIssuerInfo) info = NULL;
	g_autoptr(EscIssuerInfo) second = NULL;
	g_autoptr(EscIssuerInfo) peeked = NULL;
	GStatBuf st;

	g_assert_null(esc_issuer_cache_peek(cache, CUID));
	info = esc_issuer_cache_lookup_sync(cache, url, CUID, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(esc_issuer_info_get_issuer_name(info), ==, "FedoraProject");
	esc_test_server_wait(server, 1);
	/* the same CUID (any case) and URL: from memory */
	second = esc_issuer_cache_lookup_sync(cache, url, "40906145c76224192d2b", NULL, &error);
	g_assert_no_error(error);
	g_assert_true(second == info);
	g_clear_pointer(&second, esc_issuer_info_unref);
	g_assert_cmpuint(esc_test_server_get_n_connections(server), ==, 1);

	/* on disk, private */
	g_assert_cmpint(g_stat(file, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpint(g_stat(cache_dir, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0700);

	/* a new cache on the same folder: from disk */
	again = esc_issuer_cache_new(cache_dir, NULL);
	peeked = esc_issuer_cache_peek(again, CUID);
	g_assert_nonnull(peeked);
	g_assert_cmpstr(esc_issuer_info_get_operation_url(peeked), ==, "https://tps.example.com:8443/tps/tps");
	g_assert_cmpstr(esc_issuer_info_get_phone_home_url(peeked), ==, esc_issuer_info_get_phone_home_url(info));
	second = esc_issuer_cache_lookup_sync(again, url, CUID, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(esc_issuer_info_get_token_type(second), ==, "userKey");
	g_clear_pointer(&second, esc_issuer_info_unref);
	g_assert_cmpuint(esc_test_server_get_n_connections(server), ==, 1);

	/* another URL: fetched again */
	second = esc_issuer_cache_lookup_sync(again, url2, CUID, NULL, &error);
	g_assert_no_error(error);
	g_clear_pointer(&second, esc_issuer_info_unref);
	esc_test_server_wait(server, 2);

	/* forget: memory and disk */
	esc_issuer_cache_forget(again, CUID);
	g_assert_false(g_file_test(file, G_FILE_TEST_EXISTS));
	g_assert_null(esc_issuer_cache_peek(again, CUID));
	esc_issuer_cache_forget(again, CUID); /* twice is fine */
	esc_issuer_cache_forget(again, "../etc"); /* not a CUID: nothing */
	second = esc_issuer_cache_lookup_sync(again, url, CUID, NULL, &error);
	g_assert_no_error(error);
	g_clear_pointer(&second, esc_issuer_info_unref);
	esc_test_server_wait(server, 3);
	g_assert_true(g_file_test(file, G_FILE_TEST_EXISTS));

	/* a corrupt disk file is ignored */
	g_assert_true(g_file_set_contents(file, "[phone-home]\nurl=x\ndocument=<junk\n", -1, NULL));
	g_clear_object(&again);
	again = esc_issuer_cache_new(cache_dir, NULL);
	g_assert_null(esc_issuer_cache_peek(again, CUID));

	/* memory only */
	second = esc_issuer_cache_lookup_sync(memory_only, url, CUID, NULL, &error);
	g_assert_no_error(error);
	g_clear_pointer(&second, esc_issuer_info_unref);
	peeked = (esc_issuer_info_unref(peeked), esc_issuer_cache_peek(memory_only, CUID));
	g_assert_nonnull(peeked);

	/* errors are not cached, and say what is wrong */
	second = esc_issuer_cache_lookup_sync(memory_only, url, "xyz", NULL, &error);
	g_assert_null(second);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
}

static void
test_cache_reset_phone_home(Fixture *f, gconstpointer data)
{
	g_autoptr(EscTestServer) server = esc_test_server_new(NULL, server_func, f);
	g_autofree gchar *url = esc_test_server_get_url(server, "/tps/phoneHome");
	g_autofree gchar *file = g_build_filename(f->dir, CUID ".phonehome", NULL);
	g_autoptr(EscIssuerCache) cache = esc_issuer_cache_new(f->dir, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(EscIssuerInfo) info = NULL;

	info = esc_issuer_cache_lookup_sync(cache, url, CUID, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(g_file_test(file, G_FILE_TEST_EXISTS));
	g_clear_pointer(&info, esc_issuer_info_unref);
	/* the issuer now says: do not keep this */
	f->document = "<ServiceInfo><IssuerName>X</IssuerName><Services><Operation>https://new/tps/tps</Operation>"
		      "<ResetPhoneHome>yes</ResetPhoneHome></Services></ServiceInfo>";
	esc_issuer_cache_forget(cache, CUID);
	info = esc_issuer_cache_lookup_sync(cache, url, CUID, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(esc_issuer_info_get_operation_url(info), ==, "https://new/tps/tps");
	g_assert_false(g_file_test(file, G_FILE_TEST_EXISTS));
	g_assert_null(esc_issuer_cache_peek(cache, CUID));
	g_clear_pointer(&info, esc_issuer_info_unref);
	info = esc_issuer_cache_lookup_sync(cache, url, CUID, NULL, &error);
	g_assert_no_error(error);
	esc_test_server_wait(server, 3);
}

typedef struct {
	GMainLoop *loop;
	EscIssuerInfo *info;
	GError *error;
} AsyncResult;

static void
on_lookup(GObject *source, GAsyncResult *res, gpointer user_data)
{
	AsyncResult *r = user_data;

	r->info = esc_issuer_cache_lookup_finish(ESC_ISSUER_CACHE(source), res, &r->error);
	g_main_loop_quit(r->loop);
}

static void
test_cache_async(Fixture *f, gconstpointer data)
{
	g_autoptr(EscTestServer) server = esc_test_server_new(NULL, server_func, f);
	g_autofree gchar *url = esc_test_server_get_url(server, "/tps/phoneHome");
	g_autoptr(EscIssuerCache) cache = esc_issuer_cache_new(NULL, NULL);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(GCancellable) cancelled = g_cancellable_new();
	AsyncResult r = {loop, NULL, NULL};

	esc_issuer_cache_lookup_async(cache, url, CUID, NULL, on_lookup, &r);
	g_main_loop_run(loop);
	g_assert_no_error(r.error);
	g_assert_cmpstr(esc_issuer_info_get_issuer_name(r.info), ==, "FedoraProject");
	g_clear_pointer(&r.info, esc_issuer_info_unref);

	/* cancelled before it starts */
	g_cancellable_cancel(cancelled);
	esc_issuer_cache_forget(cache, CUID);
	esc_issuer_cache_lookup_async(cache, url, CUID, cancelled, on_lookup, &r);
	g_main_loop_run(loop);
	g_assert_null(r.info);
	g_assert_nonnull(r.error);
	g_assert_error(r.error, ESC_ERROR, ESC_ERROR_CANCELLED);
	g_clear_error(&r.error);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
	ADD("/esc/issuer-info/parse/dogtag", test_parse_dogtag);
	ADD("/esc/issuer-info/parse/lenient-parts", test_parse_lenient_parts);
	ADD("/esc/issuer-info/parse/invalid", test_parse_invalid);
	ADD("/esc/issuer-info/fetch/http", test_fetch);
	ADD("/esc/issuer-info/fetch/https", test_fetch_https);
	ADD("/esc/issuer-info/fetch/errors", test_fetch_errors);
	ADD("/esc/issuer-info/cache/memory-and-disk", test_cache);
	ADD("/esc/issuer-info/cache/reset-phone-home", test_cache_reset_phone_home);
	ADD("/esc/issuer-info/cache/async", test_cache_async);
#undef ADD
	return g_test_run();
}
