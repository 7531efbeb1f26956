/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "tps-error.h"
#include "tps-token-state.h"

/* Longest configured list we accept: 8 x 8 pairs of "d:d," is 256 characters, plus spaces. */
#define TPS_TRANSITIONS_MAX_TEXT 4096
#define TPS_STATUS_CODE_MAX 8 /* codes are 0..7 */

struct _TpsTransitions {
	guint64 mask;		       /* bit from * 8 + to */
	guint8 order[TPS_STATUS_CODE_MAX * TPS_STATUS_CODE_MAX]; /* from << 4 | to, in order */
	guint n;
};

G_DEFINE_BOXED_TYPE(TpsTransitions, tps_transitions, tps_transitions_copy, tps_transitions_free)

const TpsTokenStatus tps_token_status_values[TPS_TOKEN_STATUS_N_VALUES] = {
    TPS_TOKEN_STATUS_FORMATTED,
    TPS_TOKEN_STATUS_DAMAGED,
    TPS_TOKEN_STATUS_PERM_LOST,
    TPS_TOKEN_STATUS_SUSPENDED,
    TPS_TOKEN_STATUS_ACTIVE,
    TPS_TOKEN_STATUS_TERMINATED,
    TPS_TOKEN_STATUS_UNFORMATTED,
};

gboolean
tps_token_status_is_valid(gint v)
{
	return v >= 0 && v <= 7 && v != 5;
}

const gchar *
tps_token_status_to_string(TpsTokenStatus s)
{
	switch (s) {
	case TPS_TOKEN_STATUS_FORMATTED:
		return "FORMATTED";
	case TPS_TOKEN_STATUS_DAMAGED:
		return "DAMAGED";
	case TPS_TOKEN_STATUS_PERM_LOST:
		return "PERM_LOST";
	case TPS_TOKEN_STATUS_SUSPENDED:
		return "SUSPENDED";
	case TPS_TOKEN_STATUS_ACTIVE:
		return "ACTIVE";
	case TPS_TOKEN_STATUS_TERMINATED:
		return "TERMINATED";
	case TPS_TOKEN_STATUS_UNFORMATTED:
		return "UNFORMATTED";
	}
	return "INVALID";
}

const gchar *
tps_token_status_label(TpsTokenStatus s)
{
	switch (s) {
	case TPS_TOKEN_STATUS_FORMATTED:
		return "Formatted (uninitialized)";
	case TPS_TOKEN_STATUS_DAMAGED:
		return "Physically damaged";
	case TPS_TOKEN_STATUS_PERM_LOST:
		return "Permanently lost";
	case TPS_TOKEN_STATUS_SUSPENDED:
		return "Suspended (temporarily lost)";
	case TPS_TOKEN_STATUS_ACTIVE:
		return "Active";
	case TPS_TOKEN_STATUS_TERMINATED:
		return "Terminated";
	case TPS_TOKEN_STATUS_UNFORMATTED:
		return "Unformatted";
	}
	return "Invalid";
}

gboolean
tps_token_status_from_int(gint v, TpsTokenStatus *out, GError **error)
{
	if (!tps_token_status_is_valid(v)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_INVALID,
			    "unknown token status %d (valid: 0-4, 6, 7)",
			    v);
		return FALSE;
	}
	*out = (TpsTokenStatus)v;
	return TRUE;
}

gboolean
tps_token_status_from_string(const gchar *text, TpsTokenStatus *out, GError **error)
{
	if (text == NULL || text[0] == '\0') {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID, "empty token status");
		return FALSE;
	}
	if (g_ascii_isdigit(text[0]) && text[1] == '\0')
		return tps_token_status_from_int(text[0] - '0', out, error);
	for (guint i = 0; i < TPS_TOKEN_STATUS_N_VALUES; i++) {
		TpsTokenStatus s = tps_token_status_values[i];
		if (g_ascii_strcasecmp(text, tps_token_status_to_string(s)) == 0) {
			*out = s;
			return TRUE;
		}
	}
	g_set_error(error,
		    TPS_ERROR,
		    TPS_ERROR_INVALID,
		    "unknown token status '%.32s'",
		    text);
	return FALSE;
}

const gchar *
tps_token_transition_label(TpsTokenStatus from, TpsTokenStatus to)
{
	switch (from) {
	case TPS_TOKEN_STATUS_FORMATTED:
	case TPS_TOKEN_STATUS_ACTIVE:
		switch (to) {
		case TPS_TOKEN_STATUS_DAMAGED:
			return "This token has been physically damaged.";
		case TPS_TOKEN_STATUS_PERM_LOST:
			return "This token has been permanently lost.";
		case TPS_TOKEN_STATUS_SUSPENDED:
			return "This token has been suspended (temporarily lost).";
		case TPS_TOKEN_STATUS_TERMINATED:
			return "This token has been terminated.";
		default:
			return NULL;
		}
	case TPS_TOKEN_STATUS_SUSPENDED:
		switch (to) {
		case TPS_TOKEN_STATUS_ACTIVE:
		case TPS_TOKEN_STATUS_FORMATTED:
			return "This suspended (temporarily lost) token has been found.";
		case TPS_TOKEN_STATUS_PERM_LOST:
			return "This suspended (temporarily lost) token has become permanently lost.";
		case TPS_TOKEN_STATUS_TERMINATED:
			return "This suspended (temporarily lost) token has been terminated.";
		default:
			return NULL;
		}
	case TPS_TOKEN_STATUS_TERMINATED:
		if (to == TPS_TOKEN_STATUS_UNFORMATTED)
			return "Reuse this token.";
		return NULL;
	default:
		return NULL;
	}
}

