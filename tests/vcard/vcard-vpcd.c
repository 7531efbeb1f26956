/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-secret.h"
#include "vcard-vpcd.h"

#define VCARD_VPCD_RETRY_MS 100

gboolean
vcard_vpcd_handle_frame(VcardCard *card, const guint8 *payload, gsize len, GBytes **reply, GError **error)
{
	*reply = NULL;
	if (len == 0 || payload == NULL) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_PROTOCOL, "vpcd framing error: empty frame");
		return FALSE;
	}
	if (len == 1) {
		switch (payload[0]) {
		case VCARD_VPCD_POWER_OFF:
			vcard_card_power_off(card);
			break;
		case VCARD_VPCD_POWER_ON:
			vcard_card_power_on(card);
			break;
		case VCARD_VPCD_RESET:
			vcard_card_reset(card);
			break;
		case VCARD_VPCD_GET_ATR:
			*reply = vcard_card_get_atr(card);
			break;
		default:
			g_debug("ignoring unknown vpcd control message %02X", payload[0]);
			break;
		}
		return TRUE;
	}
	/* vpcd powers the card before it sends an APDU; be lenient if it did not */
	if (!vcard_card_is_powered(card))
		vcard_card_power_on(card);
	*reply = vcard_card_transmit(card, payload, len, error);
	return *reply != NULL;
}

/* Reads exactly @n bytes. *@eof is set (and TRUE returned) when the peer closed the
 * connection before the first byte and @eof_ok; a close after it is a framing error. */
static gboolean
vcard_vpcd_read_exact(GSocket *socket, guint8 *buf, gsize n, gboolean eof_ok, gboolean *eof, GError **error)
{
	gsize got = 0;

	*eof = FALSE;
	while (got < n) {
		g_autoptr(GError) local = NULL;
		gssize r;

		/* Linux leaves quick-ACK mode again by itself: ask before every receive */
		if (!g_socket_set_option(socket, IPPROTO_TCP, TCP_QUICKACK, 1, &local))
			g_clear_error(&local);
		r = g_socket_receive(socket, (gchar *)buf + got, n - got, NULL, &local);
		if (r < 0 && got == 0 && eof_ok && g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)) {
			*eof = TRUE;
			return TRUE;
		}
		if (r < 0) {
			g_propagate_prefixed_error(error, g_steal_pointer(&local), "vpcd connection: ");
			return FALSE;
		}
		if (r == 0) {
			if (got == 0 && eof_ok) {
				*eof = TRUE;
				return TRUE;
			}
			g_set_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED,
				    "vpcd framing error: connection closed after %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes", got, n);
			return FALSE;
		}
		got += (gsize)r;
	}
	return TRUE;
}

static gboolean
vcard_vpcd_send(GSocket *socket, GBytes *reply, GError **error)
{
	g_autoptr(TokWipedByteArray) frame = g_byte_array_new();
	gsize len = g_bytes_get_size(reply);
	gsize sent = 0;

	if (len == 0 || len > 0xFFFF) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE, "reply of %" G_GSIZE_FORMAT " bytes does not fit a vpcd frame", len);
		return FALSE;
	}
	tok_byte_array_append_u16_be(frame, (guint16)len);
	tok_byte_array_append_bytes(frame, reply);
	while (sent < frame->len) {
		gssize r = g_socket_send(socket, (const gchar *)frame->data + sent, frame->len - sent, NULL, error);
		if (r < 0) {
			g_prefix_error(error, "vpcd connection: ");
			return FALSE;
		}
		sent += (gsize)r;
	}
	return TRUE;
}

gboolean
vcard_vpcd_serve(VcardCard *card, GSocket *socket, GError **error)
{
	g_autoptr(GError) local = NULL;

	g_socket_set_blocking(socket, TRUE);
	if (!g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, 1, &local)) {
		g_debug("TCP_NODELAY: %s", local->message);
		g_clear_error(&local);
	}
	for (;;) {
		g_autoptr(TokWipedByteArray) payload = g_byte_array_new();
		g_autoptr(GBytes) reply = NULL;
		guint8 header[2];
		gboolean eof = FALSE;
		guint16 n;

		if (!vcard_vpcd_read_exact(socket, header, sizeof(header), TRUE, &eof, error))
			return FALSE;
		if (eof)
			return TRUE;
		n = (guint16)((header[0] << 8) | header[1]);
		g_byte_array_set_size(payload, n);
		if (!vcard_vpcd_read_exact(socket, payload->data, n, FALSE, &eof, error))
			return FALSE;
		if (!vcard_vpcd_handle_frame(card, payload->data, payload->len, &reply, error))
			return FALSE;
		if (reply != NULL && !vcard_vpcd_send(socket, reply, error))
			return FALSE;
	}
}

gboolean
vcard_vpcd_run(VcardCard *card, const gchar *host, guint16 port, guint connect_timeout_ms, GError **error)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) connection = NULL;
	gint64 deadline = g_get_monotonic_time() + (gint64)connect_timeout_ms * 1000;

	for (;;) {
		g_autoptr(GError) local = NULL;

		connection = g_socket_client_connect_to_host(client, host, port, NULL, &local);
		if (connection != NULL)
			break;
		if (!g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) || g_get_monotonic_time() >= deadline) {
			g_propagate_prefixed_error(error, g_steal_pointer(&local), "cannot connect to vpcd at %s:%u: ", host, port);
			return FALSE;
		}
		g_usleep(VCARD_VPCD_RETRY_MS * 1000);
	}
	return vcard_vpcd_serve(card, g_socket_connection_get_socket(connection), error);
}
