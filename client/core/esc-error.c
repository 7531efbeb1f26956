/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-error.h"

#include <gio/gio.h>
#include <winscard.h>

G_DEFINE_QUARK(esc-error-quark, esc_error)

static const gchar *const esc_error_names[] = {
    [ESC_ERROR_FAILED] = "failed",
    [ESC_ERROR_CANCELLED] = "cancelled",
    [ESC_ERROR_NO_SERVICE] = "no-service",
    [ESC_ERROR_NO_READER] = "no-reader",
    [ESC_ERROR_NO_CARD] = "no-card",
    [ESC_ERROR_CARD_REMOVED] = "card-removed",
    [ESC_ERROR_CARD_CHANGED] = "card-changed",
    [ESC_ERROR_CARD] = "card",
    [ESC_ERROR_UNSUPPORTED_CARD] = "unsupported-card",
    [ESC_ERROR_PCSC] = "pcsc",
    [ESC_ERROR_CONNECT] = "connect",
    [ESC_ERROR_TLS] = "tls",
    [ESC_ERROR_TIMEOUT] = "timeout",
    [ESC_ERROR_PROTOCOL] = "protocol",
    [ESC_ERROR_SERVER] = "server",
    [ESC_ERROR_AUTH] = "auth",
    [ESC_ERROR_INVALID_INPUT] = "invalid-input",
};

const gchar *
esc_error_to_string(EscError code)
{
	if ((guint)code >= G_N_ELEMENTS(esc_error_names))
		return "unknown";
	return esc_error_names[code];
}

typedef struct {
	glong rv;
	const gchar *name;
} EscPcscName;

/* SCARD_E_UNEXPECTED and SCARD_E_UNSUPPORTED_FEATURE share a value in pcsc-lite */
static const EscPcscName esc_pcsc_names[] = {
    {SCARD_S_SUCCESS, "SCARD_S_SUCCESS"},
    {SCARD_F_INTERNAL_ERROR, "SCARD_F_INTERNAL_ERROR"},
    {SCARD_E_CANCELLED, "SCARD_E_CANCELLED"},
    {SCARD_E_INVALID_HANDLE, "SCARD_E_INVALID_HANDLE"},
    {SCARD_E_INVALID_PARAMETER, "SCARD_E_INVALID_PARAMETER"},
    {SCARD_E_INVALID_TARGET, "SCARD_E_INVALID_TARGET"},
    {SCARD_E_NO_MEMORY, "SCARD_E_NO_MEMORY"},
    {SCARD_F_WAITED_TOO_LONG, "SCARD_F_WAITED_TOO_LONG"},
    {SCARD_E_INSUFFICIENT_BUFFER, "SCARD_E_INSUFFICIENT_BUFFER"},
    {SCARD_E_UNKNOWN_READER, "SCARD_E_UNKNOWN_READER"},
    {SCARD_E_TIMEOUT, "SCARD_E_TIMEOUT"},
    {SCARD_E_SHARING_VIOLATION, "SCARD_E_SHARING_VIOLATION"},
    {SCARD_E_NO_SMARTCARD, "SCARD_E_NO_SMARTCARD"},
    {SCARD_E_UNKNOWN_CARD, "SCARD_E_UNKNOWN_CARD"},
    {SCARD_E_CANT_DISPOSE, "SCARD_E_CANT_DISPOSE"},
    {SCARD_E_PROTO_MISMATCH, "SCARD_E_PROTO_MISMATCH"},
    {SCARD_E_NOT_READY, "SCARD_E_NOT_READY"},
    {SCARD_E_INVALID_VALUE, "SCARD_E_INVALID_VALUE"},
    {SCARD_E_SYSTEM_CANCELLED, "SCARD_E_SYSTEM_CANCELLED"},
    {SCARD_F_COMM_ERROR, "SCARD_F_COMM_ERROR"},
    {SCARD_F_UNKNOWN_ERROR, "SCARD_F_UNKNOWN_ERROR"},
    {SCARD_E_INVALID_ATR, "SCARD_E_INVALID_ATR"},
    {SCARD_E_NOT_TRANSACTED, "SCARD_E_NOT_TRANSACTED"},
    {SCARD_E_READER_UNAVAILABLE, "SCARD_E_READER_UNAVAILABLE"},
    {SCARD_P_SHUTDOWN, "SCARD_P_SHUTDOWN"},
    {SCARD_E_PCI_TOO_SMALL, "SCARD_E_PCI_TOO_SMALL"},
    {SCARD_E_READER_UNSUPPORTED, "SCARD_E_READER_UNSUPPORTED"},
    {SCARD_E_DUPLICATE_READER, "SCARD_E_DUPLICATE_READER"},
    {SCARD_E_CARD_UNSUPPORTED, "SCARD_E_CARD_UNSUPPORTED"},
    {SCARD_E_NO_SERVICE, "SCARD_E_NO_SERVICE"},
    {SCARD_E_SERVICE_STOPPED, "SCARD_E_SERVICE_STOPPED"},
    {SCARD_E_UNSUPPORTED_FEATURE, "SCARD_E_UNSUPPORTED_FEATURE"},
    {SCARD_E_ICC_INSTALLATION, "SCARD_E_ICC_INSTALLATION"},
    {SCARD_E_ICC_CREATEORDER, "SCARD_E_ICC_CREATEORDER"},
    {SCARD_E_DIR_NOT_FOUND, "SCARD_E_DIR_NOT_FOUND"},
    {SCARD_E_FILE_NOT_FOUND, "SCARD_E_FILE_NOT_FOUND"},
    {SCARD_E_NO_DIR, "SCARD_E_NO_DIR"},
    {SCARD_E_NO_FILE, "SCARD_E_NO_FILE"},
    {SCARD_E_NO_ACCESS, "SCARD_E_NO_ACCESS"},
    {SCARD_E_WRITE_TOO_MANY, "SCARD_E_WRITE_TOO_MANY"},
    {SCARD_E_BAD_SEEK, "SCARD_E_BAD_SEEK"},
    {SCARD_E_INVALID_CHV, "SCARD_E_INVALID_CHV"},
    {SCARD_E_UNKNOWN_RES_MNG, "SCARD_E_UNKNOWN_RES_MNG"},
    {SCARD_E_NO_SUCH_CERTIFICATE, "SCARD_E_NO_SUCH_CERTIFICATE"},
    {SCARD_E_CERTIFICATE_UNAVAILABLE, "SCARD_E_CERTIFICATE_UNAVAILABLE"},
    {SCARD_E_NO_READERS_AVAILABLE, "SCARD_E_NO_READERS_AVAILABLE"},
    {SCARD_E_COMM_DATA_LOST, "SCARD_E_COMM_DATA_LOST"},
    {SCARD_E_NO_KEY_CONTAINER, "SCARD_E_NO_KEY_CONTAINER"},
    {SCARD_E_SERVER_TOO_BUSY, "SCARD_E_SERVER_TOO_BUSY"},
    {SCARD_W_UNSUPPORTED_CARD, "SCARD_W_UNSUPPORTED_CARD"},
    {SCARD_W_UNRESPONSIVE_CARD, "SCARD_W_UNRESPONSIVE_CARD"},
    {SCARD_W_UNPOWERED_CARD, "SCARD_W_UNPOWERED_CARD"},
    {SCARD_W_RESET_CARD, "SCARD_W_RESET_CARD"},
    {SCARD_W_REMOVED_CARD, "SCARD_W_REMOVED_CARD"},
    {SCARD_W_SECURITY_VIOLATION, "SCARD_W_SECURITY_VIOLATION"},
    {SCARD_W_WRONG_CHV, "SCARD_W_WRONG_CHV"},
    {SCARD_W_CHV_BLOCKED, "SCARD_W_CHV_BLOCKED"},
    {SCARD_W_EOF, "SCARD_W_EOF"},
    {SCARD_W_CANCELLED_BY_USER, "SCARD_W_CANCELLED_BY_USER"},
    {SCARD_W_CARD_NOT_AUTHENTICATED, "SCARD_W_CARD_NOT_AUTHENTICATED"},
};

