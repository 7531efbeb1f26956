/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TpsContext: everything an operation needs, built by tpsd or by tests. The processor only
 * borrows the objects; whoever builds the context keeps them alive while sessions run.
 */
#pragma once

#include <glib-object.h>

#include "tks-service.h"
#include "tok-gp-crypto.h"
#include "tps-authenticator.h"
#include "tps-ca-connector.h"
#include "tps-config.h"
#include "tps-token-db.h"

G_BEGIN_DECLS

typedef struct {
	TpsConfig *config;
	TksService *tks;
	TpsTokenDb *db;
	TpsCaConnector *ca;
	TpsAuthenticator *auth;
	/* The secure-channel primitives every session uses (thread-safe, made once: a
	 * TokGpCrypto is an OpenSSL library context with the default provider, far too costly
	 * per session). NULL: each session makes its own. */
	TokGpCrypto *crypto;
} TpsContext;

G_END_DECLS
