/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <winscard.h>

#include "th-pcsc-private.h"

struct _ThPcscCard {
	guint slot;
	GSubprocess *proc;
	gchar *log_path;
	gboolean stopped; /* on purpose: not reported as dead */
};

struct _ThPcsc {
	gchar *dir;
	gchar *socket;
	gchar *log_path;
	GSubprocess *pcscd;
	GPtrArray *cards; /* ThPcscCard, every card ever started */
};

/* The pcscd side of the namespace: mount, loopback, quickack route, then exec pcscd. */
static const gchar th_pcsc_ns_script[] =
    "set -e\n"
    "PATH=$PATH:/usr/sbin:/sbin\n"
    "dir=$1\n"
    "shift\n"
    "mount --bind \"$dir/run\" /run\n"
    "ip link set lo up\n"
    "ip route change local 127.0.0.1 dev lo table local proto kernel scope host"
    " src 127.0.0.1 quickack 1 || echo 'th-pcsc: warning: quickack route not set' >&2\n"
    "if pcscd --help 2>&1 | grep -q -- --disable-polkit; then set -- \"$@\" --disable-polkit; fi\n"
    "exec pcscd --foreground -c \"$dir/conf\" \"$@\"\n";

/* ---- the instance ---------------------------------------------------------------------- */

static void
th_pcsc_card_free(ThPcscCard *card)
{
	if (card->proc != NULL) {
		th_proc_stop(card->proc, SIGTERM);
		g_object_unref(card->proc);
	}
	g_free(card->log_path);
	g_free(card);
}

/* The per-process link PCSCLITE_CSOCK_NAME names. */
static gchar *
th_pcsc_link_path(void)
{
	const gchar *env = g_getenv("PCSCLITE_CSOCK_NAME");
	g_autofree gchar *name = NULL;

	if (env != NULL) {
		g_autofree gchar *parent = g_path_get_dirname(env);
		g_autofree gchar *base = g_path_get_basename(parent);
		if (g_str_has_prefix(base, TH_PCSC_LINK_PREFIX))
			return g_strdup(env);
	}
	name = g_strdup_printf("%s%ld", TH_PCSC_LINK_PREFIX, (glong)getpid());
	return g_build_filename(g_get_tmp_dir(), name, "pcscd.comm", NULL);
}

void
th_pcsc_prepare_environ(void)
{
	g_autofree gchar *link = th_pcsc_link_path();

	if (g_strcmp0(g_getenv("PCSCLITE_CSOCK_NAME"), link) != 0)
		g_setenv("PCSCLITE_CSOCK_NAME", link, TRUE);
}

gboolean
th_pcsc_activate(ThPcsc *self, GError **error)
{
	g_autofree gchar *link = th_pcsc_link_path();
	g_autofree gchar *parent = g_path_get_dirname(link);
	g_autofree gchar *tmp = g_strconcat(link, ".new", NULL);

	if (g_mkdir_with_parents(parent, 0700) != 0) {
		g_set_error(error,
			    TH_PCSC_ERROR,
			    TH_PCSC_ERROR_FAILED,
			    "cannot create %s: %s",
			    parent,
			    g_strerror(errno));
		return FALSE;
	}
	g_unlink(tmp);
	if (symlink(self->socket, tmp) != 0 || g_rename(tmp, link) != 0) {
		g_set_error(error,
			    TH_PCSC_ERROR,
			    TH_PCSC_ERROR_FAILED,
			    "cannot point %s at %s: %s",
			    link,
			    self->socket,
			    g_strerror(errno));
		g_unlink(tmp);
		return FALSE;
	}
	th_pcsc_prepare_environ();
	return TRUE;
}

static void
th_pcsc_deactivate(ThPcsc *self)
{
	g_autofree gchar *link = th_pcsc_link_path();
	g_autofree gchar *target = g_file_read_link(link, NULL);

	if (g_strcmp0(target, self->socket) == 0) {
		g_autofree gchar *parent = g_path_get_dirname(link);
		g_unlink(link);
		g_rmdir(parent);
	}
}

