/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Token states (protocol.md 6.1, Dogtag's TokenStatus) and the two sets of allowed state
 * transitions: the manual one (tokendb.allowedTransitions, agents and admins) and the one of
 * token operations (tps.operations.allowedTransitions). Configuration may remove transitions
 * from the defaults, never add one.
 */
#pragma once

#include <glib-object.h>

#include "tok-macros.h"

G_BEGIN_DECLS

/* The numeric codes are stored in the token database and used in configuration: no 5 (the
 * removed TEMP_LOST_PERM_LOST). */
typedef enum {
	TPS_TOKEN_STATUS_FORMATTED = 0,
	TPS_TOKEN_STATUS_DAMAGED = 1,
	TPS_TOKEN_STATUS_PERM_LOST = 2,
	TPS_TOKEN_STATUS_SUSPENDED = 3,
	TPS_TOKEN_STATUS_ACTIVE = 4,
	TPS_TOKEN_STATUS_TERMINATED = 6,
	TPS_TOKEN_STATUS_UNFORMATTED = 7,
} TpsTokenStatus;

/* Every valid status, in code order (7 entries). */
#define TPS_TOKEN_STATUS_N_VALUES 7
extern const TpsTokenStatus tps_token_status_values[TPS_TOKEN_STATUS_N_VALUES];

gboolean
tps_token_status_is_valid(gint v);
/* The name ("FORMATTED", ...), or "INVALID" for a value that is not a status. */
const gchar *
tps_token_status_to_string(TpsTokenStatus s);
/* The label shown in user interfaces (token-states.properties), e.g. "Formatted (uninitialized)". */
const gchar *
tps_token_status_label(TpsTokenStatus s);
gboolean
tps_token_status_from_int(gint v, TpsTokenStatus *out, GError **error) TOK_NONNULL(2);
/* From the name ("ACTIVE", case-insensitive) or the decimal code ("4"). */
gboolean
tps_token_status_from_string(const gchar *text, TpsTokenStatus *out, GError **error)
    TOK_NONNULL(2);
/* The description of a transition (token-states.properties, e.g. "This token has been
 * terminated."), or NULL when it has none. Covers the manual and the automatic transitions. */
const gchar *
tps_token_transition_label(TpsTokenStatus from, TpsTokenStatus to);

/* A set of allowed "from:to" transitions, in configuration order. */
typedef struct _TpsTransitions TpsTransitions;

#define TPS_TYPE_TRANSITIONS (tps_transitions_get_type())
GType
tps_transitions_get_type(void);

/* tokendb.allowedTransitions: 0:1,0:2,0:3,0:6,3:2,3:6,4:1,4:2,4:3,4:6,6:7 */
TpsTransitions *
tps_transitions_new_default_manual(void) G_GNUC_WARN_UNUSED_RESULT;
/* tps.operations.allowedTransitions: 0:0,0:4,4:4,4:0,7:0 */
TpsTransitions *
tps_transitions_new_default_operations(void) G_GNUC_WARN_UNUSED_RESULT;
/* An empty set (nothing allowed). */
TpsTransitions *
tps_transitions_new_empty(void) G_GNUC_WARN_UNUSED_RESULT;
TpsTransitions *
tps_transitions_copy(const TpsTransitions *t) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
void
tps_transitions_free(TpsTransitions *t);

/* Parses a configured list "from:to,from:to" (spaces around items allowed; an empty text is an
 * empty set). Fails with TPS_ERROR_CONFIG, naming the item, on syntax errors, unknown states,
 * duplicates, and any pair that is not in @defaults (configuration may remove transitions,
 * never add). @defaults NULL: no restriction. */
TpsTransitions *
tps_transitions_parse(const gchar *text, const TpsTransitions *defaults, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean
tps_transitions_allows(const TpsTransitions *t, TpsTokenStatus from, TpsTokenStatus to);
guint
tps_transitions_get_size(const TpsTransitions *t) TOK_NONNULL(1);
/* "from:to,..." in configuration order; parses back to an equal set. */
gchar *
tps_transitions_to_string(const TpsTransitions *t) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Same pairs, whatever the order. */
gboolean
tps_transitions_equal(const TpsTransitions *a, const TpsTransitions *b) TOK_NONNULL(1, 2);

/*
 * The manual state change rule: @manual allows from:to, or it is the automatic return of a
 * SUSPENDED token that was found again (3:0 / 3:4) to the state it had before (@previous);
 * the automatic return to the other state is refused. Refusal: TPS_ERROR_TRANSITION naming
 * both states.
 */
gboolean
tps_token_status_check_manual_change(const TpsTransitions *manual,
				     TpsTokenStatus from,
				     TpsTokenStatus previous,
				     TpsTokenStatus to,
				     GError **error) TOK_NONNULL(1);
/* A token operation's change (FORMAT X:0, ENROLL X:4): TPS_ERROR_TRANSITION when refused. */
gboolean
tps_token_status_check_operation_change(const TpsTransitions *operations,
					TpsTokenStatus from,
					TpsTokenStatus to,
					GError **error) TOK_NONNULL(1);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsTransitions, tps_transitions_free)

G_END_DECLS