static guint64
tps_transitions_bit(TpsTokenStatus from, TpsTokenStatus to)
{
	return G_GUINT64_CONSTANT(1) << ((guint)from * TPS_STATUS_CODE_MAX + (guint)to);
}

/* Adds a pair of valid states; FALSE if it is already there. */
static gboolean
tps_transitions_add(TpsTransitions *t, TpsTokenStatus from, TpsTokenStatus to)
{
	guint64 bit = tps_transitions_bit(from, to);
	if ((t->mask & bit) != 0 || t->n >= G_N_ELEMENTS(t->order))
		return FALSE;
	t->mask |= bit;
	t->order[t->n++] = (guint8)(((guint)from << 4) | (guint)to);
	return TRUE;
}

TpsTransitions *
tps_transitions_new_empty(void)
{
	return g_new0(TpsTransitions, 1);
}

static TpsTransitions *
tps_transitions_new_from_table(const guint8 (*pairs)[2], gsize n)
{
	TpsTransitions *t = tps_transitions_new_empty();
	for (gsize i = 0; i < n; i++)
		tps_transitions_add(t, (TpsTokenStatus)pairs[i][0], (TpsTokenStatus)pairs[i][1]);
	return t;
}

TpsTransitions *
tps_transitions_new_default_manual(void)
{
	static const guint8 pairs[][2] = {
	    {0, 1}, {0, 2}, {0, 3}, {0, 6}, {3, 2}, {3, 6}, {4, 1}, {4, 2}, {4, 3}, {4, 6}, {6, 7},
	};
	return tps_transitions_new_from_table(pairs, G_N_ELEMENTS(pairs));
}

TpsTransitions *
tps_transitions_new_default_operations(void)
{
	static const guint8 pairs[][2] = {
	    {0, 0},
	    {0, 4},
	    {4, 4},
	    {4, 0},
	    {7, 0},
	};
	return tps_transitions_new_from_table(pairs, G_N_ELEMENTS(pairs));
}

TpsTransitions *
tps_transitions_copy(const TpsTransitions *t)
{
	TpsTransitions *copy = tps_transitions_new_empty();
	*copy = *t;
	return copy;
}

void
tps_transitions_free(TpsTransitions *t)
{
	g_free(t);
}

/* @text cut to at most 32 characters (whole UTF-8 characters) for an error message. */
static gchar *
tps_transitions_excerpt(const gchar *text)
{
	if (g_utf8_strlen(text, -1) <= 32)
		return g_strdup(text);
	return g_utf8_substring(text, 0, 32);
}

/* One state code: exactly one decimal digit naming a valid state. */
static gboolean
tps_transitions_parse_state(const gchar *text,
			    const gchar *item_in,
			    const gchar *side,
			    TpsTokenStatus *out,
			    GError **error)
{
	g_autofree gchar *item = tps_transitions_excerpt(item_in);
	if (text[0] == '\0' || text[1] != '\0' || !g_ascii_isdigit(text[0])) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_CONFIG,
			    "transition '%s': %s state is not a state code (0-4, 6, 7)",
			    item,
			    side);
		return FALSE;
	}
	if (!tps_token_status_is_valid(text[0] - '0')) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_CONFIG,
			    "transition '%s': unknown %s state %s (valid: 0-4, 6, 7)",
			    item,
			    side,
			    text);
		return FALSE;
	}
	*out = (TpsTokenStatus)(text[0] - '0');
	return TRUE;
}

static gboolean
tps_transitions_parse_item(TpsTransitions *t,
			   const gchar *item,
			   const TpsTransitions *defaults,
			   GError **error)
{
	g_auto(GStrv) sides = NULL;
	TpsTokenStatus from = TPS_TOKEN_STATUS_FORMATTED;
	TpsTokenStatus to = TPS_TOKEN_STATUS_FORMATTED;

	if (item[0] == '\0') {
		g_set_error_literal(error,
				    TPS_ERROR,
				    TPS_ERROR_CONFIG,
				    "empty transition in the list (stray ',')");
		return FALSE;
	}
	sides = g_strsplit(item, ":", 0);
	if (g_strv_length(sides) != 2) {
		g_autofree gchar *excerpt = tps_transitions_excerpt(item);
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_CONFIG,
			    "transition '%s' is not of the form <from>:<to>",
			    excerpt);
		return FALSE;
	}
	if (!tps_transitions_parse_state(sides[0], item, "current", &from, error))
		return FALSE;
	if (!tps_transitions_parse_state(sides[1], item, "new", &to, error))
		return FALSE;
	if (defaults != NULL && !tps_transitions_allows(defaults, from, to)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_CONFIG,
			    "transition %d:%d (%s to %s) is not in the default list: configuration "
			    "may remove transitions, never add one",
			    (gint)from,
			    (gint)to,
			    tps_token_status_to_string(from),
			    tps_token_status_to_string(to));
		return FALSE;
	}
	if (!tps_transitions_add(t, from, to)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_CONFIG,
			    "transition %d:%d is listed twice",
			    (gint)from,
			    (gint)to);
		return FALSE;
	}
	return TRUE;
}