/* TRUE once vpcd listens on both slot ports in pcscd's network namespace. */
static gboolean
th_pcsc_vpcd_listening(ThPcsc *self)
{
	g_autofree gchar *path =
	    g_strdup_printf("/proc/%ld/net/tcp", (glong)th_proc_pid(self->pcscd));
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	guint found = 0;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return FALSE;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 1; lines[i] != NULL; i++) {
		g_auto(GStrv) fields = g_strsplit_set(g_strstrip(lines[i]), " ", -1);
		const gchar *local = NULL;
		const gchar *state = NULL;
		guint col = 0;

		for (guint j = 0; fields[j] != NULL; j++) {
			if (fields[j][0] == '\0')
				continue;
			if (col == 1)
				local = fields[j];
			else if (col == 3)
				state = fields[j];
			col++;
		}
		if (local == NULL || g_strcmp0(state, "0A") != 0)
			continue;
		for (guint slot = 0; slot < TH_PCSC_SLOTS; slot++) {
			g_autofree gchar *port = g_strdup_printf(":%04X", TH_PCSC_PORT + slot);
			if (g_str_has_suffix(local, port))
				found |= 1u << slot;
		}
	}
	return found == (1u << TH_PCSC_SLOTS) - 1;
}

static gboolean
th_pcsc_check_pcscd(ThPcsc *self, GError **error)
{
	if (th_proc_running(self->pcscd))
		return TRUE;
	th_pcsc_set_died(error, "pcscd", self->pcscd, self->log_path);
	return FALSE;
}

/* Waits for the socket and vpcd, then for a context to be accepted. */
static gboolean
th_pcsc_wait_ready(ThPcsc *self, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)TH_PCSC_START_TIMEOUT_MS * 1000;
	glong rv = SCARD_E_NO_SERVICE;

	for (;;) {
		if (!th_pcsc_check_pcscd(self, error)) {
			g_prefix_error(error, "starting pcscd: ");
			return FALSE;
		}
		if (g_file_test(self->socket, G_FILE_TEST_EXISTS) && th_pcsc_vpcd_listening(self)) {
			SCARDCONTEXT ctx = 0;
			rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
			if (rv == SCARD_S_SUCCESS) {
				SCardReleaseContext(ctx);
				return TRUE;
			}
		}
		if (g_get_monotonic_time() > deadline) {
			g_autofree gchar *tail =
			    th_pcsc_log_tail(self->log_path, TH_PCSC_LOG_LINES);
			g_set_error(error,
				    TH_PCSC_ERROR,
				    TH_PCSC_ERROR_TIMEOUT,
				    "pcscd not ready after %u ms (socket %s, vpcd on port %u, last "
				    "SCardEstablishContext: %s); last lines of %s:\n%s",
				    (guint)TH_PCSC_START_TIMEOUT_MS,
				    self->socket,
				    (guint)TH_PCSC_PORT,
				    pcsc_stringify_error((LONG)rv),
				    self->log_path,
				    tail);
			return FALSE;
		}
		g_usleep(TH_PCSC_POLL_US);
	}
}

static gboolean
th_pcsc_write_config(ThPcsc *self, GError **error)
{
	g_autofree gchar *run = g_build_filename(self->dir, "run", NULL);
	g_autofree gchar *conf = g_build_filename(self->dir, "conf", NULL);
	g_autofree gchar *vpcd = g_build_filename(conf, "vpcd", NULL);
	g_autofree gchar *owner = g_build_filename(self->dir, "owner", NULL);
	g_autofree gchar *pid = g_strdup_printf("%ld\n", (glong)getpid());
	g_autofree gchar *text = g_strdup_printf("FRIENDLYNAME \"Virtual PCD\"\n"
						 "DEVICENAME   /dev/null:%u\n"
						 "LIBPATH      %s\n"
						 "CHANNELID    %u\n",
						 (guint)TH_PCSC_PORT,
						 TH_PCSC_VPCD_DRIVER,
						 (guint)TH_PCSC_PORT);

	if (g_mkdir(run, 0755) != 0 || g_mkdir(conf, 0755) != 0) {
		g_set_error(error,
			    TH_PCSC_ERROR,
			    TH_PCSC_ERROR_FAILED,
			    "cannot create %s/{run,conf}: %s",
			    self->dir,
			    g_strerror(errno));
		return FALSE;
	}
	if (!g_file_set_contents(owner, pid, -1, error) ||
	    !g_file_set_contents(vpcd, text, -1, error)) {
		g_prefix_error(error, "writing the pcscd configuration: ");
		return FALSE;
	}
	return TRUE;
}

