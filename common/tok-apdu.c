/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-apdu.h"

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-secret.h"
#include "tok-status-word.h"

/* Command header (CLA INS P1 P2) and the largest length fields: 00 Lc-hi Lc-lo / Le-hi Le-lo. */
#define TOK_APDU_HEADER_LEN 4

struct _TokApdu {
	gatomicrefcount refcount;
	guint8 cla;
	guint8 ins;
	guint8 p1;
	guint8 p2;
	GBytes *data; /* wiped, never NULL */
	gint le;      /* TOK_APDU_NO_LE or 1..65536 */
};

struct _TokApduResponse {
	gatomicrefcount refcount;
	GBytes *data; /* wiped, never NULL */
	guint16 sw;
};

G_DEFINE_BOXED_TYPE(TokApdu, tok_apdu, tok_apdu_ref, tok_apdu_unref)
G_DEFINE_BOXED_TYPE(TokApduResponse,
		    tok_apdu_response,
		    tok_apdu_response_ref,
		    tok_apdu_response_unref)

static gboolean
tok_apdu_le_is_valid(gint le)
{
	return le == TOK_APDU_NO_LE || (le >= 1 && le <= TOK_APDU_EXTENDED_MAX_LE);
}

static TokApdu *
tok_apdu_new_take(guint8 cla, guint8 ins, guint8 p1, guint8 p2, GBytes *wiped_data, gint le)
{
	TokApdu *apdu = g_new0(TokApdu, 1);
	g_atomic_ref_count_init(&apdu->refcount);
	apdu->cla = cla;
	apdu->ins = ins;
	apdu->p1 = p1;
	apdu->p2 = p2;
	apdu->data = wiped_data;
	apdu->le = le;
	return apdu;
}

TokApdu *
tok_apdu_new_from_data(guint8 cla,
		       guint8 ins,
		       guint8 p1,
		       guint8 p2,
		       const guint8 *data,
		       gsize len,
		       gint le)
{
	g_return_val_if_fail(data != NULL || len == 0, NULL);
	g_return_val_if_fail(len <= TOK_APDU_EXTENDED_MAX_DATA, NULL);
	g_return_val_if_fail(tok_apdu_le_is_valid(le), NULL);
	return tok_apdu_new_take(cla, ins, p1, p2, tok_bytes_new_wiped(data, len), le);
}

TokApdu *
tok_apdu_new(guint8 cla, guint8 ins, guint8 p1, guint8 p2, GBytes *data, gint le)
{
	gsize len = 0;
	const guint8 *buf = NULL;

	if (data != NULL)
		buf = g_bytes_get_data(data, &len);
	return tok_apdu_new_from_data(cla, ins, p1, p2, buf, len, le);
}

TokApdu *
tok_apdu_new_with_le(const TokApdu *apdu, gint le)
{
	g_return_val_if_fail(tok_apdu_le_is_valid(le), NULL);
	return tok_apdu_new_take(apdu->cla,
				 apdu->ins,
				 apdu->p1,
				 apdu->p2,
				 g_bytes_ref(apdu->data),
				 le);
}

TokApdu *
tok_apdu_ref(TokApdu *apdu)
{
	g_atomic_ref_count_inc(&apdu->refcount);
	return apdu;
}

void
tok_apdu_unref(TokApdu *apdu)
{
	if (apdu == NULL)
		return;
	if (!g_atomic_ref_count_dec(&apdu->refcount))
		return;
	g_bytes_unref(apdu->data);
	g_free(apdu);
}

guint8
tok_apdu_get_cla(const TokApdu *apdu)
{
	return apdu->cla;
}

guint8
tok_apdu_get_ins(const TokApdu *apdu)
{
	return apdu->ins;
}

guint8
tok_apdu_get_p1(const TokApdu *apdu)
{
	return apdu->p1;
}

guint8
tok_apdu_get_p2(const TokApdu *apdu)
{
	return apdu->p2;
}

GBytes *
tok_apdu_get_data(const TokApdu *apdu)
{
	return apdu->data;
}

gint
tok_apdu_get_le(const TokApdu *apdu)
{
	return apdu->le;
}

/* The Lc and Le fields of the wire form, chosen by @encoding. */
typedef struct {
	guint8 lc[3];
	guint lc_len;
	guint8 le[3];
	guint le_len;
} TokApduFields;

