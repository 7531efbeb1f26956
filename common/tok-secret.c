/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-secret.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#include "tok-error.h"

struct _TokSecret {
	gatomicrefcount refcount;
	gsize len;
	guint8 *data; /* len bytes, never NULL (one byte allocated for empty secrets) */
};

G_DEFINE_BOXED_TYPE(TokSecret, tok_secret, tok_secret_ref, tok_secret_unref)

TokSecret *
tok_secret_new(gsize len)
{
	TokSecret *secret = g_new0(TokSecret, 1);
	g_atomic_ref_count_init(&secret->refcount);
	secret->len = len;
	secret->data = g_malloc0(MAX(len, 1));
	return secret;
}

TokSecret *
tok_secret_new_from_data(const guint8 *data, gsize len)
{
	TokSecret *secret = tok_secret_new(len);
	if (len > 0)
		memcpy(secret->data, data, len);
	return secret;
}

TokSecret *
tok_secret_new_from_text(const gchar *text)
{
	return tok_secret_new_from_data((const guint8 *)text, strlen(text));
}

TokSecret *
tok_secret_new_random(gsize len, GError **error)
{
	g_autoptr(TokSecret) secret = tok_secret_new(len);
	if (len > G_MAXINT || RAND_bytes(secret->data, (int)len) != 1) {
		tok_error_set_openssl(error, "failed to generate random bytes");
		return NULL;
	}
	return g_steal_pointer(&secret);
}

TokSecret *
tok_secret_ref(TokSecret *secret)
{
	g_atomic_ref_count_inc(&secret->refcount);
	return secret;
}

void
tok_secret_unref(TokSecret *secret)
{
	if (secret == NULL)
		return;
	if (!g_atomic_ref_count_dec(&secret->refcount))
		return;
	OPENSSL_cleanse(secret->data, MAX(secret->len, 1));
	g_free(secret->data);
	g_free(secret);
}

gsize
tok_secret_get_size(const TokSecret *secret)
{
	return secret->len;
}

const guint8 *
tok_secret_get_data(const TokSecret *secret, gsize *len)
{
	if (len != NULL)
		*len = secret->len;
	return secret->data;
}

guint8 *
tok_secret_get_mutable_data(TokSecret *secret)
{
	return secret->data;
}

gboolean
tok_secret_equal_data(const TokSecret *secret, const guint8 *data, gsize len)
{
	if (secret->len != len)
		return FALSE;
	if (len == 0)
		return TRUE;
	return CRYPTO_memcmp(secret->data, data, len) == 0;
}

gboolean
tok_secret_equal(const TokSecret *a, const TokSecret *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return tok_secret_equal_data(a, b->data, b->len);
}

TokSecret *
tok_secret_slice(const TokSecret *secret, gsize offset, gsize len)
{
	if (offset > secret->len || len > secret->len - offset)
		return NULL;
	return tok_secret_new_from_data(secret->data + offset, len);
}

static void
tok_wiped_free(gpointer user_data)
{
	GByteArray *array = user_data;
	tok_byte_array_wipe_free(array);
}

GBytes *
tok_bytes_new_wiped_take(GByteArray *array)
{
	/* the GBytes views the array's storage; the array is wiped and freed with it */
	return g_bytes_new_with_free_func(array->data, array->len, tok_wiped_free, array);
}

GBytes *
tok_bytes_new_wiped(const guint8 *data, gsize len)
{
	GByteArray *array = g_byte_array_sized_new((guint)len);
	if (len > 0)
		g_byte_array_append(array, data, (guint)len);
	return tok_bytes_new_wiped_take(array);
}

GBytes *
tok_secret_to_wiped_bytes(const TokSecret *secret)
{
	return tok_bytes_new_wiped(secret->data, secret->len);
}

void
tok_byte_array_wipe_free(GByteArray *array)
{
	if (array == NULL)
		return;
	if (array->len > 0)
		OPENSSL_cleanse(array->data, array->len);
	g_byte_array_unref(array);
}