ThPcsc *
th_pcsc_new(const gchar *parent_dir, GError **error)
{
	g_autoptr(ThPcsc) self = g_new0(ThPcsc, 1);
	g_autofree gchar *template = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) extra = NULL;
	const gchar *flags = g_getenv("TH_PCSC_PCSCD_FLAGS");

	th_pcsc_prepare_environ();
	if (parent_dir == NULL)
		parent_dir = g_get_tmp_dir();
	th_pcsc_sweep_stale(parent_dir);
	self->cards = g_ptr_array_new_with_free_func((GDestroyNotify)th_pcsc_card_free);
	template = g_build_filename(parent_dir, TH_PCSC_DIR_PREFIX "XXXXXX", NULL);
	self->dir = g_mkdtemp(g_steal_pointer(&template));
	if (self->dir == NULL) {
		g_set_error(error,
			    TH_PCSC_ERROR,
			    TH_PCSC_ERROR_FAILED,
			    "cannot create a directory in %s: %s",
			    parent_dir,
			    g_strerror(errno));
		return NULL;
	}
	self->socket = g_build_filename(self->dir, TH_PCSC_SOCKET_SUFFIX, NULL);
	self->log_path = g_build_filename(self->dir, "pcscd.log", NULL);
	if (strlen(self->socket) >= 100) {
		g_set_error(error,
			    TH_PCSC_ERROR,
			    TH_PCSC_ERROR_FAILED,
			    "socket path %s is too long for AF_UNIX: use a shorter TMPDIR",
			    self->socket);
		return NULL;
	}
	if (!th_pcsc_write_config(self, error))
		return NULL;

	g_ptr_array_add(argv, g_strdup("unshare"));
	g_ptr_array_add(argv, g_strdup("--mount"));
	g_ptr_array_add(argv, g_strdup("--net"));
	g_ptr_array_add(argv, g_strdup("--propagation"));
	g_ptr_array_add(argv, g_strdup("private"));
	g_ptr_array_add(argv, g_strdup("sh"));
	g_ptr_array_add(argv, g_strdup("-c"));
	g_ptr_array_add(argv, g_strdup(th_pcsc_ns_script));
	g_ptr_array_add(argv, g_strdup("th-pcsc-ns"));
	g_ptr_array_add(argv, g_strdup(self->dir));
	extra = g_strsplit_set(flags != NULL ? flags : "", " \t", -1);
	for (guint i = 0; extra[i] != NULL; i++) {
		if (extra[i][0] != '\0')
			g_ptr_array_add(argv, g_strdup(extra[i]));
	}
	g_ptr_array_add(argv, NULL);

	/* unshare (no --fork) execs sh, which execs pcscd: the child's PID is pcscd's. */
	self->pcscd = th_pcsc_spawn((const gchar *const *)argv->pdata,
				    self->log_path,
				    FALSE,
				    NULL,
				    G_SUBPROCESS_FLAGS_STDERR_MERGE,
				    error);
	if (self->pcscd == NULL) {
		g_prefix_error(error, "starting pcscd: ");
		return NULL;
	}
	if (!th_pcsc_activate(self, error))
		return NULL;
	if (!th_pcsc_wait_ready(self, error))
		return NULL;
	return g_steal_pointer(&self);
}

void
th_pcsc_free(ThPcsc *self)
{
	if (self == NULL)
		return;
	if (self->cards != NULL) {
		for (guint i = 0; i < self->cards->len; i++) {
			ThPcscCard *card = g_ptr_array_index(self->cards, i);
			g_subprocess_send_signal(card->proc, SIGTERM);
		}
		g_ptr_array_unref(self->cards);
	}
	if (self->pcscd != NULL) {
		th_proc_stop(self->pcscd, SIGTERM);
		g_object_unref(self->pcscd);
	}
	if (self->socket != NULL)
		th_pcsc_deactivate(self);
	if (self->dir != NULL && g_getenv("TH_PCSC_KEEP") == NULL)
		th_rm_rf(self->dir);
	g_free(self->dir);
	g_free(self->socket);
	g_free(self->log_path);
	g_free(self);
}

const gchar *
th_pcsc_get_dir(ThPcsc *self)
{
	return self->dir;
}

const gchar *
th_pcsc_get_socket(ThPcsc *self)
{
	return self->socket;
}

gchar *
th_pcsc_get_reader_name(ThPcsc *self, guint slot)
{
	return g_strdup_printf("Virtual PCD 00 %02X", slot);
}

GPid
th_pcsc_get_pid(ThPcsc *self)
{
	return th_proc_pid(self->pcscd);
}

gchar **
th_pcsc_get_environ(ThPcsc *self)
{
	return g_environ_setenv(g_get_environ(), "PCSCLITE_CSOCK_NAME", self->socket, TRUE);
}

/* ---- cards ------------------------------------------------------------------------------ */

ThPcscCard *
th_pcsc_get_card(ThPcsc *self, guint slot)
{
	for (guint i = self->cards->len; i > 0; i--) {
		ThPcscCard *card = g_ptr_array_index(self->cards, i - 1);
		if (card->slot == slot && !card->stopped)
			return card;
	}
	return NULL;
}

