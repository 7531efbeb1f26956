/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pre-generated card keys for the TPS benchmark.
 *
 * The emulated tokens are in-process virtual cards; their RSA-2048 key generation (tens to
 * hundreds of milliseconds each) is client-side CPU that would compete with tpsd for the two
 * cores and hide what the server costs. bench-tps is linked with
 * -Wl,--wrap=EVP_PKEY_Q_keygen, so the virtual card's key generation calls
 * __wrap_EVP_PKEY_Q_keygen below: an RSA key of a size in the pool is taken from the pool
 * (filled before the timed phases), anything else is generated as usual. Each pooled key is
 * used once. The card still builds the public key blob and signs the proof of possession
 * with that key, and the TPS verifies and certifies it: nothing the server does changes.
 *
 * The wrapper has the fixed signature of the function it replaces, so the pool is the one
 * piece of file-scope state of the bench (a test program; production code has none).
 */
#include "config.h"

#include <stdarg.h>

#include "bench-tps.h"

typedef struct {
	GMutex lock;
	GQueue keys; /* EVP_PKEY, each handed out once */
	guint bits;
	guint taken;
	guint generated;
} BenchKeyPool;

/* the pool __wrap_EVP_PKEY_Q_keygen draws from (see above); zeroed = empty and usable */
static BenchKeyPool bench_key_pool;

/* the linker's names for the real function and our replacement (-Wl,--wrap) */
EVP_PKEY *
__real_EVP_PKEY_Q_keygen(OSSL_LIB_CTX *libctx, const char *propq, const char *type, ...);
EVP_PKEY *
__wrap_EVP_PKEY_Q_keygen(OSSL_LIB_CTX *libctx, const char *propq, const char *type, ...);

EVP_PKEY *
bench_keys_generate_rsa(guint bits)
{
	return __real_EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
}

static EVP_PKEY *
bench_keys_take(guint bits)
{
	EVP_PKEY *key = NULL;

	g_mutex_lock(&bench_key_pool.lock);
	if (bits == bench_key_pool.bits)
		key = g_queue_pop_head(&bench_key_pool.keys);
	if (key != NULL)
		bench_key_pool.taken++;
	else
		bench_key_pool.generated++;
	g_mutex_unlock(&bench_key_pool.lock);
	return key;
}

EVP_PKEY *
__wrap_EVP_PKEY_Q_keygen(OSSL_LIB_CTX *libctx, const char *propq, const char *type, ...)
{
	va_list args;
	EVP_PKEY *key;

	if (g_strcmp0(type, "RSA") == 0) {
		size_t bits;

		va_start(args, type);
		bits = va_arg(args, size_t);
		va_end(args);
		key = bench_keys_take((guint)bits);
		return key != NULL ? key : __real_EVP_PKEY_Q_keygen(libctx, propq, type, bits);
	}
	if (g_strcmp0(type, "EC") == 0) {
		const char *curve;

		va_start(args, type);
		curve = va_arg(args, const char *);
		va_end(args);
		return __real_EVP_PKEY_Q_keygen(libctx, propq, type, curve);
	}
	/* X25519, ED25519, ...: no further argument */
	return __real_EVP_PKEY_Q_keygen(libctx, propq, type);
}

typedef struct {
	guint n;
	guint bits;
	GPtrArray *keys;
} BenchKeyJob;

static gpointer
bench_keys_thread(gpointer data)
{
	BenchKeyJob *job = data;

	for (guint i = 0; i < job->n; i++) {
		EVP_PKEY *key = bench_keys_generate_rsa(job->bits);
		if (key == NULL)
			break;
		g_ptr_array_add(job->keys, key);
	}
	return NULL;
}

gboolean
bench_keys_fill(guint n, guint bits, guint n_threads, GError **error)
{
	g_autoptr(GPtrArray) threads = g_ptr_array_new();
	g_autofree BenchKeyJob *jobs = NULL;
	guint made = 0;

	n_threads = MAX(1, MIN(n_threads, MAX(n, 1)));
	jobs = g_new0(BenchKeyJob, n_threads);
	for (guint i = 0; i < n_threads; i++) {
		jobs[i].n = n / n_threads + (i < n % n_threads ? 1 : 0);
		jobs[i].bits = bits;
		jobs[i].keys = g_ptr_array_new();
		g_ptr_array_add(threads, g_thread_new("bench-keygen", bench_keys_thread, &jobs[i]));
	}
	g_mutex_lock(&bench_key_pool.lock);
	bench_key_pool.bits = bits;
	g_mutex_unlock(&bench_key_pool.lock);
	for (guint i = 0; i < n_threads; i++) {
		g_thread_join(g_ptr_array_index(threads, i));
		g_mutex_lock(&bench_key_pool.lock);
		for (guint k = 0; k < jobs[i].keys->len; k++)
			g_queue_push_tail(&bench_key_pool.keys, g_ptr_array_index(jobs[i].keys, k));
		g_mutex_unlock(&bench_key_pool.lock);
		made += jobs[i].keys->len;
		g_ptr_array_unref(jobs[i].keys);
	}
	if (made != n) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "generated %u of %u RSA-%u keys", made, n, bits);
		return FALSE;
	}
	return TRUE;
}

void
bench_keys_get_stats(guint *taken, guint *generated)
{
	g_mutex_lock(&bench_key_pool.lock);
	*taken = bench_key_pool.taken;
	*generated = bench_key_pool.generated;
	g_mutex_unlock(&bench_key_pool.lock);
}
