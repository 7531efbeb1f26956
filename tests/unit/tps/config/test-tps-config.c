/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "tks-config.h"
#include "tps-config.h"
#include "tps-error.h"

#define STATE "/var/lib/esc-tps-test"

#define DEFAULT_PHONE_HOME                                                                         \
	"<ServiceInfo>\n"                                                                          \
	"<IssuerName>ESC TPS</IssuerName>\n"                                                       \
	"<Services>\n"                                                                             \
	"<Operation>https://localhost:8443/tps/tps</Operation>\n"                                  \
	"<UI></UI>\n"                                                                              \
	"<EnrolledTokenBrowserURL></EnrolledTokenBrowserURL>\n"                                    \
	"<EnrolledTokenURL></EnrolledTokenURL>\n"                                                  \
	"<TokenType>userKey</TokenType>\n"                                                         \
	"</Services>\n"                                                                            \
	"</ServiceInfo>\n"

static TpsConfig *
load_ok(const gchar *text)
{
	g_autoptr(GError) error = NULL;
	TpsConfig *c = tps_config_load_from_data(text, strlen(text), STATE, &error);
	g_assert_no_error(error);
	g_assert_nonnull(c);
	return c;
}

static void
assert_load_fails(const gchar *text, const gchar *want_prefix)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsConfig) c = tps_config_load_from_data(text, strlen(text), STATE, &error);

	if (c != NULL)
		g_error("config\n%s\nloaded, want \"%s...\"", text, want_prefix);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
	if (!g_str_has_prefix(error->message, want_prefix))
		g_error("config\n%s\ngot \"%s\", want \"%s...\"", text, error->message, want_prefix);
}

static void
assert_profile_key(const TpsProfileKey *k,
		   const gchar *name,
		   const gchar *ca_profile,
		   const gchar *cert_id,
		   const gchar *cert_attr_id,
		   guint priv,
		   guint pub,
		   const gchar *label)
{
	g_assert_nonnull(k);
	g_assert_cmpstr(k->name_in_profile, ==, name);
	g_assert_cmpstr(k->ca_profile_id, ==, ca_profile);
	g_assert_cmpstr(k->cert_id, ==, cert_id);
	g_assert_cmpstr(k->cert_attr_id, ==, cert_attr_id);
	g_assert_cmpuint(k->private_key_number, ==, priv);
	g_assert_cmpuint(k->public_key_number, ==, pub);
	g_assert_cmpuint(k->key_size, ==, 2048);
	g_assert_cmpint(k->alg, ==, TPS_KEY_ALGORITHM_RSA);
	g_assert_cmpuint(k->key_usage, ==, 0);
	g_assert_cmpuint(k->key_user, ==, 0);
	g_assert_cmpstr(k->label, ==, label);
	g_assert_false(k->server_keygen);
}

static void
test_defaults(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsConfig) c = tps_config_load_with_state_dir(NULL, STATE, &error);
	g_autoptr(TpsTransitions) manual = tps_transitions_new_default_manual();
	g_autoptr(TpsTransitions) ops = tps_transitions_new_default_operations();
	g_autoptr(TpsTokenPolicy) policy = tps_token_policy_new_default();
	g_autoptr(GPtrArray) names = NULL;
	TpsProfile *p;

	g_assert_no_error(error);
	g_assert_cmpstr(tps_config_get_state_dir(c), ==, STATE);
	g_assert_cmpuint(tps_config_get_https_port(c), ==, 8443);
	g_assert_cmpuint(tps_config_get_http_port(c), ==, 0);
	g_assert_cmpstr(tps_config_get_listen_address(c), ==, "127.0.0.1");
	g_assert_cmpstr(tps_config_get_public_hostname(c), ==, "localhost");
	g_assert_cmpuint(tps_config_get_session_timeout(c), ==, 300);
	g_assert_cmpuint(tps_config_get_max_message_size(c), ==, 9999);
	g_assert_cmpstr(tps_config_get_tls_certificate_path(c), ==, STATE "/tls/server.crt");
	g_assert_cmpstr(tps_config_get_tls_key_path(c), ==, STATE "/tls/server.key");
	g_assert_cmpstr(tps_config_get_database_path(c), ==, STATE "/tokendb.sqlite");
	g_assert_cmpstr(tps_config_get_ca_directory(c), ==, STATE "/ca");
	g_assert_cmpstr(tps_config_get_ca_subject(c), ==, "CN=ESC TPS Local CA");
	g_assert_cmpuint(tps_config_get_ca_validity_days(c), ==, 3650);
	g_assert_cmpstr(tps_config_get_users_file(c), ==, STATE "/users");
	g_assert_false(tps_config_get_allow_multiple_active_tokens(c));
	g_assert_true(tps_transitions_equal(tps_config_get_manual_transitions(c), manual));
	g_assert_true(tps_transitions_equal(tps_config_get_operation_transitions(c), ops));
	g_assert_true(tps_token_policy_equal(tps_config_get_default_policy(c), policy));
	g_assert_false(tps_transitions_allows(tps_config_get_operation_transitions(c),
					      TPS_TOKEN_STATUS_UNFORMATTED,
					      TPS_TOKEN_STATUS_ACTIVE));
	g_assert_cmpstr(tps_config_get_phone_home_xml(c), ==, DEFAULT_PHONE_HOME);

	/* two profiles: userKey as protocol.md 6.3 with our 2048-bit keys, and userKeyEC */
	names = tps_config_list_profiles(c);
	g_assert_cmpuint(names->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(names, 0), ==, "userKey");
	g_assert_cmpstr(g_ptr_array_index(names, 1), ==, "userKeyEC");
	p = tps_config_lookup_profile(c, "userKey", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(p->name, ==, "userKey");
	g_assert_true(p->auth_enable);
	g_assert_cmpuint(p->keys->len, ==, 2);
	assert_profile_key(g_ptr_array_index(p->keys, 0),
			   "signing",
			   "caTokenUserSigningKeyEnrollment",
			   "C1",
			   "c1",
			   2,
			   3,
			   "signing key for $userid$");
	assert_profile_key(g_ptr_array_index(p->keys, 1),
			   "encryption",
			   "caTokenUserEncryptionKeyEnrollment",
			   "C2",
			   "c2",
			   4,
			   5,
			   "encryption key for $userid$");
	g_assert_true(tps_profile_get_key(p, "encryption") == g_ptr_array_index(p->keys, 1));
	g_assert_null(tps_profile_get_key(p, "auth"));
	g_assert_cmpuint(p->pin_min_len, ==, 4);
	g_assert_cmpuint(p->pin_max_len, ==, 10);
	g_assert_true(p->pin_reset_enable);
	g_assert_cmpstr(p->token_name_template, ==, "$auth.cn$");
	g_assert_cmpstr(p->applet_required_version, ==, "1.4.58768072");
	g_assert_cmpstr(p->applet_directory, ==, STATE "/applets");
	g_assert_true(p->applet_update_enroll);
	g_assert_true(p->applet_update_format);
	g_assert_true(p->applet_empty_token_ok);
	g_assert_false(p->sym_keys_update);
	g_assert_cmpuint(p->sym_keys_required_version, ==, 1);
	g_assert_true(p->issuer_info_enable);
	g_assert_cmpstr(p->issuer_info_value, ==, "https://localhost:8443/tps/phoneHome");
	g_assert_true(p->revoke_certs_on_format);
	g_assert_cmpuint(p->revoke_reason, ==, 0);
	g_assert_true(p->allow_unknown_token);
	g_assert_true(p->scp01_no_le_byte);
	g_assert_cmpstr(p->key_set, ==, "defKeySet");

	g_assert_cmpstr(tps_config_get_issuer_info(c, "enroll", "userKey"), ==, "https://localhost:8443/tps/phoneHome");
	g_assert_cmpstr(tps_config_get_issuer_info(c, "format", "userKey"), ==, "https://localhost:8443/tps/phoneHome");
	g_assert_null(tps_config_get_issuer_info(c, "unblock", "userKey"));
	g_assert_null(tps_config_get_issuer_info(c, "enroll", "soKey"));

	/* the default resolvers of protocol.md 6.4 */
	g_assert_cmpuint(tps_mapping_resolver_get_n_mappings(tps_config_get_resolver(c, TPS_RESOLVER_ENROLL)), ==, 4);
	g_assert_cmpuint(tps_mapping_resolver_get_n_mappings(tps_config_get_resolver(c, TPS_RESOLVER_FORMAT)), ==, 8);
	g_assert_cmpuint(tps_mapping_resolver_get_n_mappings(tps_config_get_resolver(c, TPS_RESOLVER_PIN_RESET)), ==, 1);
	g_assert_cmpuint(tps_mapping_resolver_get_n_mappings(tps_config_get_resolver(c, TPS_RESOLVER_KEY_SET)), ==, 3);
	for (guint k = 0; k < TPS_RESOLVER_KIND_COUNT; k++)
		g_assert_cmpint(tps_mapping_resolver_get_kind(tps_config_get_resolver(c, (TpsResolverKind)k)), ==, k);
}