ThPcscCard *
th_pcsc_start_card(ThPcsc *self, guint slot, const gchar *const *argv, GError **error)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *log_name = g_strdup_printf("card-%u.log", slot);
	ThPcscCard *card;
	ThPcscCard *old;

	if (slot >= TH_PCSC_SLOTS || argv == NULL || argv[0] == NULL) {
		g_set_error(error,
			    TH_PCSC_ERROR,
			    TH_PCSC_ERROR_FAILED,
			    "bad card slot %u or empty command",
			    slot);
		return NULL;
	}
	old = th_pcsc_get_card(self, slot);
	if (old != NULL && th_pcsc_card_is_running(old)) {
		g_set_error(error,
			    TH_PCSC_ERROR,
			    TH_PCSC_ERROR_FAILED,
			    "slot %u already has a running card",
			    slot);
		return NULL;
	}
	if (!th_pcsc_check_pcscd(self, error))
		return NULL;
	if (old != NULL)
		old->stopped =
		    TRUE; /* a dead card replaced by a new one is not reported any more */
	g_ptr_array_add(args, g_strdup("nsenter"));
	g_ptr_array_add(args, g_strdup_printf("--target=%ld", (glong)th_proc_pid(self->pcscd)));
	g_ptr_array_add(args, g_strdup("--net"));
	g_ptr_array_add(args, g_strdup("--"));
	for (guint i = 0; argv[i] != NULL; i++)
		g_ptr_array_add(args, g_strdup(argv[i]));
	g_ptr_array_add(args, g_strdup("--port"));
	g_ptr_array_add(args, g_strdup_printf("%u", (guint)TH_PCSC_PORT + slot));
	g_ptr_array_add(args, NULL);

	card = g_new0(ThPcscCard, 1);
	card->slot = slot;
	card->log_path = g_build_filename(self->dir, log_name, NULL);
	/* Appending keeps the log of a card restarted in the same slot. */
	card->proc = th_pcsc_spawn((const gchar *const *)args->pdata,
				   card->log_path,
				   TRUE,
				   NULL,
				   G_SUBPROCESS_FLAGS_STDERR_MERGE,
				   error);
	if (card->proc == NULL) {
		g_prefix_error(error, "starting the card in slot %u: ", slot);
		th_pcsc_card_free(card);
		return NULL;
	}
	g_ptr_array_add(self->cards, card);
	return card;
}

static gboolean
th_pcsc_check_slot(ThPcsc *self, guint slot, GError **error)
{
	ThPcscCard *card = th_pcsc_get_card(self, slot);

	if (!th_pcsc_check_pcscd(self, error))
		return FALSE;
	return card == NULL || th_pcsc_card_check_alive(card, error);
}

gboolean
th_pcsc_wait_card(ThPcsc *self, guint slot, gboolean present, guint timeout_ms, GError **error)
{
	g_autofree gchar *reader = th_pcsc_get_reader_name(self, slot);
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	SCARD_READERSTATE state = {0};
	SCARDCONTEXT ctx = 0;
	glong rv;
	gboolean ok = FALSE;

	if (!th_pcsc_activate(self, error))
		return FALSE;
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS) {
		if (!th_pcsc_check_pcscd(self, error))
			return FALSE;
		th_scard_set_error(error, rv, "SCardEstablishContext");
		return FALSE;
	}
	state.szReader = reader;
	state.dwCurrentState = SCARD_STATE_UNAWARE;
	for (;;) {
		gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;

		if (present && !th_pcsc_check_slot(self, slot, error))
			break;
		if (!present && !th_pcsc_check_pcscd(self, error))
			break;
		if (left_ms <= 0) {
			g_autofree gchar *tail =
			    th_pcsc_log_tail(self->log_path, TH_PCSC_LOG_LINES);
			g_set_error(error,
				    TH_PCSC_ERROR,
				    TH_PCSC_ERROR_TIMEOUT,
				    "reader '%s' still %s after %u ms; last lines of %s:\n%s",
				    reader,
				    present ? "has no card" : "has a card",
				    timeout_ms,
				    self->log_path,
				    tail);
			break;
		}
		rv =
		    SCardGetStatusChange(ctx, (DWORD)MIN(left_ms, TH_PCSC_STATUS_CHUNK), &state, 1);
		if (rv == SCARD_E_TIMEOUT)
			continue;
		if (rv == SCARD_E_UNKNOWN_READER ||
		    (rv == SCARD_S_SUCCESS && (state.dwEventState & SCARD_STATE_UNKNOWN))) {
			/* pcscd has not announced the vpcd readers yet */
			state.dwCurrentState = SCARD_STATE_UNAWARE;
			g_usleep(TH_PCSC_POLL_US);
			continue;
		}
		if (rv != SCARD_S_SUCCESS) {
			if (th_pcsc_check_pcscd(self, error))
				th_scard_set_error(error, rv, "SCardGetStatusChange");
			break;
		}
		if (((state.dwEventState & SCARD_STATE_PRESENT) != 0) == present &&
		    (!present || (state.dwEventState & SCARD_STATE_MUTE) == 0)) {
			ok = TRUE;
			break;
		}
		state.dwCurrentState = state.dwEventState;
	}
	SCardReleaseContext(ctx);
	if (!ok)
		g_prefix_error(error, "waiting for slot %u: ", slot);
	return ok;
}

