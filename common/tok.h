/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libtok: the protocol vocabulary shared by client, server and virtual card. */
#pragma once

#include "tok-apdu.h"
#include "tok-bytes.h"
#include "tok-chunked-stream.h"
#include "tok-chunked.h"
#include "tok-coolkey-apdu.h"
#include "tok-coolkey-object.h"
#include "tok-cplc.h"
#include "tok-error.h"
#include "tok-openssl-autoptr.h"
#include "tok-gp-apdu.h"
#include "tok-tlv.h"
#include "tok-secret.h"
#include "tok-status-word.h"
#include "tok-tps-message.h"
#include "tok-wire-encoding.h"
