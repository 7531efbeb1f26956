/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EscCertificateDialog: one certificate in detail (subject, issuer, validity, serial number,
 * key, key usage, SHA-256 and SHA-1 fingerprints) and Export, which saves it as PEM through
 * the file chooser portal (GtkFileChooserNative).
 */
#pragma once

#include <adwaita.h>

#include "esc-core.h"

G_BEGIN_DECLS

#define ESC_TYPE_CERTIFICATE_DIALOG (esc_certificate_dialog_get_type())
G_DECLARE_FINAL_TYPE(EscCertificateDialog, esc_certificate_dialog, ESC, CERTIFICATE_DIALOG, AdwWindow)

EscCertificateDialog *
esc_certificate_dialog_new(GtkWindow *parent, EscCertificate *certificate) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