TpsTransitions *
tps_transitions_parse(const gchar *text, const TpsTransitions *defaults, GError **error)
{
	g_autoptr(TpsTransitions) t = tps_transitions_new_empty();
	g_autofree gchar *copy = NULL;
	g_auto(GStrv) items = NULL;

	if (text == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_CONFIG, "no transition list");
		return NULL;
	}
	if (strlen(text) > TPS_TRANSITIONS_MAX_TEXT) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_CONFIG,
			    "transition list too long (more than %d characters)",
			    TPS_TRANSITIONS_MAX_TEXT);
		return NULL;
	}
	if (!g_utf8_validate(text, -1, NULL)) {
		g_set_error_literal(error,
				    TPS_ERROR,
				    TPS_ERROR_CONFIG,
				    "transition list is not valid UTF-8");
		return NULL;
	}
	copy = g_strstrip(g_strdup(text));
	if (copy[0] == '\0')
		return g_steal_pointer(&t);
	items = g_strsplit(copy, ",", 0);
	for (guint i = 0; items[i] != NULL; i++) {
		if (!tps_transitions_parse_item(t, g_strstrip(items[i]), defaults, error))
			return NULL;
	}
	return g_steal_pointer(&t);
}

gboolean
tps_transitions_allows(const TpsTransitions *t, TpsTokenStatus from, TpsTokenStatus to)
{
	if (t == NULL || !tps_token_status_is_valid((gint)from) ||
	    !tps_token_status_is_valid((gint)to))
		return FALSE;
	return (t->mask & tps_transitions_bit(from, to)) != 0;
}

guint
tps_transitions_get_size(const TpsTransitions *t)
{
	return t->n;
}

gchar *
tps_transitions_to_string(const TpsTransitions *t)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < t->n; i++) {
		if (i > 0)
			g_string_append_c(s, ',');
		g_string_append_printf(s, "%u:%u", (guint)(t->order[i] >> 4), (guint)(t->order[i] & 0xf));
	}
	return g_string_free(s, FALSE);
}

gboolean
tps_transitions_equal(const TpsTransitions *a, const TpsTransitions *b)
{
	return a->mask == b->mask;
}

gboolean
tps_token_status_check_manual_change(const TpsTransitions *manual,
				     TpsTokenStatus from,
				     TpsTokenStatus previous,
				     TpsTokenStatus to,
				     GError **error)
{
	if (!tps_token_status_is_valid((gint)from) || !tps_token_status_is_valid((gint)to)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_TRANSITION,
			    "transition %d:%d names an unknown token status",
			    (gint)from,
			    (gint)to);
		return FALSE;
	}
	if (tps_transitions_allows(manual, from, to))
		return TRUE;
	/* the automatic 3:0 / 3:4: a found token returns to the state it had before */
	if (from == TPS_TOKEN_STATUS_SUSPENDED &&
	    (to == TPS_TOKEN_STATUS_FORMATTED || to == TPS_TOKEN_STATUS_ACTIVE)) {
		if (to == previous)
			return TRUE;
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_TRANSITION,
			    "transition %d:%d (%s to %s) is not allowed: a found token returns to "
			    "the state it had before it was suspended (%s)",
			    (gint)from,
			    (gint)to,
			    tps_token_status_to_string(from),
			    tps_token_status_to_string(to),
			    tps_token_status_to_string(previous));
		return FALSE;
	}
	g_set_error(error,
		    TPS_ERROR,
		    TPS_ERROR_TRANSITION,
		    "transition %d:%d (%s to %s) is not allowed",
		    (gint)from,
		    (gint)to,
		    tps_token_status_to_string(from),
		    tps_token_status_to_string(to));
	return FALSE;
}

gboolean
tps_token_status_check_operation_change(const TpsTransitions *operations,
					TpsTokenStatus from,
					TpsTokenStatus to,
					GError **error)
{
	if (tps_transitions_allows(operations, from, to))
		return TRUE;
	g_set_error(error,
		    TPS_ERROR,
		    TPS_ERROR_TRANSITION,
		    "token operation transition %d:%d (%s to %s) is not allowed",
		    (gint)from,
		    (gint)to,
		    tps_token_status_to_string(from),
		    tps_token_status_to_string(to));
	return FALSE;
}