ThPcscCard *
th_pcsc_plug_card(ThPcsc *self, guint slot, const gchar *const *argv, GError **error)
{
	ThPcscCard *card = th_pcsc_start_card(self, slot, argv, error);

	if (card == NULL)
		return NULL;
	if (!th_pcsc_wait_card(self, slot, TRUE, TH_PCSC_CARD_TIMEOUT_MS, error))
		return NULL;
	return card;
}

ThPcscCard *
th_pcsc_plug_vcard(ThPcsc *self, guint slot, GError **error, ...)
{
	const gchar *program = th_pcsc_card_program();
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	const gchar *arg;
	va_list args;

	if (program == NULL) {
		g_set_error_literal(
		    error,
		    TH_PCSC_ERROR,
		    TH_PCSC_ERROR_UNAVAILABLE,
		    "esc-vcard not found ($TH_ESC_VCARD is not an executable file)");
		return NULL;
	}
	g_ptr_array_add(argv, (gpointer)program);
	va_start(args, error);
	while ((arg = va_arg(args, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)arg);
	va_end(args);
	g_ptr_array_add(argv, NULL);
	return th_pcsc_plug_card(self, slot, (const gchar *const *)argv->pdata, error);
}

gboolean
th_pcsc_stop_card(ThPcsc *self, ThPcscCard *card, GError **error)
{
	card->stopped = TRUE;
	th_proc_stop(card->proc, SIGTERM);
	if (!th_proc_running(self->pcscd))
		return TRUE;
	return th_pcsc_wait_card(self, card->slot, FALSE, TH_PCSC_CARD_TIMEOUT_MS, error);
}

static gboolean
th_proc_kill(GSubprocess *proc, gint signum, const gchar *who, GError **error)
{
	g_subprocess_send_signal(proc, signum);
	if (!th_proc_wait(proc, TH_PCSC_STOP_TIMEOUT_MS)) {
		g_set_error(error,
			    TH_PCSC_ERROR,
			    TH_PCSC_ERROR_TIMEOUT,
			    "%s did not exit within %u ms of signal %d",
			    who,
			    (guint)TH_PCSC_STOP_TIMEOUT_MS,
			    signum);
		return FALSE;
	}
	return TRUE;
}

gboolean
th_pcsc_card_kill(ThPcscCard *card, gint signum, GError **error)
{
	return th_proc_kill(card->proc, signum, "the card", error);
}

gboolean
th_pcsc_kill_pcscd(ThPcsc *self, gint signum, GError **error)
{
	return th_proc_kill(self->pcscd, signum, "pcscd", error);
}

gboolean
th_pcsc_check_alive(ThPcsc *self, GError **error)
{
	if (!th_pcsc_check_pcscd(self, error))
		return FALSE;
	for (guint i = 0; i < self->cards->len; i++) {
		ThPcscCard *card = g_ptr_array_index(self->cards, i);
		if (!card->stopped && !th_pcsc_card_check_alive(card, error))
			return FALSE;
	}
	return TRUE;
}

guint
th_pcsc_card_get_slot(ThPcscCard *card)
{
	return card->slot;
}

const gchar *
th_pcsc_card_get_log_path(ThPcscCard *card)
{
	return card->log_path;
}

gboolean
th_pcsc_card_is_running(ThPcscCard *card)
{
	return th_proc_running(card->proc);
}

GPid
th_pcsc_card_get_pid(ThPcscCard *card)
{
	return th_proc_pid(card->proc);
}

gboolean
th_pcsc_card_check_alive(ThPcscCard *card, GError **error)
{
	g_autofree gchar *who = NULL;

	if (th_proc_running(card->proc))
		return TRUE;
	who = g_strdup_printf("the card in slot %u", card->slot);
	th_pcsc_set_died(error, who, card->proc, card->log_path);
	return FALSE;
}