static gboolean
tok_apdu_compute_fields(const TokApdu *apdu,
			TokApduEncoding encoding,
			TokApduFields *fields,
			GError **error)
{
	gsize nc = g_bytes_get_size(apdu->data);
	gboolean fits_short = nc <= TOK_APDU_SHORT_MAX_DATA && apdu->le <= TOK_APDU_SHORT_MAX_LE;
	gboolean extended;

	fields->lc_len = 0;
	fields->le_len = 0;
	if (nc > TOK_APDU_EXTENDED_MAX_DATA || !tok_apdu_le_is_valid(apdu->le)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "APDU %02X %02X: %" G_GSIZE_FORMAT " data bytes / Le %d cannot be encoded",
			    apdu->cla,
			    apdu->ins,
			    nc,
			    apdu->le);
		return FALSE;
	}
	switch (encoding) {
	case TOK_APDU_ENCODING_AUTO:
		extended = !fits_short;
		break;
	case TOK_APDU_ENCODING_SHORT:
		if (!fits_short) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TOO_LARGE,
				    "APDU %02X %02X: %" G_GSIZE_FORMAT
				    " data bytes / Le %d do not fit a short APDU",
				    apdu->cla,
				    apdu->ins,
				    nc,
				    apdu->le);
			return FALSE;
		}
		extended = FALSE;
		break;
	case TOK_APDU_ENCODING_EXTENDED:
		extended = TRUE;
		break;
	default:
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "unknown APDU encoding %d",
			    (gint)encoding);
		return FALSE;
	}

	if (nc > 0) {
		if (extended) {
			fields->lc[0] = 0x00;
			fields->lc[1] = (guint8)(nc >> 8);
			fields->lc[2] = (guint8)nc;
			fields->lc_len = 3;
		} else {
			fields->lc[0] = (guint8)nc;
			fields->lc_len = 1;
		}
	}
	if (apdu->le != TOK_APDU_NO_LE) {
		/* 256 (short) and 65536 (extended) are encoded as zeros */
		guint le = (guint)apdu->le;
		if (extended) {
			guint idx = 0;
			/* without an extended Lc the extended Le carries its own 00 marker */
			if (nc == 0)
				fields->le[idx++] = 0x00;
			fields->le[idx++] = (guint8)((le >> 8) & 0xff);
			fields->le[idx++] = (guint8)(le & 0xff);
			fields->le_len = idx;
		} else {
			fields->le[0] = (guint8)(le & 0xff);
			fields->le_len = 1;
		}
	}
	return TRUE;
}

GBytes *
tok_apdu_encode(const TokApdu *apdu, TokApduEncoding encoding, GError **error)
{
	TokApduFields fields;
	GByteArray *out;

	if (!tok_apdu_compute_fields(apdu, encoding, &fields, error))
		return NULL;
	out = g_byte_array_sized_new((guint)(TOK_APDU_HEADER_LEN + fields.lc_len +
					     g_bytes_get_size(apdu->data) + fields.le_len));
	tok_byte_array_append_u8(out, apdu->cla);
	tok_byte_array_append_u8(out, apdu->ins);
	tok_byte_array_append_u8(out, apdu->p1);
	tok_byte_array_append_u8(out, apdu->p2);
	if (fields.lc_len > 0)
		g_byte_array_append(out, fields.lc, fields.lc_len);
	tok_byte_array_append_bytes(out, apdu->data);
	if (fields.le_len > 0)
		g_byte_array_append(out, fields.le, fields.le_len);
	return tok_bytes_new_wiped_take(out);
}

