/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tps-authenticator-file.h"
#include "tps-error.h"

/* RFC 7914 section 12, third vector: scrypt("pleaseletmein", "SodiumChloride", 16384, 8, 1, 64) */
#define RFC7914_LINE                                                                                   \
	"bob:scrypt$16384$8$1$U29kaXVtQ2hsb3JpZGU=$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2" \
	"LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw==:Bob Example"

typedef struct {
	gchar *dir;
	gchar *path;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	f->dir = g_dir_make_tmp("tps-auth-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = g_build_filename(f->dir, "users", NULL);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_unlink(f->path);
	g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
}

static TokSecret *
pw(const gchar *text)
{
	return tok_secret_new_from_text(text);
}

static gboolean
auth(TpsAuthenticator *a, const gchar *user, const gchar *password, GHashTable **attrs, GError **error)
{
	g_autoptr(TokSecret) s = pw(password);
	return tps_authenticator_authenticate(a, user, s, attrs, error);
}

static void
test_known_vector(void)
{
	const gchar *text = "# RFC 7914\n" RFC7914_LINE "\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsAuthenticator) a = tps_authenticator_file_new_from_data(text, strlen(text), &error);
	g_autoptr(GHashTable) attrs = NULL;

	g_assert_no_error(error);
	g_assert_cmpuint(tps_authenticator_file_get_n_users(TPS_AUTHENTICATOR_FILE(a)), ==, 1);
	g_assert_true(auth(a, "bob", "pleaseletmein", &attrs, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(g_hash_table_lookup(attrs, "uid"), ==, "bob");
	g_assert_cmpstr(g_hash_table_lookup(attrs, "cn"), ==, "Bob Example");
	g_assert_false(auth(a, "bob", "pleaseletmeIn", NULL, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_AUTH);
}

static void
test_add_and_authenticate(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) s1 = pw("correct horse");
	g_autoptr(TokSecret) s2 = pw("battery staple");
	g_autoptr(TpsAuthenticator) a = NULL;
	g_autoptr(GHashTable) attrs = NULL;
	g_autoptr(GError) wrong = NULL;
	g_autoptr(GError) unknown = NULL;
	g_autoptr(GError) empty = NULL;
	g_autoptr(GError) nouser = NULL;
	GStatBuf st;

	g_assert_true(tps_authenticator_file_add_user(f->path, "alice", s1, "Alice Example", &error));
	g_assert_no_error(error);
	g_assert_true(tps_authenticator_file_add_user(f->path, "carol", s2, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpint(g_stat(f->path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);

	a = tps_authenticator_file_new(f->path, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(tps_authenticator_file_get_n_users(TPS_AUTHENTICATOR_FILE(a)), ==, 2);
	g_assert_true(auth(a, "alice", "correct horse", &attrs, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(g_hash_table_lookup(attrs, "cn"), ==, "Alice Example");
	g_clear_pointer(&attrs, g_hash_table_unref);
	g_assert_true(auth(a, "carol", "battery staple", &attrs, &error));
	g_assert_no_error(error);
	g_assert_null(g_hash_table_lookup(attrs, "cn"));
	g_assert_cmpstr(g_hash_table_lookup(attrs, "uid"), ==, "carol");

	/* wrong password, unknown user, empty password, no user: one error, one message */
	g_assert_false(auth(a, "alice", "battery staple", NULL, &wrong));
	g_assert_error(wrong, TPS_ERROR, TPS_ERROR_AUTH);
	g_assert_false(auth(a, "mallory", "correct horse", NULL, &unknown));
	g_assert_error(unknown, TPS_ERROR, TPS_ERROR_AUTH);
	g_assert_false(auth(a, "alice", "", NULL, &empty));
	g_assert_error(empty, TPS_ERROR, TPS_ERROR_AUTH);
	g_assert_false(tps_authenticator_authenticate(a, NULL, s1, NULL, &nouser));
	g_assert_error(nouser, TPS_ERROR, TPS_ERROR_AUTH);
	g_assert_cmpstr(wrong->message, ==, unknown->message);
	g_assert_cmpstr(wrong->message, ==, empty->message);
	g_assert_cmpstr(wrong->message, ==, nouser->message);
	/* user ids are case-sensitive */
	g_assert_false(auth(a, "Alice", "correct horse", NULL, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_AUTH);
}

static void
test_unknown_user_timing(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) s = pw("secret");
	g_autoptr(TpsAuthenticator) a = NULL;
	gint64 t0, known = G_MAXINT64, unknown = G_MAXINT64;

	g_assert_true(tps_authenticator_file_add_user(f->path, "alice", s, "A", &error));
	a = tps_authenticator_file_new(f->path, &error);
	g_assert_no_error(error);
	/* the dummy hash costs as much as a real one: the fastest of three runs each within 3x */
	for (guint i = 0; i < 3; i++) {
		g_autoptr(GError) e1 = NULL;
		g_autoptr(GError) e2 = NULL;
		t0 = g_get_monotonic_time();
		g_assert_false(auth(a, "alice", "wrong", NULL, &e1));
		known = MIN(known, g_get_monotonic_time() - t0);
		t0 = g_get_monotonic_time();
		g_assert_false(auth(a, "nobody", "wrong", NULL, &e2));
		unknown = MIN(unknown, g_get_monotonic_time() - t0);
	}
	g_test_message("known user %" G_GINT64_FORMAT " us, unknown user %" G_GINT64_FORMAT " us", known, unknown);
	g_assert_cmpint(unknown * 3, >, known);
	g_assert_cmpint(known * 3, >, unknown);
}

static void
test_hash_format(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) s = pw("pass word");
	g_autoptr(TokSecret) empty = tok_secret_new(0);
	g_autofree gchar *h1 = tps_authenticator_file_hash_password(s, &error);
	g_autofree gchar *h2 = tps_authenticator_file_hash_password(s, &error);
	g_autofree gchar *h3 = NULL;
	g_autofree gchar *line = NULL;
	g_autoptr(TpsAuthenticator) a = NULL;

	g_assert_no_error(error);
	g_assert_true(g_regex_match_simple("^scrypt\\$32768\\$8\\$1\\$[A-Za-z0-9+/]{22}==\\$[A-Za-z0-9+/]{43}=$",
					   h1, 0, 0));
	g_assert_cmpstr(h1, !=, h2); /* fresh salt each time */
	h3 = tps_authenticator_file_hash_password(empty, &error);
	g_assert_null(h3);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);

	/* what the hash function writes, the parser reads */
	line = g_strdup_printf("u:%s:\n", h1);
	a = tps_authenticator_file_new_from_data(line, strlen(line), &error);
	g_assert_no_error(error);
	g_assert_true(auth(a, "u", "pass word", NULL, &error));
	g_assert_no_error(error);
}

static void
test_add_user_errors(Fixture *f, gconstpointer data)
{
	const gchar *bad_users[] = {"", "a:b", "#x", "@x", " x", "x ", "a\tb", "a\nb", "\xff"};
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) s = pw("pw");
	g_autoptr(TokSecret) empty = tok_secret_new(0);
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(bad_users); i++) {
		g_autoptr(GError) e = NULL;
		g_assert_false(tps_authenticator_file_add_user(f->path, bad_users[i], s, NULL, &e));
		g_assert_error(e, TPS_ERROR, TPS_ERROR_INVALID);
	}
	g_assert_false(tps_authenticator_file_add_user(f->path, "x", s, "line\nbreak", &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_false(tps_authenticator_file_add_user(f->path, "x", empty, NULL, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));

	g_assert_true(tps_authenticator_file_add_user(f->path, "x", s, "cn: with colon", &error));
	g_assert_no_error(error);
	g_assert_false(tps_authenticator_file_add_user(f->path, "x", s, NULL, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_EXISTS);
	g_clear_error(&error);

	/* a damaged file is not appended to */
	g_assert_true(g_file_get_contents(f->path, &before, NULL, NULL));
	{
		g_autofree gchar *damaged = g_strconcat(before, "garbage\n", NULL);
		g_assert_true(g_file_set_contents(f->path, damaged, -1, NULL));
	}
	g_assert_false(tps_authenticator_file_add_user(f->path, "y", s, NULL, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "line 3"));
	g_clear_error(&error);
	g_assert_true(g_file_get_contents(f->path, &after, NULL, NULL));
	g_assert_true(g_str_has_suffix(after, "garbage\n"));

	/* a file without a final newline gets one before the new user */
	{
		g_autofree gchar *fixed = g_strndup(before, strlen(before) - 1);
		g_autoptr(TpsAuthenticator) a = NULL;
		g_assert_true(g_file_set_contents(f->path, fixed, -1, NULL));
		g_assert_true(tps_authenticator_file_add_user(f->path, "y", s, NULL, &error));
		g_assert_no_error(error);
		a = tps_authenticator_file_new(f->path, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(tps_authenticator_file_get_n_users(TPS_AUTHENTICATOR_FILE(a)), ==, 2);
		g_assert_true(auth(a, "x", "pw", NULL, &error));
		g_assert_true(auth(a, "y", "pw", NULL, &error));
		g_assert_no_error(error);
	}
}

static void
test_missing_file(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsAuthenticator) a = tps_authenticator_file_new("/nonexistent/users", &error);
	g_assert_null(a);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
	g_assert_nonnull(strstr(error->message, "/nonexistent/users"));
}

static void
test_parse_errors(void)
{
	const gchar *good_hash = "scrypt$16384$8$1$U29kaXVtQ2hsb3JpZGU=$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI=";
	const struct {
		const gchar *text; /* %s = a good hash */
		const gchar *want;
	} cases[] = {
	    {"# c\nnocolons\n", "line 2: not user:hash:cn"},
	    {"a:%s\n", "line 1: not user:hash:cn"},
	    {"\n\na:%s:A\na:%s:B\n", "line 4: user \"a\" appears twice"},
	    {":%s:\n", "line 1: empty user id"},
	    {" a:%s:\n", "line 1: user id"},
	    {"#a\n@a:%s:\n", "line 2: unknown form string"},
	    {"a:md5$x:\n", "line 1: user \"a\": password hash is not scrypt"},
	    {"a:scrypt$16384$8$1$U29kaXVtQ2hsb3JpZGU=:\n", "line 1: user \"a\": password hash is not scrypt"},
	    {"a:scrypt$16385$8$1$U29kaXVtQ2hsb3JpZGU=$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI=:\n",
	     "line 1: user \"a\": scrypt N"},
	    {"a:scrypt$1024$8$1$U29kaXVtQ2hsb3JpZGU=$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI=:\n", "scrypt N"},
	    {"a:scrypt$016384$8$1$U29kaXVtQ2hsb3JpZGU=$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI=:\n", "scrypt N"},
	    {"a:scrypt$1048576$32$1$U29kaXVtQ2hsb3JpZGU=$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI=:\n",
	     "memory"},
	    {"a:scrypt$16384$0$1$U29kaXVtQ2hsb3JpZGU=$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI=:\n", "scrypt r"},
	    {"a:scrypt$16384$8$17$U29kaXVtQ2hsb3JpZGU=$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI=:\n", "scrypt p"},
	    {"a:scrypt$16384$8$1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI=:\n", "salt is not base64"},
	    {"a:scrypt$16384$8$1$U29k!XVtQ2hsb3JpZGU=$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI=:\n", "salt is not base64"},
	    {"a:scrypt$16384$8$1$U29kaXVtQ2hsb3JpZGV=$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI=:\n", "salt is not canonical"},
	    {"a:scrypt$16384$8$1$YWJj$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI=:\n", "salt has 3 bytes"},
	    {"a:scrypt$16384$8$1$U29kaXVtQ2hsb3JpZGU=$YWJj:\n", "hash has 3 bytes"},
	    {"a:%s:A\x01\n", "line 1: cn contains a control character"},
	    {"a:%s:\xc3\n", "line 1: cn is not valid UTF-8"},
	    {"@title=x\n", "line 1: unknown form string"},
	    {"@title.=x\n", "line 1: form string \"@title.\": bad locale"},
	    {"@title.f r=x\n", "bad locale"},
	    {"@title.fr\n", "line 1: form line without '='"},
	    {"@title.fr=\n", "line 1: empty form text"},
	    {"@nonsense.fr=x\n", "unknown form string"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GString) text = g_string_new(cases[i].text);
		g_autoptr(TpsAuthenticator) a = NULL;
		g_string_replace(text, "%s", good_hash, 0);
		a = tps_authenticator_file_new_from_data(text->str, text->len, &error);
		g_assert_null(a);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
		if (strstr(error->message, cases[i].want) == NULL)
			g_error("case %u: \"%s\" does not contain \"%s\"", i, error->message, cases[i].want);
	}
	/* NUL bytes and oversize input */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsAuthenticator) a = tps_authenticator_file_new_from_data("#\n#\0x\n", 6, &error);
		g_assert_null(a);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
		g_assert_nonnull(strstr(error->message, "line 2: NUL"));
	}
	{
		g_autoptr(GError) error = NULL;
		gsize len = TPS_AUTHENTICATOR_FILE_MAX_SIZE + 1;
		g_autofree gchar *big = g_malloc(len);
		g_autoptr(TpsAuthenticator) a = NULL;
		memset(big, '#', len);
		a = tps_authenticator_file_new_from_data(big, len, &error);
		g_assert_null(a);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
	}
}

static void
test_parse_accepts(void)
{
	/* comments, blank lines, CRLF, no final newline, ':' in the cn, empty file */
	const gchar *text = "  # indented comment\r\n\r\n   \n" RFC7914_LINE ":x\r\n@title.fr=Connexion\r\n"
			    "\t# tab comment";
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsAuthenticator) a = tps_authenticator_file_new_from_data(text, strlen(text), &error);
	g_autoptr(TpsAuthenticator) empty = NULL;
	g_autoptr(GHashTable) attrs = NULL;

	g_assert_no_error(error);
	g_assert_true(auth(a, "bob", "pleaseletmein", &attrs, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(g_hash_table_lookup(attrs, "cn"), ==, "Bob Example:x");
	empty = tps_authenticator_file_new_from_data("", 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(tps_authenticator_file_get_n_users(TPS_AUTHENTICATOR_FILE(empty)), ==, 0);
	g_assert_false(auth(empty, "bob", "pleaseletmein", NULL, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_AUTH);
}

static void
test_ui_strings(void)
{
	const gchar *text = "@title.fr=Authentification\n"
			    "@UID.name.fr=Identifiant\n"
			    "@title.pt_BR=Autenticação\n"
			    "@PASSWORD.description.de=Kennwort\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsAuthenticator) plain = tps_authenticator_file_new_from_data("", 0, &error);
	g_autoptr(TpsAuthenticator) a = tps_authenticator_file_new_from_data(text, strlen(text), &error);
	g_autofree gchar *title = NULL;
	g_autofree gchar *desc = NULL;
	g_autoptr(GPtrArray) fields = NULL;
	TpsAuthField *uid;
	TpsAuthField *pass;

	g_assert_no_error(error);
	/* the defaults: protocol.md 6.5 */
	g_assert_true(tps_authenticator_get_ui(plain, NULL, &title, &desc, &fields, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(title, ==, "LDAP Authentication");
	g_assert_cmpstr(desc, ==, "This authenticates user against the LDAP directory.");
	g_assert_cmpuint(fields->len, ==, 2);
	uid = g_ptr_array_index(fields, 0);
	pass = g_ptr_array_index(fields, 1);
	g_assert_cmpstr(uid->id, ==, "UID");
	g_assert_cmpstr(uid->name, ==, "LDAP User ID");
	g_assert_cmpstr(uid->description, ==, "LDAP User ID");
	g_assert_cmpstr(uid->type, ==, "string");
	g_assert_cmpstr(pass->id, ==, "PASSWORD");
	g_assert_cmpstr(pass->name, ==, "LDAP Password");
	g_assert_cmpstr(pass->description, ==, "LDAP Password");
	g_assert_cmpstr(pass->type, ==, "password");
	g_clear_pointer(&title, g_free);
	g_clear_pointer(&desc, g_free);
	g_clear_pointer(&fields, g_ptr_array_unref);

	/* fr_FR.UTF-8 -> fr, and whatever fr lacks from en */
	g_assert_true(tps_authenticator_get_ui(a, "fr_FR.UTF-8", &title, &desc, &fields, &error));
	g_assert_cmpstr(title, ==, "Authentification");
	g_assert_cmpstr(desc, ==, "This authenticates user against the LDAP directory.");
	uid = g_ptr_array_index(fields, 0);
	g_assert_cmpstr(uid->name, ==, "Identifiant");
	g_assert_cmpstr(uid->description, ==, "LDAP User ID");
	g_clear_pointer(&title, g_free);
	g_clear_pointer(&desc, g_free);
	g_clear_pointer(&fields, g_ptr_array_unref);

	/* exact variant, unknown locale, empty locale, only some out arguments */
	g_assert_true(tps_authenticator_get_ui(a, "pt_BR", &title, NULL, NULL, &error));
	g_assert_cmpstr(title, ==, "Autenticação");
	g_clear_pointer(&title, g_free);
	g_assert_true(tps_authenticator_get_ui(a, "pt", &title, NULL, NULL, &error));
	g_assert_cmpstr(title, ==, "LDAP Authentication");
	g_clear_pointer(&title, g_free);
	g_assert_true(tps_authenticator_get_ui(a, "xx_YY", &title, NULL, NULL, &error));
	g_assert_cmpstr(title, ==, "LDAP Authentication");
	g_clear_pointer(&title, g_free);
	g_assert_true(tps_authenticator_get_ui(a, "", &title, NULL, NULL, &error));
	g_assert_cmpstr(title, ==, "LDAP Authentication");
	g_assert_true(tps_authenticator_get_ui(a, "de_DE", NULL, NULL, &fields, &error));
	pass = g_ptr_array_index(fields, 1);
	g_assert_cmpstr(pass->name, ==, "LDAP Password");
	g_assert_cmpstr(pass->description, ==, "Kennwort");
	g_assert_no_error(error);
}

static void
test_field_boxed(void)
{
	g_autoptr(TpsAuthField) f = tps_auth_field_new("UID", "n", "d", "string");
	g_autoptr(TpsAuthField) c = g_boxed_copy(TPS_TYPE_AUTH_FIELD, f);
	g_assert_cmpstr(c->id, ==, "UID");
	g_assert_cmpstr(c->name, ==, "n");
	g_assert_cmpstr(c->description, ==, "d");
	g_assert_cmpstr(c->type, ==, "string");
	g_assert_null(tps_auth_field_copy(NULL));
}

typedef struct {
	TpsAuthenticator *auth;
	guint ok;
} ThreadData;

static gpointer
thread_func(gpointer data)
{
	ThreadData *td = data;
	for (guint i = 0; i < 3; i++) {
		g_autoptr(GError) error = NULL;
		if (auth(td->auth, "bob", "pleaseletmein", NULL, &error))
			td->ok++;
		g_assert_false(auth(td->auth, "bob", "nope", NULL, &error));
	}
	return NULL;
}

static void
test_threads(void)
{
	const gchar *text = RFC7914_LINE "\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsAuthenticator) a = tps_authenticator_file_new_from_data(text, strlen(text), &error);
	ThreadData td[4] = {{0}};
	GThread *threads[4];

	g_assert_no_error(error);
	for (guint i = 0; i < G_N_ELEMENTS(threads); i++) {
		td[i].auth = a;
		threads[i] = g_thread_new("auth", thread_func, &td[i]);
	}
	for (guint i = 0; i < G_N_ELEMENTS(threads); i++) {
		g_thread_join(threads[i]);
		g_assert_cmpuint(td[i].ok, ==, 3);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tps/authenticator-file/known-vector", test_known_vector);
	g_test_add("/tps/authenticator-file/add-and-authenticate", Fixture, NULL, fixture_setup,
		   test_add_and_authenticate, fixture_teardown);
	g_test_add("/tps/authenticator-file/unknown-user-timing", Fixture, NULL, fixture_setup,
		   test_unknown_user_timing, fixture_teardown);
	g_test_add_func("/tps/authenticator-file/hash-format", test_hash_format);
	g_test_add("/tps/authenticator-file/add-user-errors", Fixture, NULL, fixture_setup, test_add_user_errors,
		   fixture_teardown);
	g_test_add_func("/tps/authenticator-file/missing-file", test_missing_file);
	g_test_add_func("/tps/authenticator-file/parse-errors", test_parse_errors);
	g_test_add_func("/tps/authenticator-file/parse-accepts", test_parse_accepts);
	g_test_add_func("/tps/authenticator-file/ui-strings", test_ui_strings);
	g_test_add_func("/tps/authenticator-file/field-boxed", test_field_boxed);
	g_test_add_func("/tps/authenticator-file/threads", test_threads);
	return g_test_run();
}