static void
test_default_state_dir(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsConfig) c = tps_config_load(NULL, &error);
	g_autofree gchar *want = g_build_filename(g_get_user_state_dir(), "esc-tps", NULL);

	g_assert_no_error(error);
	g_assert_cmpstr(tps_config_get_state_dir(c), ==, want);
}

static void
test_tks_config(void)
{
	g_autoptr(TpsConfig) def = load_ok("");
	g_autoptr(TpsConfig) c = load_ok("[tks]\nencrypt-data-random=false\n"
					 "[tks:defKeySet]\n"
					 "[tks:vendorB]\ndeveloper-keys=jForte\nnistSP800-108KdfOnKeyVersion=02\n"
					 "[profile:userKey]\nkey-set=vendorB\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(TksConfig) tks_def = tks_config_new(tps_config_get_tks_config(def), &error);
	g_autoptr(TksConfig) tks = NULL;
	const TksKeySetConfig *ks;

	/* defaults: one key set, defKeySet with its developer keys */
	g_assert_no_error(error);
	g_assert_true(g_key_file_has_group(tps_config_get_tks_config(def), "key-set defKeySet"));
	g_assert_nonnull(tks_config_get_key_set(tks_def, "defKeySet"));
	g_assert_null(tks_config_get_key_set(tks_def, "jForte"));
	g_assert_true(tks_def->encrypt_data_random);

	tks = tks_config_new(tps_config_get_tks_config(c), &error);
	g_assert_no_error(error);
	g_assert_false(tks->encrypt_data_random);
	g_assert_nonnull(tks_config_get_key_set(tks, "defKeySet"));
	ks = tks_config_get_key_set(tks, "vendorB");
	g_assert_nonnull(ks);
	g_assert_cmpstr(ks->developer_vendor, ==, "jForte");
	g_assert_cmpuint(ks->nist_on_key_version, ==, 0x02);
	g_assert_cmpuint(g_hash_table_size(tks->key_sets), ==, 2);
}

static void
test_errors_server(void)
{
	assert_load_fails("[server]\nhttps-port=70000\n", "server.https-port: expected an integer from 0 to 65535, got '70000'");
	assert_load_fails("[server]\nhttps-port=-1\n", "server.https-port: expected an integer");
	assert_load_fails("[server]\nhttps-port=84a3\n", "server.https-port: expected an integer");
	assert_load_fails("[server]\nhttps-port=\n", "server.https-port: expected an integer");
	assert_load_fails("[server]\nhttp-port=+80\n", "server.http-port: expected an integer");
	assert_load_fails("[server]\nhttp-port=8443\n", "server.http-port: the same port as https-port");
	assert_load_fails("[server]\nlisten-address=localhost\n", "server.listen-address: expected an IPv4 or IPv6 address");
	assert_load_fails("[server]\npublic-hostname=a b\n", "server.public-hostname: expected a host name");
	assert_load_fails("[server]\npublic-hostname=::1\n", "server.public-hostname: expected a host name");
	assert_load_fails("[server]\nsession-timeout=0\n", "server.session-timeout: expected an integer from 5 to 86400");
	assert_load_fails("[server]\nmax-message-size=100\n", "server.max-message-size: expected an integer from 256");
	assert_load_fails("[server]\nstate-dir=relative/dir\n", "server.state-dir: must be an absolute path");
	assert_load_fails("[server]\ntls-key=\n", "server.tls-key: empty value");
	assert_load_fails("[server]\nport=8443\n", "server.port: unknown key");
	assert_load_fails("[server]\nhttps-port[de]=1\n", "server.https-port[de]: unknown key");
	assert_load_fails("[servers]\n", "servers: unknown group");
	assert_load_fails("[profile]\n", "profile: unknown group");
}

static void
test_errors_transitions(void)
{
	/* configuration may remove transitions, never add one */
	assert_load_fails("[tokendb]\nallowed-transitions=0:1,7:4\n", "tokendb.allowed-transitions: ");
	assert_load_fails("[tokendb]\nallowed-transitions=3:0\n", "tokendb.allowed-transitions: ");
	assert_load_fails("[operations]\nallowed-transitions=0:4,7:4\n", "operations.allowed-transitions: ");
	assert_load_fails("[operations]\nallowed-transitions=0:1\n", "operations.allowed-transitions: ");
	/* unknown states, syntax */
	assert_load_fails("[tokendb]\nallowed-transitions=0:5\n", "tokendb.allowed-transitions: ");
	assert_load_fails("[tokendb]\nallowed-transitions=0:9\n", "tokendb.allowed-transitions: ");
	assert_load_fails("[tokendb]\nallowed-transitions=0-1\n", "tokendb.allowed-transitions: ");
	assert_load_fails("[operations]\nallowed-transitions=0:0;4:4\n", "operations.allowed-transitions: ");
	assert_load_fails("[operations]\nallowed=0:0\n", "operations.allowed: unknown key");
	{
		g_autoptr(TpsConfig) c = load_ok("[tokendb]\nallowed-transitions=0:1,4:3\n[operations]\nallowed-transitions=7:0,0:0\n");
		const TpsTransitions *m = tps_config_get_manual_transitions(c);
		const TpsTransitions *o = tps_config_get_operation_transitions(c);
		g_assert_cmpuint(tps_transitions_get_size(m), ==, 2);
		g_assert_true(tps_transitions_allows(m, TPS_TOKEN_STATUS_ACTIVE, TPS_TOKEN_STATUS_SUSPENDED));
		g_assert_false(tps_transitions_allows(m, TPS_TOKEN_STATUS_ACTIVE, TPS_TOKEN_STATUS_TERMINATED));
		g_assert_true(tps_transitions_allows(o, TPS_TOKEN_STATUS_UNFORMATTED, TPS_TOKEN_STATUS_FORMATTED));
		g_assert_false(tps_transitions_allows(o, TPS_TOKEN_STATUS_FORMATTED, TPS_TOKEN_STATUS_ACTIVE));
	}
	{
		/* everything removed */
		g_autoptr(TpsConfig) c = load_ok("[operations]\nallowed-transitions=\n");
		g_assert_cmpuint(tps_transitions_get_size(tps_config_get_operation_transitions(c)), ==, 0);
	}
}

/* userKeyEC: userKey with both keys EC P-256, changed like any built-in profile */
static void
test_profile_user_key_ec(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsConfig) def = load_ok("");
	g_autoptr(TpsConfig) c = NULL;
	TpsProfile *user_key = tps_config_lookup_profile(def, "userKey", &error);
	TpsProfile *p = tps_config_lookup_profile(def, "userKeyEC", &error);

	g_assert_no_error(error);
	g_assert_nonnull(user_key);
	g_assert_nonnull(p);
	g_assert_cmpuint(p->keys->len, ==, 2);
	for (guint i = 0; i < p->keys->len; i++) {
		const TpsProfileKey *k = g_ptr_array_index(p->keys, i);
		const TpsProfileKey *rsa = g_ptr_array_index(user_key->keys, i);
		g_assert_cmpint(k->alg, ==, TPS_KEY_ALGORITHM_EC_P256);
		g_assert_cmpuint(k->key_size, ==, 256);
		g_assert_cmpstr(k->name_in_profile, ==, rsa->name_in_profile);
		g_assert_cmpstr(k->ca_profile_id, ==, rsa->ca_profile_id);
		g_assert_cmpuint(k->private_key_number, ==, rsa->private_key_number);
		g_assert_cmpuint(k->public_key_number, ==, rsa->public_key_number);
	}
	g_assert_cmpstr(tps_config_get_issuer_info(def, "enroll", "userKeyEC"), ==, "https://localhost:8443/tps/phoneHome");
	g_assert_null(tps_profile_new_builtin("userKeyRSA"));

	/* changed like userKey; a profile may mix the algorithms */
	c = load_ok("[profile:userKeyEC]\npin-min-length=6\n"
		    "[profile:mixed]\nkey.signing.algorithm=ec-p256\nkey.signing.key-size=256\n"
		    "key.encryption.key-size=1024\nkey.encryption.algorithm=rsa\n");
	p = tps_config_lookup_profile(c, "userKeyEC", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(p->pin_min_len, ==, 6);
	g_assert_cmpint(((TpsProfileKey *)g_ptr_array_index(p->keys, 0))->alg, ==, TPS_KEY_ALGORITHM_EC_P256);
	p = tps_config_lookup_profile(c, "mixed", &error);
	g_assert_no_error(error);
	g_assert_cmpint(((TpsProfileKey *)g_ptr_array_index(p->keys, 0))->alg, ==, TPS_KEY_ALGORITHM_EC_P256);
	g_assert_cmpuint(((TpsProfileKey *)g_ptr_array_index(p->keys, 0))->key_size, ==, 256);
	g_assert_cmpint(((TpsProfileKey *)g_ptr_array_index(p->keys, 1))->alg, ==, TPS_KEY_ALGORITHM_RSA);
	g_assert_cmpuint(((TpsProfileKey *)g_ptr_array_index(p->keys, 1))->key_size, ==, 1024);
	assert_load_fails("[profile:userKeyEC]\nkey.signing.key-size=2048\n",
			  "profile:userKeyEC.key.signing.key-size: 2048 bits is not possible for ec-p256");
}

static void
test_errors_policy(void)
{
	assert_load_fails("[tokendb]\ndefault-policy=FOO=YES\n", "tokendb.default-policy: ");
	assert_load_fails("[tokendb]\ndefault-policy=PIN_RESET=MAYBE\n", "tokendb.default-policy: ");
	assert_load_fails("[tokendb]\ndefault-policy=PIN_RESET\n", "tokendb.default-policy: ");
	assert_load_fails("[tokendb]\nallow-multiple-active-tokens=yes\n",
			  "tokendb.allow-multiple-active-tokens: expected true or false, got 'yes'");
	assert_load_fails("[tokendb]\npolicy=RENEW=YES\n", "tokendb.policy: unknown key");
	{
		g_autoptr(TpsConfig) c = load_ok("[tokendb]\ndefault-policy=pin_reset=yes;RE_ENROLL=NO\n");
		const TpsTokenPolicy *p = tps_config_get_default_policy(c);
		g_assert_true(tps_token_policy_get(p, "PIN_RESET"));
		g_assert_false(tps_token_policy_get(p, "RE_ENROLL"));
		g_assert_false(tps_token_policy_get(p, "RENEW"));
	}
}

static void
test_errors_profile(void)
{
	const gchar *bad[][2] = {
	    {"[profile:userKey]\npin-min-length=0\n", "profile:userKey.pin-min-length: expected an integer from 1 to 64"},
	    {"[profile:userKey]\npin-min-length=8\npin-max-length=6\n", "profile:userKey.pin-max-length: expected pin-min-length (8)..64"},
	    {"[profile:userKey]\npin-max-length=65\n", "profile:userKey.pin-max-length: expected an integer from 1 to 64"},
	    {"[profile:userKey]\nauth-enable=1\n", "profile:userKey.auth-enable: expected true or false, got '1'"},
	    {"[profile:userKey]\nauth-enabled=true\n", "profile:userKey.auth-enabled: unknown key"},
	    {"[profile:userKey]\napplet-required-version=../../etc/passwd\n", "profile:userKey.applet-required-version: expected <major>.<minor>.<build hex>"},
	    {"[profile:userKey]\napplet-required-version=1.4.5876807g\n", "profile:userKey.applet-required-version: "},
	    {"[profile:userKey]\nrevoke-reason=7\n", "profile:userKey.revoke-reason: 7 is not an RFC 5280 reason code"},
	    {"[profile:userKey]\nrevoke-reason=11\n", "profile:userKey.revoke-reason: expected an integer from 0 to 10"},
	    {"[profile:userKey]\nsym-keys-required-version=0\n", "profile:userKey.sym-keys-required-version: expected an integer from 1 to 255"},
	    {"[profile:userKey]\nkey-set=unknownSet\n", "profile:userKey.key-set: key set unknownSet is not configured"},
	    {"[profile:userKey]\nkey-set=a/b\n", "profile:userKey.key-set: expected a key set name"},
	    {"[profile:userKey]\nissuer-info-value=ftp://x/\n", "profile:userKey.issuer-info-value: expected an http:// or https:// URL"},
	    {"[profile:userKey]\nkeys=\n", "profile:userKey.keys: empty value"},
	    {"[profile:userKey]\nkeys=signing,signing\n", "profile:userKey.keys: key 'signing' listed twice"},
	    {"[profile:userKey]\nkeys=sign.ing\n", "profile:userKey.keys: bad key name 'sign.ing'"},
	    {"[profile:userKey]\nkeys=a,b,c,d,e,f\n", "profile:userKey.keys: at most 5 keys"},
	    {"[profile:userKey]\nkey.auth.label=x\n", "profile:userKey.key.auth.label: no key of this name"},
	    {"[profile:userKey]\nkey.signing.colour=red\n", "profile:userKey.key.signing.colour: unknown key"},
	    {"[profile:userKey]\nkey.signing=x\n", "profile:userKey.key.signing: unknown key"},
	    {"[profile:userKey]\nkey.signing.key-size=4096\n", "profile:userKey.key.signing.key-size: 4096 bits is not possible for rsa"},
	    {"[profile:userKey]\nkey.signing.key-size=8192\n", "profile:userKey.key.signing.key-size: expected an integer from 256 to 4096"},
	    {"[profile:userKey]\nkey.signing.algorithm=ec-p256\n", "profile:userKey.key.signing.key-size: 2048 bits is not possible for ec-p256"},
	    {"[profile:userKey]\nkey.signing.algorithm=dsa\n", "profile:userKey.key.signing.algorithm: expected rsa or ec-p256"},
	    {"[profile:userKey]\nkey.signing.cert-id=X1\n", "profile:userKey.key.signing.cert-id: expected C0 to C4"},
	    {"[profile:userKey]\nkey.signing.cert-id=C7\n", "profile:userKey.key.signing.cert-id: required: C0 to C4"},
	    {"[profile:userKey]\nkey.signing.cert-attr-id=c2\n", "profile:userKey.key.signing.cert-attr-id: must be c1 to pair with C1"},
	    {"[profile:userKey]\nkey.signing.private-key-number=3\n", "profile:userKey.key.signing.private-key-number: must be 2"},
	    {"[profile:userKey]\nkey.signing.public-key-number=10\n", "profile:userKey.key.signing.public-key-number: expected an integer from 0 to 9"},
	    {"[profile:userKey]\nkey.encryption.cert-id=C1\nkey.encryption.cert-attr-id=c1\nkey.encryption.private-key-number=2\n"
	     "key.encryption.public-key-number=3\n",
	     "profile:userKey.key.encryption.cert-id: C1 is used by two keys"},
	    {"[profile:userKey]\nkey.signing.key-usage=16\n", "profile:userKey.key.signing.key-usage: expected an integer from 0 to 15"},
	    {"[profile:userKey]\nkey.signing.server-keygen=true\n", "profile:userKey.key.signing.server-keygen: server-side key generation needs a KRA"},
	    {"[profile:userKey]\nkey.signing.ca-profile-id=bad id\n", "profile:userKey.key.signing.ca-profile-id: expected a CA profile name"},
	    {"[profile:userKey]\nkeys=signing,auth\n", "profile:userKey.key.auth.ca-profile-id: required"},
	    {"[profile:userKey]\nkeys=auth\nkey.auth.ca-profile-id=caAuth\n", "profile:userKey.key.auth.cert-id: required"},
	    {"[profile:bad name]\n", "profile:bad name: invalid profile name"},
	    {"[profile:]\n", "profile:: invalid profile name"},
	    {"[profile:userKey]\ntoken-name=a\\tb\n", "profile:userKey.token-name: control character"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
		assert_load_fails(bad[i][0], bad[i][1]);
}

static void
test_errors_other(void)
{
	g_autoptr(GString) big = g_string_new("[server]\n");
	g_autoptr(GString) long_host = g_string_new("[server]\npublic-hostname=");
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsConfig) c = NULL;

	assert_load_fails("[phone-home]\noperation-url=ftp://host/tps\n", "phone-home.operation-url: expected an http:// or https:// URL, got 'ftp://host/tps'");
	assert_load_fails("[phone-home]\nui-url=not a url\n", "phone-home.ui-url: expected an http:// or https:// URL");
	assert_load_fails("[phone-home]\ntoken-type=soKey\n", "phone-home.token-type: no profile soKey");
	assert_load_fails("[phone-home]\nissuer=x\n", "phone-home.issuer: unknown key");
	assert_load_fails("[ca]\nvalidity-days=0\n", "ca.validity-days: expected an integer from 1 to 36500");
	assert_load_fails("[ca]\nsubject=just text\n", "ca.subject: expected a name like CN=");
	assert_load_fails("[ca]\nkey=x\n", "ca.key: unknown key");
	assert_load_fails("[auth]\nusers=x\n", "auth.users: unknown key");
	assert_load_fails("[auth]\nusers-file=\n", "auth.users-file: empty value");
	assert_load_fails("[tks]\nfoo=1\n", "tks.foo: ");
	assert_load_fails("[tks]\nencrypt-data-random=maybe\n", "tks.encrypt-data-random: ");
	assert_load_fails("[tks:defKeySet]\ndeveloper-keys=acme\n", "tks:defKeySet.developer-keys: ");
	assert_load_fails("[tks:defKeySet]\nscp02.divers=gpkmc\n", "tks:defKeySet.scp02.divers: ");
	assert_load_fails("[tks:a b]\n", "tks:a b: invalid key set name");
	assert_load_fails("[mapping:enrol:0]\ntarget=userKey\n", "mapping:enrol:0: expected [mapping:<kind>:<n>]");
	assert_load_fails("[mapping:enroll]\ntarget=userKey\n", "mapping:enroll: expected [mapping:<kind>:<n>]");
	assert_load_fails("[mapping:enroll:01]\ntarget=userKey\n", "mapping:enroll:01: the mapping number must be 0..999");
	assert_load_fails("[mapping:enroll:1000]\ntarget=userKey\n", "mapping:enroll:1000: the mapping number");
	assert_load_fails("[mapping:enroll:x]\ntarget=userKey\n", "mapping:enroll:x: the mapping number");
	assert_load_fails("[mapping:enroll:0]\ntarget=soKey\n", "mapping:enroll:0.target: no profile soKey");
	assert_load_fails("[mapping:pin-reset:0]\n", "mapping:pin-reset:0.target: required");
	assert_load_fails("[mapping:key-set:0]\ntarget=jForte\n", "mapping:key-set:0.target: key set jForte is not configured");
	assert_load_fails("[mapping:format:0]\ntarget=userKey\nfilter.tokenCUID.start=123\n", "mapping:format:0.filter.tokenCUID.start: expected a CUID");

	for (guint i = 0; i < 200; i++)
		g_string_append_c(long_host, 'a');
	g_string_append_c(long_host, '\n');
	assert_load_fails(long_host->str, "server.public-hostname: expected a host name");

	/* syntax, size, NUL */
	assert_load_fails("no group\n", "configuration syntax: ");
	assert_load_fails("[server\n", "configuration syntax: ");
	c = tps_config_load_from_data("[server]\0\n", 10, STATE, &error);
	g_assert_null(c);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
	g_clear_error(&error);
	while (big->len <= TPS_CONFIG_FILE_MAX)
		g_string_append(big, "# padding padding padding padding padding padding padding\n");
	c = tps_config_load_from_data(big->str, big->len, STATE, &error);
	g_assert_null(c);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
	g_clear_error(&error);
	/* a state directory from the command line must be absolute */
	c = tps_config_load_from_data("", 0, "relative", &error);
	g_assert_null(c);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
	g_clear_error(&error);
	/* a missing file names the path */
	c = tps_config_load("/nonexistent/tps.conf", &error);
	g_assert_null(c);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
	g_assert_true(g_str_has_prefix(error->message, "/nonexistent/tps.conf: "));
}

static void
test_lookup_profile(void)
{
	g_autoptr(TpsConfig) c = load_ok("[profile:soKey]\nkeys=signing\npin-max-length=8\nissuer-info-enable=false\n"
					 "[profile:cleanToken]\nissuer-info-value=https://tps.example.com/tps/phoneHome\n");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) names = tps_config_list_profiles(c);
	TpsProfile *p;

	g_assert_cmpuint(names->len, ==, 4);
	g_assert_cmpstr(g_ptr_array_index(names, 0), ==, "cleanToken");
	g_assert_cmpstr(g_ptr_array_index(names, 1), ==, "soKey");
	g_assert_cmpstr(g_ptr_array_index(names, 2), ==, "userKey");
	g_assert_cmpstr(g_ptr_array_index(names, 3), ==, "userKeyEC");
	p = tps_config_lookup_profile(c, "soKey", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(p->keys->len, ==, 1);
	g_assert_cmpuint(p->pin_max_len, ==, 8);
	g_assert_cmpuint(p->pin_min_len, ==, 4);
	g_assert_null(tps_config_get_issuer_info(c, "enroll", "soKey"));
	g_assert_cmpstr(tps_config_get_issuer_info(c, "pin-reset", "cleanToken"), ==, "https://tps.example.com/tps/phoneHome");

	p = tps_config_lookup_profile(c, "userkey", &error);
	g_assert_null(p);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
	g_clear_error(&error);
	p = tps_config_lookup_profile(c, NULL, &error);
	g_assert_null(p);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
}

static void
test_mappings(void)
{
	/* numeric order, not file order; a configured kind replaces its defaults, others keep theirs */
	g_autoptr(TpsConfig) c = load_ok("[profile:soKey]\n"
					 "[mapping:enroll:10]\ntarget=userKey\n"
					 "[mapping:enroll:2]\nfilter.tokenType=soKey\ntarget=soKey\n"
					 "[mapping:key-set:0]\nfilter.appletMajorVersion=1\ntarget=defKeySet\n");
	TpsMappingResolver *enroll = tps_config_get_resolver(c, TPS_RESOLVER_ENROLL);
	TpsMappingResolver *key_set = tps_config_get_resolver(c, TPS_RESOLVER_KEY_SET);
	TpsMappingParams p = {.applet_major = -1, .applet_minor = -1, .token_type = "soKey"};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *t1 = NULL;
	g_autofree gchar *t2 = NULL;
	g_autofree gchar *t3 = NULL;

	g_assert_cmpuint(tps_mapping_resolver_get_n_mappings(enroll), ==, 2);
	g_assert_cmpuint(tps_mapping_resolver_get_mapping(enroll, 0)->order, ==, 2);
	g_assert_cmpuint(tps_mapping_resolver_get_mapping(enroll, 1)->order, ==, 10);
	t1 = tps_mapping_resolver_resolve(enroll, &p, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(t1, ==, "soKey");
	p.token_type = NULL;
	t2 = tps_mapping_resolver_resolve(enroll, &p, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(t2, ==, "userKey");
	/* key set: no catch-all any more */
	t3 = tps_mapping_resolver_resolve(key_set, &p, &error);
	g_assert_null(t3);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
	g_assert_cmpuint(tps_mapping_resolver_get_n_mappings(tps_config_get_resolver(c, TPS_RESOLVER_FORMAT)), ==, 8);
}

static void
test_bound_ports(void)
{
	g_autoptr(TpsConfig) c = load_ok("[server]\nhttps-port=0\npublic-hostname=tps.example.com\n"
					 "[profile:fixed]\nissuer-info-value=https://fixed.example.com/tps/phoneHome\n");
	TpsProfile *p = tps_config_lookup_profile(c, "userKey", NULL);

	g_assert_nonnull(strstr(tps_config_get_phone_home_xml(c), "<Operation>https://tps.example.com:0/tps/tps</Operation>"));
	tps_config_set_bound_ports(c, 40443, 0);
	g_assert_cmpuint(tps_config_get_https_port(c), ==, 0);
	g_assert_nonnull(strstr(tps_config_get_phone_home_xml(c), "<Operation>https://tps.example.com:40443/tps/tps</Operation>"));
	g_assert_cmpstr(p->issuer_info_value, ==, "https://tps.example.com:40443/tps/phoneHome");
	/* legacy HTTP on: the card gets the plain HTTP phone-home URL (as Dogtag) */
	tps_config_set_bound_ports(c, 40443, 40080);
	g_assert_cmpstr(tps_config_get_issuer_info(c, "enroll", "userKey"), ==, "http://tps.example.com:40080/tps/phoneHome");
	/* a configured value stays */
	g_assert_cmpstr(tps_config_get_issuer_info(c, "enroll", "fixed"), ==, "https://fixed.example.com/tps/phoneHome");
}

static void
test_phone_home_escaped(void)
{
	g_autoptr(TpsConfig) c = load_ok("[phone-home]\nissuer-name=Acme <R&D>\n"
					 "operation-url=https://tps.example.com/tps/tps?a=1&b=2\n"
					 "enrolled-token-browser-url=http://example.com/\n");

	g_assert_cmpstr(tps_config_get_phone_home_xml(c),
			==,
			"<ServiceInfo>\n"
			"<IssuerName>Acme &lt;R&amp;D&gt;</IssuerName>\n"
			"<Services>\n"
			"<Operation>https://tps.example.com/tps/tps?a=1&amp;b=2</Operation>\n"
			"<UI></UI>\n"
			"<EnrolledTokenBrowserURL>http://example.com/</EnrolledTokenBrowserURL>\n"
			"<EnrolledTokenURL></EnrolledTokenURL>\n"
			"<TokenType>userKey</TokenType>\n"
			"</Services>\n"
			"</ServiceInfo>\n");
}

static const gchar full_config[] =
    "[server]\n"
    "state-dir=/srv/tps\n"
    "listen-address=::\n"
    "https-port=9443\n"
    "http-port=9080\n"
    "public-hostname=tps.example.com\n"
    "session-timeout=120\n"
    "max-message-size=4096\n"
    "tls-certificate=/etc/tps/server.crt\n"
    "tls-key=keys/server.key\n"
    "[tokendb]\n"
    "path=db/tokens.sqlite\n"
    "allowed-transitions=0:1,0:2,4:3,3:6\n"
    "default-policy=RE_ENROLL=NO;PIN_RESET=YES\n"
    "allow-multiple-active-tokens=true\n"
    "[operations]\n"
    "allowed-transitions=0:0,0:4,7:0\n"
    "[phone-home]\n"
    "issuer-name=Example Corp\n"
    "operation-url=https://tps.example.com/tps/tps\n"
    "ui-url=https://tps.example.com/ui\n"
    "enrolled-token-browser-url=https://example.com/welcome\n"
    "enrolled-token-url=https://example.com/token\n"
    "token-type=smartcard\n"
    "issuer-info-url=https://tps.example.com/tps/phoneHome\n"
    "[ca]\n"
    "directory=/srv/ca\n"
    "subject=CN=Example Token CA, O=Example Corp\n"
    "validity-days=1825\n"
    "[auth]\n"
    "users-file=etc/users\n"
    "[tks]\n"
    "encrypt-data-random=true\n"
    "[tks:defKeySet]\n"
    "[tks:prod1]\n"
    "developer-keys=none\n"
    "nistSP800-108KdfOnKeyVersion=01\n"
    "[profile:smartcard]\n"
    "auth-enable=false\n"
    "keys=auth,signing\n"
    "pin-min-length=6\n"
    "pin-max-length=12\n"
    "pin-reset-enable=false\n"
    "token-name=$userid$ card\n"
    "applet-required-version=1.5.558cdcff\n"
    "applet-directory=/usr/share/esc/applets\n"
    "applet-update-enroll=false\n"
    "applet-update-format=false\n"
    "applet-empty-token-ok=false\n"
    "sym-keys-update=true\n"
    "sym-keys-required-version=2\n"
    "issuer-info-enable=true\n"
    "issuer-info-value=https://tps.example.com/card\n"
    "revoke-certs-on-format=false\n"
    "revoke-reason=4\n"
    "allow-unknown-token=false\n"
    "scp01-no-le-byte=false\n"
    "key-set=prod1\n"
    "key.auth.ca-profile-id=caTokenUserAuthKeyEnrollment\n"
    "key.auth.cert-id=C3\n"
    "key.auth.cert-attr-id=c3\n"
    "key.auth.private-key-number=6\n"
    "key.auth.public-key-number=7\n"
    "key.auth.algorithm=ec-p256\n"
    "key.auth.key-size=256\n"
    "key.auth.key-usage=1\n"
    "key.auth.key-user=2\n"
    "key.auth.label=  auth key for $userid$\n"
    "key.signing.key-size=1024\n"
    "[mapping:enroll:0]\n"
    "filter.appletMajorVersion=1\n"
    "filter.appletMinorVersion=5\n"
    "filter.tokenATR=3BFF1400\n"
    "filter.tokenCUID.start=40906145C76224190000\n"
    "filter.tokenCUID.end=40906145C762241FFFFF\n"
    "target=smartcard\n"
    "[mapping:enroll:1]\n"
    "filter.tokenType=userKey\n"
    "filter.keySet=prod1\n"
    "target=userKey\n"
    "[mapping:format:0]\n"
    "target=smartcard\n"
    "[mapping:pin-reset:0]\n"
    "target=smartcard\n"
    "[mapping:key-set:0]\n"
    "filter.appletMajorVersion=1\n"
    "target=prod1\n"
    "[mapping:key-set:1]\n"
    "target=defKeySet\n";

static void
check_full_config(TpsConfig *c)
{
	g_autoptr(GError) error = NULL;
	TpsProfile *p = tps_config_lookup_profile(c, "smartcard", &error);
	TpsProfile *u = tps_config_lookup_profile(c, "userKey", &error);
	const TpsProfileKey *auth;
	const TpsTransitions *m = tps_config_get_manual_transitions(c);
	const TpsTransitions *o = tps_config_get_operation_transitions(c);
	const TpsTokenPolicy *policy = tps_config_get_default_policy(c);
	TpsMappingParams params = {.applet_major = 1,
				   .applet_minor = 5,
				   .token_atr = "3BFF1400",
				   .cuid = "40906145c76224192d2b"};
	g_autofree gchar *t = NULL;
	g_autoptr(TksConfig) tks = NULL;

	g_assert_no_error(error);
	g_assert_cmpstr(tps_config_get_state_dir(c), ==, "/srv/tps");
	g_assert_cmpstr(tps_config_get_listen_address(c), ==, "::");
	g_assert_cmpuint(tps_config_get_https_port(c), ==, 9443);
	g_assert_cmpuint(tps_config_get_http_port(c), ==, 9080);
	g_assert_cmpstr(tps_config_get_public_hostname(c), ==, "tps.example.com");
	g_assert_cmpuint(tps_config_get_session_timeout(c), ==, 120);
	g_assert_cmpuint(tps_config_get_max_message_size(c), ==, 4096);
	g_assert_cmpstr(tps_config_get_tls_certificate_path(c), ==, "/etc/tps/server.crt");
	g_assert_cmpstr(tps_config_get_tls_key_path(c), ==, "/srv/tps/keys/server.key");
	g_assert_cmpstr(tps_config_get_database_path(c), ==, "/srv/tps/db/tokens.sqlite");
	g_assert_cmpuint(tps_transitions_get_size(m), ==, 4);
	g_assert_true(tps_transitions_allows(m, TPS_TOKEN_STATUS_SUSPENDED, TPS_TOKEN_STATUS_TERMINATED));
	g_assert_false(tps_transitions_allows(m, TPS_TOKEN_STATUS_ACTIVE, TPS_TOKEN_STATUS_TERMINATED));
	g_assert_cmpuint(tps_transitions_get_size(o), ==, 3);
	g_assert_false(tps_transitions_allows(o, TPS_TOKEN_STATUS_ACTIVE, TPS_TOKEN_STATUS_ACTIVE));
	g_assert_false(tps_token_policy_get(policy, "RE_ENROLL"));
	g_assert_true(tps_token_policy_get(policy, "PIN_RESET"));
	g_assert_true(tps_config_get_allow_multiple_active_tokens(c));
	g_assert_cmpstr(tps_config_get_ca_directory(c), ==, "/srv/ca");
	g_assert_cmpstr(tps_config_get_ca_subject(c), ==, "CN=Example Token CA, O=Example Corp");
	g_assert_cmpuint(tps_config_get_ca_validity_days(c), ==, 1825);
	g_assert_cmpstr(tps_config_get_users_file(c), ==, "/srv/tps/etc/users");
	g_assert_cmpstr(tps_config_get_phone_home_xml(c),
			==,
			"<ServiceInfo>\n"
			"<IssuerName>Example Corp</IssuerName>\n"
			"<Services>\n"
			"<Operation>https://tps.example.com/tps/tps</Operation>\n"
			"<UI>https://tps.example.com/ui</UI>\n"
			"<EnrolledTokenBrowserURL>https://example.com/welcome</EnrolledTokenBrowserURL>\n"
			"<EnrolledTokenURL>https://example.com/token</EnrolledTokenURL>\n"
			"<TokenType>smartcard</TokenType>\n"
			"</Services>\n"
			"</ServiceInfo>\n");

	g_assert_false(p->auth_enable);
	g_assert_cmpuint(p->keys->len, ==, 2);
	auth = g_ptr_array_index(p->keys, 0);
	g_assert_cmpstr(auth->name_in_profile, ==, "auth");
	g_assert_cmpstr(auth->ca_profile_id, ==, "caTokenUserAuthKeyEnrollment");
	g_assert_cmpstr(auth->cert_id, ==, "C3");
	g_assert_cmpstr(auth->cert_attr_id, ==, "c3");
	g_assert_cmpuint(auth->private_key_number, ==, 6);
	g_assert_cmpuint(auth->public_key_number, ==, 7);
	g_assert_cmpint(auth->alg, ==, TPS_KEY_ALGORITHM_EC_P256);
	g_assert_cmpuint(auth->key_size, ==, 256);
	g_assert_cmpuint(auth->key_usage, ==, 1);
	g_assert_cmpuint(auth->key_user, ==, 2);
	g_assert_cmpstr(auth->label, ==, "auth key for $userid$");
	g_assert_cmpuint(tps_profile_get_key(p, "signing")->key_size, ==, 1024);
	g_assert_cmpstr(tps_profile_get_key(p, "signing")->cert_id, ==, "C1");
	g_assert_cmpuint(p->pin_min_len, ==, 6);
	g_assert_cmpuint(p->pin_max_len, ==, 12);
	g_assert_false(p->pin_reset_enable);
	g_assert_cmpstr(p->token_name_template, ==, "$userid$ card");
	g_assert_cmpstr(p->applet_required_version, ==, "1.5.558cdcff");
	g_assert_cmpstr(p->applet_directory, ==, "/usr/share/esc/applets");
	g_assert_false(p->applet_update_enroll);
	g_assert_false(p->applet_update_format);
	g_assert_false(p->applet_empty_token_ok);
	g_assert_true(p->sym_keys_update);
	g_assert_cmpuint(p->sym_keys_required_version, ==, 2);
	g_assert_cmpstr(p->issuer_info_value, ==, "https://tps.example.com/card");
	g_assert_false(p->revoke_certs_on_format);
	g_assert_cmpuint(p->revoke_reason, ==, 4);
	g_assert_false(p->allow_unknown_token);
	g_assert_false(p->scp01_no_le_byte);
	g_assert_cmpstr(p->key_set, ==, "prod1");
	g_assert_cmpstr(u->issuer_info_value, ==, "https://tps.example.com/tps/phoneHome");
	g_assert_cmpstr(u->applet_directory, ==, "/srv/tps/applets");

	t = tps_mapping_resolver_resolve(tps_config_get_resolver(c, TPS_RESOLVER_ENROLL), &params, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(t, ==, "smartcard");
	g_clear_pointer(&t, g_free);
	t = tps_mapping_resolver_resolve(tps_config_get_resolver(c, TPS_RESOLVER_KEY_SET), &params, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(t, ==, "prod1");
	tks = tks_config_new(tps_config_get_tks_config(c), &error);
	g_assert_no_error(error);
	g_assert_nonnull(tks_config_get_key_set(tks, "prod1"));
	g_assert_null(tks_config_get_key_set(tks, "prod1")->developer_vendor);
	g_assert_cmpstr(tks_config_get_key_set(tks, "defKeySet")->developer_vendor, ==, "defKeySet");
}

static void
test_round_trip_full(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("tps-config-XXXXXX", &error);
	g_autofree gchar *path = NULL;
	g_autoptr(TpsConfig) c = NULL;
	g_autoptr(TpsConfig) again = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *text2 = NULL;
	gsize len = 0;

	g_assert_no_error(error);
	path = g_build_filename(dir, "tps.conf", NULL);
	g_assert_true(g_file_set_contents(path, full_config, -1, &error));
	c = tps_config_load(path, &error);
	g_assert_no_error(error);
	check_full_config(c);

	text = tps_config_to_data(c, &len);
	g_assert_cmpuint(len, ==, strlen(text));
	again = tps_config_load_from_data(text, len, NULL, &error);
	g_assert_no_error(error);
	check_full_config(again);
	text2 = tps_config_to_data(again, NULL);
	g_assert_cmpstr(text, ==, text2);

	g_assert_cmpint(g_unlink(path), ==, 0);
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void
test_round_trip_defaults(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsConfig) c = tps_config_load_with_state_dir(NULL, STATE, &error);
	g_autoptr(TpsConfig) again = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *text2 = NULL;
	gsize len = 0;

	g_assert_no_error(error);
	text = tps_config_to_data(c, &len);
	/* default mappings stay implicit */
	g_assert_null(strstr(text, "[mapping:"));
	again = tps_config_load_from_data(text, len, NULL, &error);
	g_assert_no_error(error);
	text2 = tps_config_to_data(again, NULL);
	g_assert_cmpstr(text, ==, text2);
	g_assert_cmpstr(tps_config_get_phone_home_xml(again), ==, DEFAULT_PHONE_HOME);
	g_assert_cmpstr(tps_config_get_state_dir(again), ==, STATE);
	g_assert_cmpuint(tps_mapping_resolver_get_n_mappings(tps_config_get_resolver(again, TPS_RESOLVER_ENROLL)), ==, 4);
}

static void
test_profile_boxed(void)
{
	g_autoptr(TpsProfile) p = tps_profile_new("x");
	g_autoptr(TpsProfile) copy = NULL;
	g_autoptr(TpsProfileKey) k = tps_profile_key_new_default("other");
	g_autoptr(TpsProfileKey) plain = tps_profile_key_new("other");
	TpsKeyAlgorithm alg = TPS_KEY_ALGORITHM_RSA;
	g_autoptr(GError) error = NULL;

	g_assert_null(k);
	g_assert_null(plain->ca_profile_id);
	g_assert_cmpstr(plain->label, ==, "other key for $userid$");
	p->issuer_info_value = g_strdup("https://a/");
	copy = g_boxed_copy(TPS_TYPE_PROFILE, p);
	g_assert_true(copy != p);
	g_assert_cmpstr(copy->name, ==, "x");
	g_assert_cmpstr(copy->issuer_info_value, ==, "https://a/");
	g_assert_cmpuint(copy->keys->len, ==, 2);
	g_assert_true(g_ptr_array_index(copy->keys, 0) != g_ptr_array_index(p->keys, 0));
	g_assert_cmpstr(((TpsProfileKey *)g_ptr_array_index(copy->keys, 1))->cert_id, ==, "C2");
	g_assert_true(tps_profile_validate(copy, &error));
	g_assert_no_error(error);
	g_assert_true(G_TYPE_IS_BOXED(TPS_TYPE_PROFILE_KEY));

	g_assert_cmpstr(tps_key_algorithm_to_string(TPS_KEY_ALGORITHM_EC_P256), ==, "ec-p256");
	g_assert_true(tps_key_algorithm_from_string("ec-p256", &alg));
	g_assert_cmpint(alg, ==, TPS_KEY_ALGORITHM_EC_P256);
	g_assert_false(tps_key_algorithm_from_string("RSA", &alg));

	g_assert_true(tps_profile_applet_version_is_valid("1.4.58768072"));
	g_assert_true(tps_profile_applet_version_is_valid("1.5.558CDCFF"));
	g_assert_false(tps_profile_applet_version_is_valid("1.4"));
	g_assert_false(tps_profile_applet_version_is_valid("256.4.1"));
	g_assert_false(tps_profile_applet_version_is_valid("1.4.123456789"));
	g_assert_false(tps_profile_applet_version_is_valid("1.4.5876807/"));
	g_assert_false(tps_profile_applet_version_is_valid(NULL));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tps/config/defaults", test_defaults);
	g_test_add_func("/tps/config/default-state-dir", test_default_state_dir);
	g_test_add_func("/tps/config/tks", test_tks_config);
	g_test_add_func("/tps/config/errors/server", test_errors_server);
	g_test_add_func("/tps/config/errors/transitions", test_errors_transitions);
	g_test_add_func("/tps/config/errors/policy", test_errors_policy);
	g_test_add_func("/tps/config/errors/profile", test_errors_profile);
	g_test_add_func("/tps/config/errors/other", test_errors_other);
	g_test_add_func("/tps/config/profiles", test_lookup_profile);
	g_test_add_func("/tps/config/profiles/user-key-ec", test_profile_user_key_ec);
	g_test_add_func("/tps/config/mappings", test_mappings);
	g_test_add_func("/tps/config/bound-ports", test_bound_ports);
	g_test_add_func("/tps/config/phone-home/escaped", test_phone_home_escaped);
	g_test_add_func("/tps/config/round-trip/full", test_round_trip_full);
	g_test_add_func("/tps/config/round-trip/defaults", test_round_trip_defaults);
	g_test_add_func("/tps/config/profile/boxed", test_profile_boxed);
	return g_test_run();
}