TokApdu *
tok_apdu_parse(const guint8 *data, gsize len, GError **error)
{
	TokReader r;
	guint8 cla = 0, ins = 0, p1 = 0, p2 = 0, b = 0;
	gsize body;
	gsize nc = 0;
	gint le = TOK_APDU_NO_LE;
	g_autoptr(GBytes) payload = NULL;

	if (data == NULL)
		len = 0;
	tok_reader_init(&r, data, len);
	if (len < TOK_APDU_HEADER_LEN) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TRUNCATED,
			    "command APDU of %" G_GSIZE_FORMAT " bytes is shorter than its 4-byte header",
			    len);
		return NULL;
	}
	if (!tok_reader_read_u8(&r, &cla, error) || !tok_reader_read_u8(&r, &ins, error) ||
	    !tok_reader_read_u8(&r, &p1, error) || !tok_reader_read_u8(&r, &p2, error))
		return NULL;
	body = tok_reader_remaining(&r);

	if (body == 0) {
		/* case 1 */
		return tok_apdu_new_take(cla, ins, p1, p2, tok_bytes_new_wiped(NULL, 0), le);
	}
	if (!tok_reader_read_u8(&r, &b, error))
		return NULL;
	if (body == 1) {
		/* case 2 short: Le, 00 = 256 */
		le = b == 0 ? TOK_APDU_SHORT_MAX_LE : b;
		return tok_apdu_new_take(cla, ins, p1, p2, tok_bytes_new_wiped(NULL, 0), le);
	}
	if (b != 0x00) {
		/* case 3 or 4 short: Lc (1..255) data [Le] */
		nc = b;
		if (body < 1 + nc) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TRUNCATED,
				    "short APDU %02X %02X: Lc %" G_GSIZE_FORMAT
				    " but only %" G_GSIZE_FORMAT " data bytes follow",
				    cla,
				    ins,
				    nc,
				    body - 1);
			return NULL;
		}
		if (body != 1 + nc && body != 2 + nc) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "short APDU %02X %02X: Lc %" G_GSIZE_FORMAT " leaves %" G_GSIZE_FORMAT
				    " unexplained trailing bytes",
				    cla,
				    ins,
				    nc,
				    body - 1 - nc);
			return NULL;
		}
	} else {
		/* extended: 00 followed by a 2-byte Le (case 2E) or a 2-byte Lc (cases 3E/4E) */
		guint16 v = 0;
		if (body < 3) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TRUNCATED,
				    "extended APDU %02X %02X: length field truncated after %" G_GSIZE_FORMAT
				    " bytes",
				    cla,
				    ins,
				    body);
			return NULL;
		}
		if (!tok_reader_read_u16_be(&r, &v, error))
			return NULL;
		if (body == 3) {
			le = v == 0 ? TOK_APDU_EXTENDED_MAX_LE : v;
			return tok_apdu_new_take(cla,
						 ins,
						 p1,
						 p2,
						 tok_bytes_new_wiped(NULL, 0),
						 le);
		}
		if (v == 0) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "extended APDU %02X %02X: Lc 0 followed by %" G_GSIZE_FORMAT " bytes",
				    cla,
				    ins,
				    body - 3);
			return NULL;
		}
		nc = v;
		if (body < 3 + nc) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TRUNCATED,
				    "extended APDU %02X %02X: Lc %" G_GSIZE_FORMAT
				    " but only %" G_GSIZE_FORMAT " data bytes follow",
				    cla,
				    ins,
				    nc,
				    body - 3);
			return NULL;
		}
		if (body != 3 + nc && body != 5 + nc) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "extended APDU %02X %02X: Lc %" G_GSIZE_FORMAT " leaves %" G_GSIZE_FORMAT
				    " bytes that are not a 2-byte Le",
				    cla,
				    ins,
				    nc,
				    body - 3 - nc);
			return NULL;
		}
	}

	{
		const guint8 *view = NULL;
		if (!tok_reader_read_view(&r, nc, &view, error))
			return NULL;
		payload = tok_bytes_new_wiped(view, nc);
	}
	if (tok_reader_remaining(&r) == 1) {
		guint8 v = 0;
		if (!tok_reader_read_u8(&r, &v, error))
			return NULL;
		le = v == 0 ? TOK_APDU_SHORT_MAX_LE : v;
	} else if (tok_reader_remaining(&r) == 2) {
		guint16 v = 0;
		if (!tok_reader_read_u16_be(&r, &v, error))
			return NULL;
		le = v == 0 ? TOK_APDU_EXTENDED_MAX_LE : v;
	}
	if (!tok_reader_expect_end(&r, error))
		return NULL;
	return tok_apdu_new_take(cla, ins, p1, p2, g_steal_pointer(&payload), le);
}

TokApdu *
tok_apdu_parse_bytes(GBytes *bytes, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	return tok_apdu_parse(data, len, error);
}

static void
tok_apdu_append_hex(GString *str, const guint8 *data, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		if (str->len > 0)
			g_string_append_c(str, ' ');
		g_string_append_printf(str, "%02X", data[i]);
	}
}

