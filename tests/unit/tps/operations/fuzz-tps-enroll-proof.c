/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzz target `tps-enroll-proof`: what ENROLL does with the key generation output a card
 * returns (protocol.md 4.5): the result parsed (tok_coolkey_keygen_result_parse), then its
 * proof of possession checked for the profile's algorithm (tps_op_enroll_verify_proof_full:
 * the RSA modulus/exponent or the EC P-256 point made into a key, the signature verified).
 *
 * Input: byte 0 bit 0 selects the algorithm (0 RSA, 1 EC P-256); bytes 1-16 are the
 * challenge; the rest is the I/O buffer content the card returned. Any input must give TRUE
 * or FALSE with an error, never a crash or a leak.
 */
#include "config.h"

#include "../../../fuzz/fuzz.h"
#include "tok-coolkey-apdu.h"
#include "tps-op-enroll.h"

#define FUZZ_CHALLENGE_LEN 16
#define FUZZ_MAX_INPUT	   4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokCoolkeyKeygenResult) result = NULL;
	g_autoptr(GBytes) challenge = NULL;
	TpsKeyAlgorithm alg;
	gboolean ok;

	if (size < 1 + FUZZ_CHALLENGE_LEN || size > FUZZ_MAX_INPUT)
		return 0;
	alg = (data[0] & 1) != 0 ? TPS_KEY_ALGORITHM_EC_P256 : TPS_KEY_ALGORITHM_RSA;
	challenge = g_bytes_new(data + 1, FUZZ_CHALLENGE_LEN);
	result = tok_coolkey_keygen_result_parse(data + 1 + FUZZ_CHALLENGE_LEN, size - 1 - FUZZ_CHALLENGE_LEN, &error);
	if (result == NULL) {
		g_assert_nonnull(error);
		return 0;
	}
	ok = tps_op_enroll_verify_proof_full(result, alg, challenge, &error);
	g_assert_true(ok == (error == NULL));
	return 0;
}
