/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TpsAuthenticatorFile: users and salted, slow password hashes in a local text file.
 *
 * Users file format (UTF-8, one entry per line, '\n' or "\r\n" line ends, at most 4 MiB):
 *
 *   # a comment; blank lines are ignored too
 *   alice:scrypt$32768$8$1$<salt>$<hash>:Alice Example
 *   @title.fr=Authentification
 *
 * - A user line is  <user>:<hash>:<cn>.
 *   <user>: 1-256 bytes, no ':', no control characters, no leading or trailing space, not
 *   starting with '#' or '@'; unique in the file (case-sensitive).
 *   <hash>: scrypt$<N>$<r>$<p>$<salt>$<key> with N a power of two from 2^14 to 2^20, r 1-32,
 *   p 1-16, 128*N*r at most 256 MiB, salt (8-64 bytes) and key (16-64 bytes) in canonical
 *   padded base64 (RFC 4648 section 4). The key is scrypt(password, salt, N, r, p) (EVP_KDF).
 *   <cn>: the rest of the line, the user's display name (may be empty, may contain ':').
 * - A form line is  @<string>.<locale>=<text>  and sets a string of the extended-login form
 *   (protocol.md 6.5) for a locale ([A-Za-z0-9_.@-]+, e.g. "en", "fr", "pt_BR"):
 *   <string> is title, description, UID.name, UID.description, PASSWORD.name or
 *   PASSWORD.description. Without form lines the form is Dogtag's "en" one: title "LDAP
 *   Authentication", description "This authenticates user against the LDAP directory.",
 *   UID "LDAP User ID", PASSWORD "LDAP Password". A locale without a string falls back through
 *   its variants (fr_FR.UTF-8 -> fr_FR -> fr) to "en".
 * Anything else is refused with TPS_ERROR_CONFIG naming the line ("line 3: ...").
 *
 * Passwords are compared in constant time; an unknown user costs the same scrypt work as a
 * known one. At most one password hash per CPU runs at a time (further logins wait for a
 * slot): a hash needs 128*N*r bytes (32 MiB with the defaults) and a whole CPU, so running
 * more at once only multiplies the memory. The users are immutable once loaded; the object is
 * thread-safe.
 */
#pragma once

#include "tps-authenticator.h"

G_BEGIN_DECLS

#define TPS_AUTHENTICATOR_FILE_MAX_SIZE (4 * 1024 * 1024)
/* the parameters of new hashes (tps_authenticator_file_hash_password) */
#define TPS_AUTHENTICATOR_FILE_SCRYPT_N 32768
#define TPS_AUTHENTICATOR_FILE_SCRYPT_R 8
#define TPS_AUTHENTICATOR_FILE_SCRYPT_P 1

#define TPS_TYPE_AUTHENTICATOR_FILE (tps_authenticator_file_get_type())
G_DECLARE_FINAL_TYPE(TpsAuthenticatorFile, tps_authenticator_file, TPS, AUTHENTICATOR_FILE, GObject)

/* Loads @path (errors: TPS_ERROR_CONFIG, prefixed with the path). */
TpsAuthenticator *
tps_authenticator_file_new(const gchar *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Parses a users file held in memory. */
TpsAuthenticator *
tps_authenticator_file_new_from_data(const gchar *data, gsize len, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
guint
tps_authenticator_file_get_n_users(TpsAuthenticatorFile *self);

/* Appends @user_id with a new hash of @password (and display name @cn, may be NULL) to the
 * users file @path, creating it (mode 0600) if missing; the file is rewritten atomically.
 * A bad user id, cn or an empty password: TPS_ERROR_INVALID; the user exists: TPS_ERROR_EXISTS;
 * an existing file that does not parse: TPS_ERROR_CONFIG; I/O: TPS_ERROR_BACKEND. */
gboolean
tps_authenticator_file_add_user(const gchar *path,
				const gchar *user_id,
				TokSecret *password,
				const gchar *cn,
				GError **error);
/* "scrypt$N$r$p$salt$key" for @password with a fresh random salt and the default parameters. */
gchar *
tps_authenticator_file_hash_password(TokSecret *password, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
