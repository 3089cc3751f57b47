/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "cf-zrtp-dh.h"

G_BEGIN_DECLS

#define CF_SETTINGS_ERROR (cf_settings_error_quark ())
GQuark cf_settings_error_quark (void);

typedef enum {
	CF_SETTINGS_ERROR_INVALID, /* a value is malformed or out of range */
	CF_SETTINGS_ERROR_IO,      /* the file could not be read or written */
} CfSettingsError;

typedef enum {
	CF_LISTEN_UDP,
	CF_LISTEN_TCP,
	CF_LISTEN_TLS,
} CfListenTransport;

/* One entry of [sip] listen, e.g. "tcp:127.0.0.1:5060". */
typedef struct {
	CfListenTransport transport;
	char *host; /* an IPv4 or IPv6 literal, or a host name */
	guint16 port; /* 0: any free port */
} CfListenSpec;

void cf_listen_spec_free (CfListenSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfListenSpec, cf_listen_spec_free)

const char *cf_listen_transport_to_string (CfListenTransport transport);

/* Parses one "transport:host:port" entry ("[v6]" for IPv6 hosts).
 * Returns: (transfer full): the entry, or NULL with @error set. */
CfListenSpec *cf_listen_spec_parse (const char *text, GError **error);

#define CF_TYPE_SETTINGS (cf_settings_get_type ())
G_DECLARE_FINAL_TYPE (CfSettings, cf_settings, CF, SETTINGS, GObject)

/* @path: (nullable): where confab.conf lives; NULL keeps everything in memory. */
CfSettings *cf_settings_new (const char *path);

/* The default path: $XDG_CONFIG_HOME/confab/confab.conf. (transfer full) */
char *cf_settings_default_path (void);

/* Reads the file given at construction. A missing file means the defaults.
 * On error the settings are unchanged. */
gboolean cf_settings_load (CfSettings *self, GError **error);

/* Parses @data as the contents of confab.conf. On error the settings are
 * unchanged. Unknown groups and keys are collected as warnings. */
gboolean cf_settings_load_from_data (CfSettings *self, const char *data, gssize len, GError **error);

/* Warnings about unknown groups and keys from the last successful load.
 * (transfer none), NULL-terminated. */
const char *const *cf_settings_get_warnings (CfSettings *self);

const char *cf_settings_get_path (CfSettings *self);

gboolean cf_settings_get_end_to_end_encryption (CfSettings *self);
/* Changes the user's setting and writes the file atomically (when the
 * settings have a path). On a write error the value is still changed in
 * memory and FALSE is returned. */
gboolean cf_settings_set_end_to_end_encryption (CfSettings *self, gboolean enabled, GError **error);

const char *cf_settings_get_account_uri (CfSettings *self);
const char *cf_settings_get_display_name (CfSettings *self);
const char *cf_settings_get_registrar (CfSettings *self);
const char *cf_settings_get_username (CfSettings *self);
const char *cf_settings_get_password_file (CfSettings *self);
/* (transfer none) (element-type CfListenSpec) */
GPtrArray *cf_settings_get_listen (CfSettings *self);
const char *cf_settings_get_tls_certificate (CfSettings *self);
const char *cf_settings_get_tls_key (CfSettings *self);
const char *cf_settings_get_tls_ca (CfSettings *self);
const char *cf_settings_get_audio_source (CfSettings *self);
const char *cf_settings_get_audio_sink (CfSettings *self);
const char *cf_settings_get_video_source (CfSettings *self);
/* (transfer none), NULL-terminated, possibly empty */
const char *const *cf_settings_get_local_addresses (CfSettings *self);
const char *cf_settings_get_stun_server (CfSettings *self);
const char *cf_settings_get_turn_server (CfSettings *self);
const char *cf_settings_get_turn_username (CfSettings *self);
const char *cf_settings_get_turn_password_file (CfSettings *self);
gboolean cf_settings_get_auto_answer (CfSettings *self);
/* Seconds an outgoing or incoming call may ring before it ends as no-answer. */
guint cf_settings_get_no_answer_timeout (CfSettings *self);
/* Plain RTP (no SRTP) may be used when the peer offers or accepts nothing else. */
gboolean cf_settings_get_allow_plain_rtp (CfSettings *self);
/* [privacy] zrtp-key-agreements: the ZRTP key agreements to offer, in our
 * order of preference (X255, DH3k; both offered when unset). Fills @ret and
 * returns how many; 0: the default order. */
guint cf_settings_get_zrtp_key_agreements (CfSettings *self, CfZrtpKeyAgreement ret[2]);
/* Seconds without media from the peer before an active call ends. */
guint cf_settings_get_media_timeout (CfSettings *self);

G_END_DECLS