const gchar *
esc_error_pcsc_name(glong rv)
{
	for (guint i = 0; i < G_N_ELEMENTS(esc_pcsc_names); i++) {
		if (esc_pcsc_names[i].rv == rv)
			return esc_pcsc_names[i].name;
	}
	return NULL;
}

EscError
esc_error_code_from_pcsc(glong rv)
{
	switch (rv) {
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
	case SCARD_F_COMM_ERROR: /* pcsc-lite: the socket to pcscd failed */
		return ESC_ERROR_NO_SERVICE;
	case SCARD_E_UNKNOWN_READER:
	case SCARD_E_READER_UNAVAILABLE:
		return ESC_ERROR_NO_READER;
	case SCARD_E_NO_SMARTCARD:
		return ESC_ERROR_NO_CARD;
	case SCARD_W_REMOVED_CARD:
		return ESC_ERROR_CARD_REMOVED;
	case SCARD_E_CANCELLED:
		return ESC_ERROR_CANCELLED;
	case SCARD_E_TIMEOUT:
		return ESC_ERROR_TIMEOUT;
	case SCARD_E_CARD_UNSUPPORTED:
	case SCARD_W_UNSUPPORTED_CARD:
	case SCARD_W_UNRESPONSIVE_CARD:
		return ESC_ERROR_UNSUPPORTED_CARD;
	default:
		return ESC_ERROR_PCSC;
	}
}

void
esc_error_set_pcsc(GError **error, glong rv, const gchar *what)
{
	const gchar *name = esc_error_pcsc_name(rv);
	gulong value = (gulong)rv & 0xFFFFFFFFUL;

	if (error == NULL)
		return;
	if (name == NULL)
		name = "unknown PC/SC error";
	if (what != NULL)
		g_set_error(error, ESC_ERROR, esc_error_code_from_pcsc(rv), "%s: %s (0x%08lX)", what, name, value);
	else
		g_set_error(error, ESC_ERROR, esc_error_code_from_pcsc(rv), "%s (0x%08lX)", name, value);
}

void
esc_error_propagate_card(GError **dest, GError *src, const gchar *what)
{
	if (src == NULL)
		return;
	if (dest == NULL) {
		g_error_free(src);
		return;
	}
	if (src->domain != ESC_ERROR && !g_error_matches(src, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		src->domain = ESC_ERROR;
		src->code = ESC_ERROR_CARD;
	}
	if (what != NULL)
		g_propagate_prefixed_error(dest, src, "%s: ", what);
	else
		g_propagate_error(dest, src);
}
