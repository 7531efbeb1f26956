/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * libesc-core: every public header of the client core (no GTK).
 */
#pragma once

#include "esc-error.h"
#include "esc-card.h"
#include "esc-reader-monitor.h"
#include "esc-token-probe.h"
#include "esc-certificate.h"
#include "esc-token.h"
#include "esc-token-list.h"
#include "esc-issuer-info.h"
#include "esc-tps-connection.h"
#include "esc-login-request.h"
#include "esc-pin-request.h"
#include "esc-operation.h"
#include "esc-status-text.h"
#include "esc-diagnostics.h"