gchar *
tok_apdu_to_string(const TokApdu *apdu, gboolean show_data)
{
	GString *str = g_string_new(NULL);
	const guint8 header[] = {apdu->cla, apdu->ins, apdu->p1, apdu->p2};
	gsize nc = 0;
	const guint8 *data = g_bytes_get_data(apdu->data, &nc);
	TokApduFields fields;

	tok_apdu_append_hex(str, header, sizeof(header));
	/* the value was validated at construction, so the automatic encoding always exists */
	if (!tok_apdu_compute_fields(apdu, TOK_APDU_ENCODING_AUTO, &fields, NULL))
		return g_string_free(str, FALSE);
	tok_apdu_append_hex(str, fields.lc, fields.lc_len);
	if (nc > 0) {
		if (show_data)
			tok_apdu_append_hex(str, data, nc);
		else
			g_string_append_printf(str, " <%" G_GSIZE_FORMAT " bytes>", nc);
	}
	tok_apdu_append_hex(str, fields.le, fields.le_len);
	return g_string_free(str, FALSE);
}

TokApduResponse *
tok_apdu_response_new(GBytes *data, guint16 sw)
{
	TokApduResponse *response;
	gsize len = 0;
	const guint8 *buf = NULL;

	if (data != NULL)
		buf = g_bytes_get_data(data, &len);
	g_return_val_if_fail(len <= TOK_APDU_RESPONSE_MAX_DATA, NULL);
	response = g_new0(TokApduResponse, 1);
	g_atomic_ref_count_init(&response->refcount);
	response->data = tok_bytes_new_wiped(buf, len);
	response->sw = sw;
	return response;
}

TokApduResponse *
tok_apdu_response_ref(TokApduResponse *response)
{
	g_atomic_ref_count_inc(&response->refcount);
	return response;
}

void
tok_apdu_response_unref(TokApduResponse *response)
{
	if (response == NULL)
		return;
	if (!g_atomic_ref_count_dec(&response->refcount))
		return;
	g_bytes_unref(response->data);
	g_free(response);
}

GBytes *
tok_apdu_response_get_data(const TokApduResponse *response)
{
	return response->data;
}

guint16
tok_apdu_response_get_sw(const TokApduResponse *response)
{
	return response->sw;
}

GBytes *
tok_apdu_response_encode(const TokApduResponse *response)
{
	GByteArray *out = g_byte_array_sized_new((guint)(g_bytes_get_size(response->data) + 2));
	tok_byte_array_append_bytes(out, response->data);
	tok_byte_array_append_u16_be(out, response->sw);
	return tok_bytes_new_wiped_take(out);
}

TokApduResponse *
tok_apdu_response_parse(const guint8 *data, gsize len, GError **error)
{
	TokReader r;
	const guint8 *view = NULL;
	guint16 sw = 0;
	TokApduResponse *response;
	gsize nd;

	if (data == NULL)
		len = 0;
	if (len < 2) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TRUNCATED,
			    "response APDU of %" G_GSIZE_FORMAT " bytes has no SW1 SW2",
			    len);
		return NULL;
	}
	nd = len - 2;
	if (nd > TOK_APDU_RESPONSE_MAX_DATA) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "response APDU carries %" G_GSIZE_FORMAT " data bytes, more than %d",
			    nd,
			    TOK_APDU_RESPONSE_MAX_DATA);
		return NULL;
	}
	tok_reader_init(&r, data, len);
	if (!tok_reader_read_view(&r, nd, &view, error) || !tok_reader_read_u16_be(&r, &sw, error))
		return NULL;
	response = g_new0(TokApduResponse, 1);
	g_atomic_ref_count_init(&response->refcount);
	response->data = tok_bytes_new_wiped(view, nd);
	response->sw = sw;
	return response;
}

TokApduResponse *
tok_apdu_response_parse_bytes(GBytes *bytes, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	return tok_apdu_response_parse(data, len, error);
}

gboolean
tok_apdu_response_check(const TokApduResponse *response, const gchar *what, GError **error)
{
	if (tok_status_word_check(response->sw, error))
		return TRUE;
	if (what != NULL)
		g_prefix_error(error, "%s: ", what);
	return FALSE;
}
