/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-sdp"

#include <string.h>

#include "cf-sdp-codec.h"

/* RFC 3551 §6, tables 4 and 5: the static payload types. */
static const struct {
	guint pt;
	const char *encoding;
	guint clock_rate;
	guint channels;
} static_payloads[] = {
	{0, "PCMU", 8000, 1},	{3, "GSM", 8000, 1},	{4, "G723", 8000, 1},
	{5, "DVI4", 8000, 1},	{6, "DVI4", 16000, 1},	{7, "LPC", 8000, 1},
	{8, "PCMA", 8000, 1},	{9, "G722", 8000, 1},	{10, "L16", 44100, 2},
	{11, "L16", 44100, 1},	{12, "QCELP", 8000, 1}, {13, "CN", 8000, 1},
	{14, "MPA", 90000, 1},	{15, "G728", 8000, 1},	{16, "DVI4", 11025, 1},
	{17, "DVI4", 22050, 1}, {18, "G729", 8000, 1},	{25, "CelB", 90000, 1},
	{26, "JPEG", 90000, 1}, {28, "nv", 90000, 1},	{31, "H261", 90000, 1},
	{32, "MPV", 90000, 1},	{33, "MP2T", 90000, 1}, {34, "H263", 90000, 1},
};

CfSdpCodec *
cf_sdp_codec_new (
	guint pt, const char *encoding, guint clock_rate, guint channels, const char *fmtp)
{
	CfSdpCodec *self;

	g_return_val_if_fail (encoding != NULL, NULL);

	self = g_new0 (CfSdpCodec, 1);
	self->pt = pt;
	self->encoding = g_strdup (encoding);
	self->clock_rate = clock_rate;
	self->channels = channels == 0 ? 1 : channels;
	self->fmtp = g_strdup (fmtp);
	return self;
}

CfSdpCodec *
cf_sdp_codec_copy (const CfSdpCodec *self)
{
	if (self == NULL)
		return NULL;
	return cf_sdp_codec_new (
		self->pt, self->encoding, self->clock_rate, self->channels, self->fmtp);
}

void
cf_sdp_codec_free (CfSdpCodec *self)
{
	if (self == NULL)
		return;
	g_free (self->encoding);
	g_free (self->fmtp);
	g_free (self);
}

CfSdpCodec *
cf_sdp_codec_new_static (guint pt)
{
	for (gsize i = 0; i < G_N_ELEMENTS (static_payloads); i++) {
		if (static_payloads[i].pt == pt)
			return cf_sdp_codec_new (pt,
						 static_payloads[i].encoding,
						 static_payloads[i].clock_rate,
						 static_payloads[i].channels,
						 NULL);
	}
	return NULL;
}

gboolean
cf_sdp_codec_matches (const CfSdpCodec *a, const CfSdpCodec *b)
{
	g_return_val_if_fail (a != NULL && b != NULL, FALSE);

	return g_ascii_strcasecmp (a->encoding, b->encoding) == 0 && a->clock_rate == b->clock_rate
	       && a->channels == b->channels;
}

gboolean
cf_sdp_codec_is_telephone_event (const CfSdpCodec *self)
{
	g_return_val_if_fail (self != NULL, FALSE);

	return g_ascii_strcasecmp (self->encoding, "telephone-event") == 0;
}

/* Parses 1..19 decimal digits at *p into a value <= @max; advances *p. */
static gboolean
parse_uint (const char **p, guint64 max, guint64 *ret_value)
{
	const char *s = *p;
	guint64 value = 0;
	gsize n = 0;

	while (g_ascii_isdigit (s[n])) {
		if (n >= 19)
			return FALSE;
		value = value * 10 + (guint64)(s[n] - '0');
		n++;
	}
	if (n == 0 || value > max)
		return FALSE;
	*p = s + n;
	*ret_value = value;
	return TRUE;
}

gboolean
cf_sdp_codec_parse_pt (const char *format, guint *ret_pt)
{
	const char *p = format;
	guint64 pt;

	if (format == NULL)
		return FALSE;
	/* "0" is fine, "00" or "08" are not payload types as SDP writes them. */
	if (format[0] == '0' && format[1] != '\0')
		return FALSE;
	if (!parse_uint (&p, CF_SDP_PT_MAX, &pt) || *p != '\0')
		return FALSE;
	*ret_pt = (guint)pt;
	return TRUE;
}

static gboolean
is_encoding_char (char c)
{
	/* token characters (RFC 8866 §9) except '/' */
	/* (strchr () would find the terminating NUL) */
	return c != '\0' && (g_ascii_isalnum (c) || strchr ("!#$%&'*+-.^_`{|}~", c) != NULL);
}

gboolean
cf_sdp_codec_parse_rtpmap (const char *value,
			   guint *ret_pt,
			   char **ret_encoding,
			   guint *ret_clock_rate,
			   guint *ret_channels)
{
	const char *p = value;
	const char *name;
	gsize name_len = 0;
	guint64 pt, rate, channels = 1;

	if (value == NULL)
		return FALSE;
	if (!parse_uint (&p, CF_SDP_PT_MAX, &pt) || *p != ' ')
		return FALSE;
	while (*p == ' ')
		p++;
	name = p;
	while (is_encoding_char (name[name_len]))
		name_len++;
	if (name_len == 0 || name[name_len] != '/')
		return FALSE;
	p = name + name_len + 1;
	if (!parse_uint (&p, G_MAXUINT32, &rate) || rate == 0)
		return FALSE;
	if (*p == '/') {
		p++;
		if (!parse_uint (&p, 255, &channels) || channels == 0)
			return FALSE;
	}
	/* Tolerate trailing white space, nothing else. */
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0')
		return FALSE;

	if (ret_pt != NULL)
		*ret_pt = (guint)pt;
	if (ret_encoding != NULL)
		*ret_encoding = g_strndup (name, name_len);
	if (ret_clock_rate != NULL)
		*ret_clock_rate = (guint)rate;
	if (ret_channels != NULL)
		*ret_channels = (guint)channels;
	return TRUE;
}

char *
cf_sdp_codec_to_rtpmap (const CfSdpCodec *self)
{
	g_return_val_if_fail (self != NULL, NULL);

	if (self->channels != 1)
		return g_strdup_printf (
			"%u %s/%u/%u", self->pt, self->encoding, self->clock_rate, self->channels);
	return g_strdup_printf ("%u %s/%u", self->pt, self->encoding, self->clock_rate);
}
