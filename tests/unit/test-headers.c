/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every public libtok and libtok-gp header in one translation unit: two headers that define the
 * same name differently, or one that needs another included first, fail to build here.
 */
#include "config.h"

#include "tok-gp-crypto.h"
#include "tok-gp-keys.h"
#include "tok-gp-put-key.h"
#include "tok-gp-scp01.h"
#include "tok-gp-scp02.h"
#include "tok-gp-scp03.h"
#include "tok-gp-session.h"
#include "tok.h"

static void
test_headers_values_agree(void)
{
	/* the GP protocol numbers of tok-gp-apdu.h are the TokGpScp values of libtok-gp */
	g_assert_cmpint(TOK_GP_APDU_SCP01, ==, TOK_GP_SCP01);
	g_assert_cmpint(TOK_GP_APDU_SCP02, ==, TOK_GP_SCP02);
	g_assert_cmpint(TOK_GP_APDU_SCP03, ==, TOK_GP_SCP03);
	g_assert_cmphex(TOK_COOLKEY_OBJECT_ID('z', '0'), ==, TOK_COOLKEY_OBJECT_ID_Z0);
	g_assert_cmphex(TOK_COOLKEY_OBJECT_ID_Z0, ==, 0x7A300000u);
	g_assert_cmpint(TOK_COOLKEY_OBJECT_MAX_SIZE, ==, TOK_COOLKEY_MAX_OBJECT_SIZE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/headers/values-agree", test_headers_values_agree);
	return g_test_run();
}
