/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ThTestCert: an EC P-256 certificate made with OpenSSL at run time for TLS tests (self-signed
 * or issued by another one, a CA or a TLS server certificate, with subjectAltName), written as
 * PEM files into a test folder and removed again by th_test_cert_free(). Serial numbers are
 * random. Failures are test assertions.
 */
#pragma once

#include <gio/gio.h>

#include "tok-openssl-autoptr.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

typedef struct {
	EVP_PKEY *key;
	X509 *cert;
	gchar *cert_path; /* PEM certificate */
	gchar *pem_path;  /* PEM certificate + key */
} ThTestCert;

/* CN=@cn, subjectAltName @san (e.g. "IP:127.0.0.1,DNS:localhost"; NULL: none), valid from an
 * hour ago for a day; a CA when @ca; self-signed or issued by @issuer. Files @dir/@name.crt
 * and @dir/@name.pem. */
ThTestCert *
th_test_cert_new(const gchar *dir, const gchar *name, const gchar *cn, const gchar *san, ThTestCert *issuer, gboolean ca);
/* The same, valid from now + @not_before to now + @not_after (seconds). */
ThTestCert *
th_test_cert_new_full(const gchar *dir,
		       const gchar *name,
		       const gchar *cn,
		       const gchar *san,
		       ThTestCert *issuer,
		       gboolean ca,
		       glong not_before,
		       glong not_after);
void
th_test_cert_free(ThTestCert *c);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ThTestCert, th_test_cert_free)

G_END_DECLS
