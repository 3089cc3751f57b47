/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An RTP payload format as SDP describes it: a=rtpmap (RFC 8866 §6.6) plus
 * a=fmtp (§6.15). Static payload types of RFC 3551 need no rtpmap. */

/* In a local capability description: let the offer pick a free dynamic
 * payload type (96..127). */
#define CF_SDP_PT_AUTO	      255u
#define CF_SDP_PT_DYNAMIC_MIN 96u
#define CF_SDP_PT_MAX	      127u

/* A plain value; the strings are owned by the struct. */
typedef struct {
	guint pt;	  /* payload type 0..127, or CF_SDP_PT_AUTO */
	char *encoding;	  /* encoding name as written, e.g. "opus", "PCMU" */
	guint clock_rate; /* Hz, > 0 */
	guint channels;	  /* encoding parameters: channel count, 1 when not given */
	char *fmtp;	  /* a=fmtp parameters, or NULL */
} CfSdpCodec;

/* Copies the strings. @channels 0 means 1. */
CfSdpCodec *cf_sdp_codec_new (
	guint pt, const char *encoding, guint clock_rate, guint channels, const char *fmtp);
CfSdpCodec *cf_sdp_codec_copy (const CfSdpCodec *self);
void cf_sdp_codec_free (CfSdpCodec *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSdpCodec, cf_sdp_codec_free)

/* The codec of a static payload type of RFC 3551 (0 PCMU/8000, 8 PCMA/8000,
 * 9 G722/8000, 18 G729/8000, 31 H261/90000, ...); NULL for others.
 * (transfer full) */
CfSdpCodec *cf_sdp_codec_new_static (guint pt);

/* Same encoding name (case-insensitively), clock rate and channel count;
 * payload types and fmtp are not compared. */
gboolean cf_sdp_codec_matches (const CfSdpCodec *a, const CfSdpCodec *b);
/* telephone-event (RFC 4733) */
gboolean cf_sdp_codec_is_telephone_event (const CfSdpCodec *self);

/* Parses an a=rtpmap value "<pt> <encoding>/<clock rate>[/<channels>]".
 * FALSE (outputs untouched) when malformed or out of range. */
gboolean cf_sdp_codec_parse_rtpmap (const char *value,
				    guint *ret_pt,
				    char **ret_encoding,
				    guint *ret_clock_rate,
				    guint *ret_channels);
/* The a=rtpmap value for @self (channels printed only when not 1).
 * (transfer full) */
char *cf_sdp_codec_to_rtpmap (const CfSdpCodec *self);
/* Parses a payload type format "0".."127" (no sign, no leading zeros beyond
 * "0"); FALSE otherwise. */
gboolean cf_sdp_codec_parse_pt (const char *format, guint *ret_pt);

G_END_DECLS
