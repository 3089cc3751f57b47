/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-sdp"

#include <string.h>

#include "cf-sdp.h"

G_DEFINE_QUARK (cf - sdp - error - quark, cf_sdp_error)

/* ---- Character classes (RFC 8866 §9) ------------------------------------- */

/* token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E */
static gboolean
is_token_char (guchar c)
{
	if (c < 0x21 || c > 0x7e)
		return FALSE;
	return strchr ("\"(),/:;<=>?@[\\]", c) == NULL;
}

static gboolean
is_token (const char *s)
{
	if (s == NULL || *s == '\0')
		return FALSE;
	for (; *s != '\0'; s++) {
		if (!is_token_char ((guchar)*s))
			return FALSE;
	}
	return TRUE;
}

/* proto = token *("/" token) */
static gboolean
is_proto (const char *s)
{
	g_auto (GStrv) parts = NULL;

	if (s == NULL || *s == '\0')
		return FALSE;
	parts = g_strsplit (s, "/", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		if (!is_token (parts[i]))
			return FALSE;
	}
	return TRUE;
}

gboolean
cf_sdp_is_token (const char *str)
{
	return is_token (str);
}

gboolean
cf_sdp_is_proto (const char *str)
{
	return is_proto (str);
}

/* non-ws-string = 1*(VCHAR / %x80-FF) */
static gboolean
is_non_ws_string (const char *s)
{
	if (s == NULL || *s == '\0')
		return FALSE;
	for (; *s != '\0'; s++) {
		guchar c = (guchar)*s;

		if (c <= 0x20 || c == 0x7f)
			return FALSE;
	}
	return TRUE;
}

/* byte-string, possibly empty: no NUL, CR or LF */
static gboolean
is_text (const char *s)
{
	return s != NULL && strpbrk (s, "\r\n") == NULL;
}

static gboolean
is_digits (const char *s)
{
	if (s == NULL || *s == '\0')
		return FALSE;
	for (; *s != '\0'; s++) {
		if (!g_ascii_isdigit (*s))
			return FALSE;
	}
	return TRUE;
}

/* Decimal digits only, no sign, value <= @max. */
static gboolean
parse_number (const char *s, guint64 max, guint64 *ret_value)
{
	guint64 value = 0;

	if (!is_digits (s))
		return FALSE;
	for (; *s != '\0'; s++) {
		guint digit = (guint)(*s - '0');

		if (value > (G_MAXUINT64 - digit) / 10)
			return FALSE;
		value = value * 10 + digit;
	}
	if (value > max)
		return FALSE;
	*ret_value = value;
	return TRUE;
}

/* ---- Directions ------------------------------------------------------------ */

static const char *const direction_names[] = {
	[CF_SDP_DIRECTION_SENDRECV] = "sendrecv",
	[CF_SDP_DIRECTION_SENDONLY] = "sendonly",
	[CF_SDP_DIRECTION_RECVONLY] = "recvonly",
	[CF_SDP_DIRECTION_INACTIVE] = "inactive",
};

const char *
cf_sdp_direction_to_string (CfSdpDirection direction)
{
	if ((guint)direction >= G_N_ELEMENTS (direction_names))
		return "sendrecv";
	return direction_names[direction];
}

gboolean
cf_sdp_direction_from_string (const char *str, CfSdpDirection *ret_direction)
{
	if (str == NULL)
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS (direction_names); i++) {
		if (g_ascii_strcasecmp (str, direction_names[i]) == 0) {
			if (ret_direction != NULL)
				*ret_direction = (CfSdpDirection)i;
			return TRUE;
		}
	}
	return FALSE;
}

gboolean
cf_sdp_direction_sends (CfSdpDirection direction)
{
	return direction == CF_SDP_DIRECTION_SENDRECV || direction == CF_SDP_DIRECTION_SENDONLY;
}

gboolean
cf_sdp_direction_receives (CfSdpDirection direction)
{
	return direction == CF_SDP_DIRECTION_SENDRECV || direction == CF_SDP_DIRECTION_RECVONLY;
}

CfSdpDirection
cf_sdp_direction_hold (CfSdpDirection current)
{
	/* RFC 3264 §8.4 */
	if (current == CF_SDP_DIRECTION_SENDRECV)
		return CF_SDP_DIRECTION_SENDONLY;
	if (current == CF_SDP_DIRECTION_RECVONLY)
		return CF_SDP_DIRECTION_INACTIVE;
	return current;
}

CfSdpDirection
cf_sdp_direction_make (gboolean send, gboolean recv)
{
	if (send && recv)
		return CF_SDP_DIRECTION_SENDRECV;
	if (send)
		return CF_SDP_DIRECTION_SENDONLY;
	if (recv)
		return CF_SDP_DIRECTION_RECVONLY;
	return CF_SDP_DIRECTION_INACTIVE;
}

/* ---- Connections ----------------------------------------------------------- */

CfSdpConnection *
cf_sdp_connection_new (const char *nettype, const char *addrtype, const char *address)
{
	CfSdpConnection *self;

	g_return_val_if_fail (address != NULL, NULL);

	self = g_new0 (CfSdpConnection, 1);
	self->nettype = g_strdup (nettype != NULL ? nettype : "IN");
	if (addrtype != NULL)
		self->addrtype = g_strdup (addrtype);
	else
		self->addrtype = g_strdup (strchr (address, ':') != NULL ? "IP6" : "IP4");
	self->address = g_strdup (address);
	return self;
}

CfSdpConnection *
cf_sdp_connection_copy (const CfSdpConnection *self)
{
	if (self == NULL)
		return NULL;
	return cf_sdp_connection_new (self->nettype, self->addrtype, self->address);
}

void
cf_sdp_connection_free (CfSdpConnection *self)
{
	if (self == NULL)
		return;
	g_free (self->nettype);
	g_free (self->addrtype);
	g_free (self->address);
	g_free (self);
}

gboolean
cf_sdp_connection_is_unspecified (const CfSdpConnection *self)
{
	const char *a;

	g_return_val_if_fail (self != NULL, FALSE);

	a = self->address;
	/* Multicast suffixes ("/127") do not make an address specified. */
	return g_str_equal (a, "0.0.0.0") || g_str_has_prefix (a, "0.0.0.0/")
	       || g_str_equal (a, "::") || g_str_equal (a, "0:0:0:0:0:0:0:0");
}

static gboolean
connection_is_valid (const CfSdpConnection *c)
{
	return c != NULL && is_token (c->nettype) && is_token (c->addrtype)
	       && is_non_ws_string (c->address);
}

/* ---- Attributes ------------------------------------------------------------ */

typedef struct {
	char *name;
	char *value; /* NULL for a property attribute */
} Attribute;

struct _CfSdpAttributes {
	GPtrArray *items; /* (element-type Attribute) */
};

static void
attribute_free (gpointer data)
{
	Attribute *a = data;

	g_free (a->name);
	g_free (a->value);
	g_free (a);
}

static void
attributes_init (CfSdpAttributes *self)
{
	self->items = g_ptr_array_new_with_free_func (attribute_free);
}

static void
attributes_destroy (CfSdpAttributes *self)
{
	g_clear_pointer (&self->items, g_ptr_array_unref);
}

CfSdpAttributes *
cf_sdp_attributes_new (void)
{
	CfSdpAttributes *self = g_new0 (CfSdpAttributes, 1);

	attributes_init (self);
	return self;
}

void
cf_sdp_attributes_free (CfSdpAttributes *self)
{
	if (self == NULL)
		return;
	attributes_destroy (self);
	g_free (self);
}

static void
attributes_append (CfSdpAttributes *self, const char *name, const char *value)
{
	Attribute *a = g_new0 (Attribute, 1);

	a->name = g_strdup (name);
	a->value = g_strdup (value);
	g_ptr_array_add (self->items, a);
}

static Attribute *
attributes_index (const CfSdpAttributes *self, guint index)
{
	return g_ptr_array_index (self->items, index);
}

guint
cf_sdp_attributes_get_length (const CfSdpAttributes *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->items->len;
}

const char *
cf_sdp_attributes_get_name (const CfSdpAttributes *self, guint index)
{
	g_return_val_if_fail (self != NULL && index < self->items->len, NULL);
	return attributes_index (self, index)->name;
}

const char *
cf_sdp_attributes_get_value (const CfSdpAttributes *self, guint index)
{
	g_return_val_if_fail (self != NULL && index < self->items->len, NULL);
	return attributes_index (self, index)->value;
}

static const Attribute *
attributes_find (const CfSdpAttributes *self, const char *name)
{
	for (guint i = 0; i < self->items->len; i++) {
		const Attribute *a = attributes_index (self, i);

		if (g_ascii_strcasecmp (a->name, name) == 0)
			return a;
	}
	return NULL;
}

gboolean
cf_sdp_attributes_has (const CfSdpAttributes *self, const char *name)
{
	g_return_val_if_fail (self != NULL && name != NULL, FALSE);
	return attributes_find (self, name) != NULL;
}

const char *
cf_sdp_attributes_lookup (const CfSdpAttributes *self, const char *name)
{
	const Attribute *a;

	g_return_val_if_fail (self != NULL && name != NULL, NULL);
	a = attributes_find (self, name);
	return a != NULL ? a->value : NULL;
}

char **
cf_sdp_attributes_lookup_all (const CfSdpAttributes *self, const char *name)
{
	g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

	g_return_val_if_fail (self != NULL && name != NULL, NULL);

	for (guint i = 0; i < self->items->len; i++) {
		const Attribute *a = attributes_index (self, i);

		if (g_ascii_strcasecmp (a->name, name) == 0)
			g_strv_builder_add (builder, a->value != NULL ? a->value : "");
	}
	return g_strv_builder_end (builder);
}

gboolean
cf_sdp_attributes_add (CfSdpAttributes *self, const char *name, const char *value)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (!is_token (name) || (value != NULL && !is_text (value)))
		return FALSE;
	attributes_append (self, name, value);
	return TRUE;
}

guint
cf_sdp_attributes_remove (CfSdpAttributes *self, const char *name)
{
	guint removed = 0;

	g_return_val_if_fail (self != NULL && name != NULL, 0);

	for (guint i = self->items->len; i > 0; i--) {
		if (g_ascii_strcasecmp (attributes_index (self, i - 1)->name, name) == 0) {
			g_ptr_array_remove_index (self->items, i - 1);
			removed++;
		}
	}
	return removed;
}

void
cf_sdp_attributes_remove_index (CfSdpAttributes *self, guint index)
{
	g_return_if_fail (self != NULL && index < self->items->len);
	g_ptr_array_remove_index (self->items, index);
}

void
cf_sdp_attributes_clear (CfSdpAttributes *self)
{
	g_return_if_fail (self != NULL);
	g_ptr_array_set_size (self->items, 0);
}

void
cf_sdp_attributes_extend (CfSdpAttributes *self, const CfSdpAttributes *from)
{
	g_return_if_fail (self != NULL && from != NULL);

	for (guint i = 0; i < from->items->len; i++) {
		const Attribute *a = attributes_index (from, i);

		attributes_append (self, a->name, a->value);
	}
}

gboolean
cf_sdp_attributes_get_direction (const CfSdpAttributes *self, CfSdpDirection *ret_direction)
{
	g_return_val_if_fail (self != NULL, FALSE);

	for (guint i = 0; i < self->items->len; i++) {
		const Attribute *a = attributes_index (self, i);

		/* A direction attribute has no value ("a=sendonly"). */
		if (a->value == NULL && cf_sdp_direction_from_string (a->name, ret_direction))
			return TRUE;
	}
	return FALSE;
}

void
cf_sdp_attributes_set_direction (CfSdpAttributes *self, CfSdpDirection direction)
{
	g_return_if_fail (self != NULL);

	for (guint i = 0; i < G_N_ELEMENTS (direction_names); i++)
		cf_sdp_attributes_remove (self, direction_names[i]);
	attributes_append (self, cf_sdp_direction_to_string (direction), NULL);
}

/* ---- Bandwidth (b=) and times (t=, r=) ------------------------------------------ */

typedef struct {
	char *type;
	guint64 value;
} Bandwidth;

static void
bandwidth_free (gpointer data)
{
	Bandwidth *b = data;

	g_free (b->type);
	g_free (b);
}

static void
bandwidths_set (GPtrArray *bandwidths, const char *type, guint64 value)
{
	Bandwidth *b;

	for (guint i = 0; i < bandwidths->len; i++) {
		b = g_ptr_array_index (bandwidths, i);
		if (g_ascii_strcasecmp (b->type, type) == 0) {
			b->value = value;
			return;
		}
	}
	b = g_new0 (Bandwidth, 1);
	b->type = g_strdup (type);
	b->value = value;
	g_ptr_array_add (bandwidths, b);
}

static gboolean
bandwidths_get (const GPtrArray *bandwidths, const char *type, guint64 *ret_value)
{
	for (guint i = 0; i < bandwidths->len; i++) {
		const Bandwidth *b = g_ptr_array_index (bandwidths, i);

		if (g_ascii_strcasecmp (b->type, type) == 0) {
			if (ret_value != NULL)
				*ret_value = b->value;
			return TRUE;
		}
	}
	return FALSE;
}

static GPtrArray *
bandwidths_copy (const GPtrArray *from)
{
	GPtrArray *to = g_ptr_array_new_with_free_func (bandwidth_free);

	for (guint i = 0; i < from->len; i++) {
		const Bandwidth *b = g_ptr_array_index (from, i);
		Bandwidth *c = g_new0 (Bandwidth, 1);

		c->type = g_strdup (b->type);
		c->value = b->value;
		g_ptr_array_add (to, c);
	}
	return to;
}

typedef struct {
	guint64 start;
	guint64 stop;
	GPtrArray *repeats; /* r= values (element-type utf8) */
} Time;

static void
time_free (gpointer data)
{
	Time *t = data;

	g_ptr_array_unref (t->repeats);
	g_free (t);
}

static Time *
time_new (guint64 start, guint64 stop)
{
	Time *t = g_new0 (Time, 1);

	t->start = start;
	t->stop = stop;
	t->repeats = g_ptr_array_new_with_free_func (g_free);
	return t;
}

static GPtrArray *
strings_copy (const GPtrArray *from)
{
	GPtrArray *to = g_ptr_array_new_with_free_func (g_free);

	for (guint i = 0; i < from->len; i++)
		g_ptr_array_add (to, g_strdup (g_ptr_array_index (from, i)));
	return to;
}

/* ---- Media ------------------------------------------------------------------- */

struct _CfSdpMedia {
	char *type;
	guint16 port;
	guint16 port_count;
	char *proto;
	GPtrArray *formats; /* (element-type utf8) */
	char *info;
	CfSdpConnection *connection;
	GPtrArray *bandwidths; /* (element-type Bandwidth) */
	char *key;
	CfSdpAttributes attributes;
};

static CfSdpMedia *
media_alloc (void)
{
	CfSdpMedia *self = g_new0 (CfSdpMedia, 1);

	self->port_count = 1;
	self->formats = g_ptr_array_new_with_free_func (g_free);
	self->bandwidths = g_ptr_array_new_with_free_func (bandwidth_free);
	attributes_init (&self->attributes);
	return self;
}

CfSdpMedia *
cf_sdp_media_new (const char *type, guint16 port, const char *proto)
{
	CfSdpMedia *self;

	g_return_val_if_fail (is_token (type) && is_proto (proto), NULL);

	self = media_alloc ();
	self->type = g_strdup (type);
	self->port = port;
	self->proto = g_strdup (proto);
	return self;
}

CfSdpMedia *
cf_sdp_media_copy (const CfSdpMedia *self)
{
	CfSdpMedia *copy;

	if (self == NULL)
		return NULL;
	copy = media_alloc ();
	copy->type = g_strdup (self->type);
	copy->port = self->port;
	copy->port_count = self->port_count;
	copy->proto = g_strdup (self->proto);
	g_ptr_array_unref (copy->formats);
	copy->formats = strings_copy (self->formats);
	copy->info = g_strdup (self->info);
	copy->connection = cf_sdp_connection_copy (self->connection);
	g_ptr_array_unref (copy->bandwidths);
	copy->bandwidths = bandwidths_copy (self->bandwidths);
	copy->key = g_strdup (self->key);
	cf_sdp_attributes_extend (&copy->attributes, &self->attributes);
	return copy;
}

void
cf_sdp_media_free (CfSdpMedia *self)
{
	if (self == NULL)
		return;
	g_free (self->type);
	g_free (self->proto);
	g_ptr_array_unref (self->formats);
	g_free (self->info);
	cf_sdp_connection_free (self->connection);
	g_ptr_array_unref (self->bandwidths);
	g_free (self->key);
	attributes_destroy (&self->attributes);
	g_free (self);
}

const char *
cf_sdp_media_get_media_type (const CfSdpMedia *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->type;
}

guint16
cf_sdp_media_get_port (const CfSdpMedia *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->port;
}

void
cf_sdp_media_set_port (CfSdpMedia *self, guint16 port)
{
	g_return_if_fail (self != NULL);
	self->port = port;
}

guint16
cf_sdp_media_get_port_count (const CfSdpMedia *self)
{
	g_return_val_if_fail (self != NULL, 1);
	return self->port_count;
}

void
cf_sdp_media_set_port_count (CfSdpMedia *self, guint16 count)
{
	g_return_if_fail (self != NULL);
	self->port_count = count == 0 ? 1 : count;
}

const char *
cf_sdp_media_get_proto (const CfSdpMedia *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->proto;
}

void
cf_sdp_media_set_proto (CfSdpMedia *self, const char *proto)
{
	g_return_if_fail (self != NULL && proto != NULL);
	g_free (self->proto);
	self->proto = g_strdup (proto);
}

gboolean
cf_sdp_media_is_rtp (const CfSdpMedia *self)
{
	g_auto (GStrv) parts = NULL;

	g_return_val_if_fail (self != NULL, FALSE);

	/* "RTP/AVP", "RTP/SAVPF", "UDP/TLS/RTP/SAVP", "TCP/TLS/RTP/AVPF"... */
	parts = g_strsplit (self->proto, "/", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		if (g_ascii_strcasecmp (parts[i], "RTP") == 0 && parts[i + 1] != NULL)
			return TRUE;
	}
	return FALSE;
}

gboolean
cf_sdp_media_is_rejected (const CfSdpMedia *self)
{
	g_return_val_if_fail (self != NULL, TRUE);
	return self->port == 0;
}

guint
cf_sdp_media_get_n_formats (const CfSdpMedia *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->formats->len;
}

const char *
cf_sdp_media_get_format (const CfSdpMedia *self, guint index)
{
	g_return_val_if_fail (self != NULL && index < self->formats->len, NULL);
	return g_ptr_array_index (self->formats, index);
}

gboolean
cf_sdp_media_has_format (const CfSdpMedia *self, const char *format)
{
	g_return_val_if_fail (self != NULL && format != NULL, FALSE);

	for (guint i = 0; i < self->formats->len; i++) {
		if (g_str_equal (g_ptr_array_index (self->formats, i), format))
			return TRUE;
	}
	return FALSE;
}

gboolean
cf_sdp_media_add_format (CfSdpMedia *self, const char *format)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (!is_token (format) || self->formats->len >= CF_SDP_MAX_FORMATS)
		return FALSE;
	if (!cf_sdp_media_has_format (self, format))
		g_ptr_array_add (self->formats, g_strdup (format));
	return TRUE;
}

void
cf_sdp_media_clear_formats (CfSdpMedia *self)
{
	g_return_if_fail (self != NULL);
	g_ptr_array_set_size (self->formats, 0);
}

const char *
cf_sdp_media_get_info (const CfSdpMedia *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->info;
}

void
cf_sdp_media_set_info (CfSdpMedia *self, const char *info)
{
	g_return_if_fail (self != NULL);
	g_return_if_fail (info == NULL || is_text (info));
	g_free (self->info);
	self->info = g_strdup (info);
}

const CfSdpConnection *
cf_sdp_media_get_connection (const CfSdpMedia *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->connection;
}

gboolean
cf_sdp_media_set_connection (CfSdpMedia *self, const CfSdpConnection *connection)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (connection != NULL && !connection_is_valid (connection))
		return FALSE;
	cf_sdp_connection_free (self->connection);
	self->connection = cf_sdp_connection_copy (connection);
	return TRUE;
}

gboolean
cf_sdp_media_get_bandwidth (const CfSdpMedia *self, const char *type, guint64 *ret_value)
{
	g_return_val_if_fail (self != NULL && type != NULL, FALSE);
	return bandwidths_get (self->bandwidths, type, ret_value);
}

void
cf_sdp_media_set_bandwidth (CfSdpMedia *self, const char *type, guint64 value)
{
	g_return_if_fail (self != NULL && is_token (type));
	bandwidths_set (self->bandwidths, type, value);
}

const char *
cf_sdp_media_get_key (const CfSdpMedia *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->key;
}

CfSdpAttributes *
cf_sdp_media_get_attributes (CfSdpMedia *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return &self->attributes;
}

const CfSdpAttributes *
cf_sdp_media_peek_attributes (const CfSdpMedia *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return &self->attributes;
}

/* The value of the first a=@name whose value starts with "<pt> "; the
 * returned pointer is just after that prefix, NULL when there is none. */
static const char *
media_lookup_pt_attribute (const CfSdpMedia *self,
			   const char *name,
			   guint pt,
			   const char **ret_full)
{
	char prefix[16];
	gsize prefix_len;

	prefix_len = (gsize)g_snprintf (prefix, sizeof prefix, "%u", pt);
	for (guint i = 0; i < self->attributes.items->len; i++) {
		const Attribute *a = attributes_index (&self->attributes, i);

		if (a->value == NULL || g_ascii_strcasecmp (a->name, name) != 0)
			continue;
		if (strncmp (a->value, prefix, prefix_len) != 0 || a->value[prefix_len] != ' ')
			continue;
		if (ret_full != NULL)
			*ret_full = a->value;
		return a->value + prefix_len + 1;
	}
	return NULL;
}

const char *
cf_sdp_media_get_fmtp (const CfSdpMedia *self, guint pt)
{
	const char *params;

	g_return_val_if_fail (self != NULL, NULL);

	params = media_lookup_pt_attribute (self, "fmtp", pt, NULL);
	if (params == NULL)
		return NULL;
	while (*params == ' ')
		params++;
	return params;
}

CfSdpCodec *
cf_sdp_media_get_codec (const CfSdpMedia *self, guint pt)
{
	const char *rtpmap = NULL;
	g_autoptr (CfSdpCodec) codec = NULL;
	char format[16];

	g_return_val_if_fail (self != NULL, NULL);

	g_snprintf (format, sizeof format, "%u", pt);
	if (pt > CF_SDP_PT_MAX || !cf_sdp_media_has_format (self, format))
		return NULL;

	if (media_lookup_pt_attribute (self, "rtpmap", pt, &rtpmap) != NULL) {
		g_autofree char *encoding = NULL;
		guint map_pt, clock_rate, channels;

		if (cf_sdp_codec_parse_rtpmap (rtpmap, &map_pt, &encoding, &clock_rate, &channels))
			codec = cf_sdp_codec_new (pt, encoding, clock_rate, channels, NULL);
		else
			g_debug ("ignoring malformed a=rtpmap for payload type %u", pt);
	}
	if (codec == NULL)
		codec = cf_sdp_codec_new_static (pt);
	if (codec == NULL)
		return NULL;
	codec->fmtp = g_strdup (cf_sdp_media_get_fmtp (self, pt));
	return g_steal_pointer (&codec);
}

GPtrArray *
cf_sdp_media_get_codecs (const CfSdpMedia *self)
{
	GPtrArray *codecs = g_ptr_array_new_with_free_func ((GDestroyNotify)cf_sdp_codec_free);

	g_return_val_if_fail (self != NULL, codecs);

	if (!cf_sdp_media_is_rtp (self))
		return codecs;
	for (guint i = 0; i < self->formats->len; i++) {
		CfSdpCodec *codec;
		guint pt;

		if (!cf_sdp_codec_parse_pt (g_ptr_array_index (self->formats, i), &pt))
			continue;
		codec = cf_sdp_media_get_codec (self, pt);
		if (codec != NULL)
			g_ptr_array_add (codecs, codec);
	}
	return codecs;
}

gboolean
cf_sdp_media_add_codec (CfSdpMedia *self, const CfSdpCodec *codec)
{
	char format[16];
	g_autofree char *rtpmap = NULL;

	g_return_val_if_fail (self != NULL && codec != NULL, FALSE);

	if (codec->pt > CF_SDP_PT_MAX || codec->clock_rate == 0 || !is_token (codec->encoding)
	    || strchr (codec->encoding, '/') != NULL
	    || (codec->fmtp != NULL && !is_text (codec->fmtp)))
		return FALSE;
	g_snprintf (format, sizeof format, "%u", codec->pt);
	if (!cf_sdp_media_add_format (self, format))
		return FALSE;
	rtpmap = cf_sdp_codec_to_rtpmap (codec);
	attributes_append (&self->attributes, "rtpmap", rtpmap);
	if (codec->fmtp != NULL) {
		g_autofree char *fmtp = g_strdup_printf ("%u %s", codec->pt, codec->fmtp);

		attributes_append (&self->attributes, "fmtp", fmtp);
	}
	return TRUE;
}

CfSdpDirection
cf_sdp_media_get_direction (const CfSdpMedia *self, CfSdpDirection session_default)
{
	CfSdpDirection direction;

	g_return_val_if_fail (self != NULL, session_default);

	if (cf_sdp_attributes_get_direction (&self->attributes, &direction))
		return direction;
	return session_default;
}

void
cf_sdp_media_set_direction (CfSdpMedia *self, CfSdpDirection direction)
{
	g_return_if_fail (self != NULL);
	cf_sdp_attributes_set_direction (&self->attributes, direction);
}

gboolean
cf_sdp_media_get_rtcp_mux (const CfSdpMedia *self)
{
	g_return_val_if_fail (self != NULL, FALSE);
	return cf_sdp_attributes_has (&self->attributes, "rtcp-mux");
}

void
cf_sdp_media_set_rtcp_mux (CfSdpMedia *self, gboolean rtcp_mux)
{
	g_return_if_fail (self != NULL);

	cf_sdp_attributes_remove (&self->attributes, "rtcp-mux");
	if (rtcp_mux)
		attributes_append (&self->attributes, "rtcp-mux", NULL);
}

guint
cf_sdp_media_get_ptime (const CfSdpMedia *self)
{
	const char *value;
	g_autofree char *integer = NULL;
	guint64 ptime;

	g_return_val_if_fail (self != NULL, 0);

	value = cf_sdp_attributes_lookup (&self->attributes, "ptime");
	if (value == NULL)
		return 0;
	/* RFC 8866 §6.4 allows a fraction ("20.5"): keep the whole milliseconds. */
	integer = g_strndup (value, strcspn (value, ". "));
	if (!parse_number (integer, 10000, &ptime))
		return 0;
	return (guint)ptime;
}

void
cf_sdp_media_set_ptime (CfSdpMedia *self, guint ptime)
{
	g_return_if_fail (self != NULL);

	cf_sdp_attributes_remove (&self->attributes, "ptime");
	if (ptime > 0) {
		g_autofree char *value = g_strdup_printf ("%u", ptime);

		attributes_append (&self->attributes, "ptime", value);
	}
}

const char *
cf_sdp_media_get_content (const CfSdpMedia *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return cf_sdp_attributes_lookup (&self->attributes, "content");
}

gboolean
cf_sdp_media_has_content (const CfSdpMedia *self, const char *content)
{
	const char *value;
	g_auto (GStrv) parts = NULL;

	g_return_val_if_fail (self != NULL && content != NULL, FALSE);

	value = cf_sdp_media_get_content (self);
	if (value == NULL)
		return FALSE;
	/* RFC 4796: a=content:mediacnt-tag *("," mediacnt-tag) */
	parts = g_strsplit (value, ",", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		if (g_ascii_strcasecmp (g_strstrip (parts[i]), content) == 0)
			return TRUE;
	}
	return FALSE;
}

void
cf_sdp_media_set_content (CfSdpMedia *self, const char *content)
{
	g_return_if_fail (self != NULL);
	g_return_if_fail (content == NULL || is_text (content));

	cf_sdp_attributes_remove (&self->attributes, "content");
	if (content != NULL)
		attributes_append (&self->attributes, "content", content);
}

/* ---- Sessions --------------------------------------------------------------- */

struct _CfSdpSession {
	char *username;
	char *session_id;
	guint64 version;
	CfSdpConnection *origin;
	char *name;
	char *info;
	char *uri;
	GPtrArray *emails;
	GPtrArray *phones;
	CfSdpConnection *connection;
	GPtrArray *bandwidths; /* (element-type Bandwidth) */
	GPtrArray *times;      /* (element-type Time) */
	char *zone;
	char *key;
	CfSdpAttributes attributes;
	GPtrArray *media; /* (element-type CfSdpMedia) */
};

static CfSdpSession *
session_alloc (void)
{
	CfSdpSession *self = g_new0 (CfSdpSession, 1);

	self->emails = g_ptr_array_new_with_free_func (g_free);
	self->phones = g_ptr_array_new_with_free_func (g_free);
	self->bandwidths = g_ptr_array_new_with_free_func (bandwidth_free);
	self->times = g_ptr_array_new_with_free_func (time_free);
	attributes_init (&self->attributes);
	self->media = g_ptr_array_new_with_free_func ((GDestroyNotify)cf_sdp_media_free);
	return self;
}

CfSdpSession *
cf_sdp_session_new (void)
{
	CfSdpSession *self = session_alloc ();

	self->username = g_strdup ("-");
	self->session_id = g_strdup ("0");
	self->origin = cf_sdp_connection_new ("IN", "IP4", "0.0.0.0");
	self->name = g_strdup ("-");
	g_ptr_array_add (self->times, time_new (0, 0));
	return self;
}

CfSdpSession *
cf_sdp_session_copy (const CfSdpSession *self)
{
	CfSdpSession *copy;

	if (self == NULL)
		return NULL;
	copy = session_alloc ();
	copy->username = g_strdup (self->username);
	copy->session_id = g_strdup (self->session_id);
	copy->version = self->version;
	copy->origin = cf_sdp_connection_copy (self->origin);
	copy->name = g_strdup (self->name);
	copy->info = g_strdup (self->info);
	copy->uri = g_strdup (self->uri);
	g_ptr_array_unref (copy->emails);
	copy->emails = strings_copy (self->emails);
	g_ptr_array_unref (copy->phones);
	copy->phones = strings_copy (self->phones);
	copy->connection = cf_sdp_connection_copy (self->connection);
	g_ptr_array_unref (copy->bandwidths);
	copy->bandwidths = bandwidths_copy (self->bandwidths);
	for (guint i = 0; i < self->times->len; i++) {
		const Time *t = g_ptr_array_index (self->times, i);
		Time *c = time_new (t->start, t->stop);

		g_ptr_array_unref (c->repeats);
		c->repeats = strings_copy (t->repeats);
		g_ptr_array_add (copy->times, c);
	}
	copy->zone = g_strdup (self->zone);
	copy->key = g_strdup (self->key);
	cf_sdp_attributes_extend (&copy->attributes, &self->attributes);
	for (guint i = 0; i < self->media->len; i++)
		g_ptr_array_add (copy->media,
				 cf_sdp_media_copy (g_ptr_array_index (self->media, i)));
	return copy;
}

void
cf_sdp_session_free (CfSdpSession *self)
{
	if (self == NULL)
		return;
	g_free (self->username);
	g_free (self->session_id);
	cf_sdp_connection_free (self->origin);
	g_free (self->name);
	g_free (self->info);
	g_free (self->uri);
	g_ptr_array_unref (self->emails);
	g_ptr_array_unref (self->phones);
	cf_sdp_connection_free (self->connection);
	g_ptr_array_unref (self->bandwidths);
	g_ptr_array_unref (self->times);
	g_free (self->zone);
	g_free (self->key);
	attributes_destroy (&self->attributes);
	g_ptr_array_unref (self->media);
	g_free (self);
}

const char *
cf_sdp_session_get_origin_username (const CfSdpSession *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->username;
}

const char *
cf_sdp_session_get_origin_session_id (const CfSdpSession *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->session_id;
}

guint64
cf_sdp_session_get_origin_version (const CfSdpSession *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->version;
}

const CfSdpConnection *
cf_sdp_session_get_origin_address (const CfSdpSession *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->origin;
}

gboolean
cf_sdp_session_set_origin (CfSdpSession *self,
			   const char *username,
			   const char *session_id,
			   guint64 version,
			   const CfSdpConnection *address)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (!is_non_ws_string (username) || !is_digits (session_id)
	    || strlen (session_id) > CF_SDP_MAX_SESSION_ID || !connection_is_valid (address))
		return FALSE;
	g_free (self->username);
	self->username = g_strdup (username);
	g_free (self->session_id);
	self->session_id = g_strdup (session_id);
	self->version = version;
	cf_sdp_connection_free (self->origin);
	self->origin = cf_sdp_connection_copy (address);
	return TRUE;
}

void
cf_sdp_session_set_origin_version (CfSdpSession *self, guint64 version)
{
	g_return_if_fail (self != NULL);
	self->version = version;
}

const char *
cf_sdp_session_get_name (const CfSdpSession *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->name;
}

void
cf_sdp_session_set_name (CfSdpSession *self, const char *name)
{
	g_return_if_fail (self != NULL && is_text (name));
	g_free (self->name);
	self->name = g_strdup (name);
}

const char *
cf_sdp_session_get_info (const CfSdpSession *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->info;
}

void
cf_sdp_session_set_info (CfSdpSession *self, const char *info)
{
	g_return_if_fail (self != NULL);
	g_return_if_fail (info == NULL || is_text (info));
	g_free (self->info);
	self->info = g_strdup (info);
}

const char *
cf_sdp_session_get_uri (const CfSdpSession *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->uri;
}

const GPtrArray *
cf_sdp_session_get_emails (const CfSdpSession *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->emails;
}

const GPtrArray *
cf_sdp_session_get_phones (const CfSdpSession *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->phones;
}

const CfSdpConnection *
cf_sdp_session_get_connection (const CfSdpSession *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->connection;
}

gboolean
cf_sdp_session_set_connection (CfSdpSession *self, const CfSdpConnection *connection)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (connection != NULL && !connection_is_valid (connection))
		return FALSE;
	cf_sdp_connection_free (self->connection);
	self->connection = cf_sdp_connection_copy (connection);
	return TRUE;
}

gboolean
cf_sdp_session_get_bandwidth (const CfSdpSession *self, const char *type, guint64 *ret_value)
{
	g_return_val_if_fail (self != NULL && type != NULL, FALSE);
	return bandwidths_get (self->bandwidths, type, ret_value);
}

void
cf_sdp_session_set_bandwidth (CfSdpSession *self, const char *type, guint64 value)
{
	g_return_if_fail (self != NULL && is_token (type));
	bandwidths_set (self->bandwidths, type, value);
}

guint
cf_sdp_session_get_n_times (const CfSdpSession *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->times->len;
}

void
cf_sdp_session_get_time (const CfSdpSession *self,
			 guint index,
			 guint64 *ret_start,
			 guint64 *ret_stop)
{
	const Time *t;

	g_return_if_fail (self != NULL && index < self->times->len);

	t = g_ptr_array_index (self->times, index);
	if (ret_start != NULL)
		*ret_start = t->start;
	if (ret_stop != NULL)
		*ret_stop = t->stop;
}

void
cf_sdp_session_set_time (CfSdpSession *self, guint64 start, guint64 stop)
{
	g_return_if_fail (self != NULL);
	g_ptr_array_set_size (self->times, 0);
	g_ptr_array_add (self->times, time_new (start, stop));
}

CfSdpAttributes *
cf_sdp_session_get_attributes (CfSdpSession *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return &self->attributes;
}

const CfSdpAttributes *
cf_sdp_session_peek_attributes (const CfSdpSession *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return &self->attributes;
}

CfSdpDirection
cf_sdp_session_get_direction (const CfSdpSession *self)
{
	CfSdpDirection direction;

	g_return_val_if_fail (self != NULL, CF_SDP_DIRECTION_SENDRECV);

	if (cf_sdp_attributes_get_direction (&self->attributes, &direction))
		return direction;
	return CF_SDP_DIRECTION_SENDRECV;
}

guint
cf_sdp_session_get_n_media (const CfSdpSession *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->media->len;
}

CfSdpMedia *
cf_sdp_session_get_media (CfSdpSession *self, guint index)
{
	g_return_val_if_fail (self != NULL && index < self->media->len, NULL);
	return g_ptr_array_index (self->media, index);
}

const CfSdpMedia *
cf_sdp_session_peek_media (const CfSdpSession *self, guint index)
{
	g_return_val_if_fail (self != NULL && index < self->media->len, NULL);
	return g_ptr_array_index (self->media, index);
}

gboolean
cf_sdp_session_add_media (CfSdpSession *self, CfSdpMedia *media)
{
	g_return_val_if_fail (self != NULL && media != NULL, FALSE);

	if (self->media->len >= CF_SDP_MAX_MEDIA) {
		cf_sdp_media_free (media);
		return FALSE;
	}
	g_ptr_array_add (self->media, media);
	return TRUE;
}

CfSdpDirection
cf_sdp_session_get_media_direction (const CfSdpSession *self, guint index)
{
	g_return_val_if_fail (self != NULL && index < self->media->len, CF_SDP_DIRECTION_INACTIVE);
	return cf_sdp_media_get_direction (g_ptr_array_index (self->media, index),
					   cf_sdp_session_get_direction (self));
}

const CfSdpConnection *
cf_sdp_session_get_media_connection (const CfSdpSession *self, guint index)
{
	const CfSdpMedia *media;

	g_return_val_if_fail (self != NULL && index < self->media->len, NULL);

	media = g_ptr_array_index (self->media, index);
	return media->connection != NULL ? media->connection : self->connection;
}

/* ---- Parser ---------------------------------------------------------------- */

typedef struct {
	CfSdpSession *session;
	CfSdpMedia *media; /* the section being parsed, or NULL at session level */
	guint line;	   /* 1-based, for messages */
	char last;	   /* type of the previous line */
	int stage;	   /* session-level progress, see rank () */
	gboolean seen_c;
	gboolean seen_t;
} Parser;

G_GNUC_PRINTF (4, 5)
static gboolean
parse_fail (Parser *p, GError **error, CfSdpError code, const char *format, ...)
{
	va_list args;
	g_autofree char *message = NULL;

	va_start (args, format);
	message = g_strdup_vprintf (format, args);
	va_end (args);
	g_set_error (error, CF_SDP_ERROR, code, "SDP line %u: %s", p->line, message);
	return FALSE;
}

/* Splits a structured value on runs of spaces; no empty fields. */
static GStrv
split_fields (const char *value)
{
	g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
	const char *p = value;

	while (*p != '\0') {
		g_autofree char *field = NULL;
		const char *start;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && *p != ' ')
			p++;
		field = g_strndup (start, (gsize)(p - start));
		g_strv_builder_add (builder, field);
	}
	return g_strv_builder_end (builder);
}

static CfSdpConnection *
parse_connection (Parser *p, const char *value, GError **error)
{
	g_auto (GStrv) f = split_fields (value);

	if (g_strv_length (f) != 3) {
		parse_fail (
			p, error, CF_SDP_ERROR_INVALID, "c= needs <nettype> <addrtype> <address>");
		return NULL;
	}
	if (!is_token (f[0]) || !is_token (f[1]) || !is_non_ws_string (f[2])) {
		parse_fail (p, error, CF_SDP_ERROR_INVALID, "malformed c= line");
		return NULL;
	}
	return cf_sdp_connection_new (f[0], f[1], f[2]);
}

static gboolean
parse_origin (Parser *p, const char *value, GError **error)
{
	g_auto (GStrv) f = split_fields (value);
	guint64 version;
	CfSdpSession *s = p->session;

	if (g_strv_length (f) != 6)
		return parse_fail (p,
				   error,
				   CF_SDP_ERROR_INVALID,
				   "o= needs <username> <sess-id> <sess-version> <nettype> "
				   "<addrtype> <address>");
	if (!is_non_ws_string (f[0]))
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "bad o= username");
	if (!is_digits (f[1]))
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "o= sess-id is not a number");
	if (strlen (f[1]) > CF_SDP_MAX_SESSION_ID)
		return parse_fail (p, error, CF_SDP_ERROR_LIMIT, "o= sess-id is too long");
	if (!parse_number (f[2], G_MAXUINT64, &version))
		return parse_fail (
			p, error, CF_SDP_ERROR_INVALID, "o= sess-version is not a 64-bit number");
	if (!is_token (f[3]) || !is_token (f[4]) || !is_non_ws_string (f[5]))
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "bad o= address");
	s->username = g_strdup (f[0]);
	s->session_id = g_strdup (f[1]);
	s->version = version;
	s->origin = cf_sdp_connection_new (f[3], f[4], f[5]);
	return TRUE;
}

static gboolean
parse_bandwidth (Parser *p, GPtrArray *bandwidths, const char *value, GError **error)
{
	const char *colon = strchr (value, ':');
	g_autofree char *type = NULL;
	g_autofree char *number = NULL;
	guint64 bw;

	if (bandwidths->len >= CF_SDP_MAX_BANDWIDTHS)
		return parse_fail (p, error, CF_SDP_ERROR_LIMIT, "too many b= lines");
	if (colon == NULL)
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "b= needs <bwtype>:<bandwidth>");
	type = g_strndup (value, (gsize)(colon - value));
	number = g_strdup (colon + 1);
	g_strchomp (number);
	if (!is_token (type))
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "bad b= type");
	if (!parse_number (number, G_MAXUINT64, &bw))
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "b= bandwidth is not a number");
	if (bandwidths_get (bandwidths, type, NULL))
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "repeated b=%s", type);
	bandwidths_set (bandwidths, type, bw);
	return TRUE;
}

static gboolean
parse_time (Parser *p, const char *value, GError **error)
{
	g_auto (GStrv) f = split_fields (value);
	guint64 start, stop;

	if (p->session->times->len >= CF_SDP_MAX_TIMES)
		return parse_fail (p, error, CF_SDP_ERROR_LIMIT, "too many t= lines");
	if (g_strv_length (f) != 2)
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "t= needs <start> <stop>");
	if (!parse_number (f[0], G_MAXUINT64, &start) || !parse_number (f[1], G_MAXUINT64, &stop))
		return parse_fail (
			p, error, CF_SDP_ERROR_INVALID, "t= times are not 64-bit numbers");
	g_ptr_array_add (p->session->times, time_new (start, stop));
	return TRUE;
}

static gboolean
parse_attribute (Parser *p, CfSdpAttributes *attributes, const char *value, GError **error)
{
	const char *colon = strchr (value, ':');
	g_autofree char *name = NULL;

	if (attributes->items->len >= CF_SDP_MAX_ATTRIBUTES)
		return parse_fail (p,
				   error,
				   CF_SDP_ERROR_LIMIT,
				   "more than %u attributes in a section",
				   CF_SDP_MAX_ATTRIBUTES);
	name = colon != NULL ? g_strndup (value, (gsize)(colon - value)) : g_strdup (value);
	/* A property attribute may carry stray trailing white space. */
	if (colon == NULL)
		g_strchomp (name);
	if (!is_token (name))
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "bad attribute name");
	attributes_append (attributes, name, colon != NULL ? colon + 1 : NULL);
	return TRUE;
}

static gboolean
parse_media_line (Parser *p, const char *value, GError **error)
{
	g_auto (GStrv) f = split_fields (value);
	g_autoptr (CfSdpMedia) media = NULL;
	g_autofree char *port_str = NULL;
	const char *slash;
	guint n = g_strv_length (f);
	guint64 port, count = 1;

	if (p->session->media->len >= CF_SDP_MAX_MEDIA)
		return parse_fail (p,
				   error,
				   CF_SDP_ERROR_LIMIT,
				   "more than %u media sections",
				   CF_SDP_MAX_MEDIA);
	if (n < 4)
		return parse_fail (p,
				   error,
				   CF_SDP_ERROR_INVALID,
				   "m= needs <media> <port> <proto> <fmt> ...");
	if (n - 3 > CF_SDP_MAX_FORMATS)
		return parse_fail (p,
				   error,
				   CF_SDP_ERROR_LIMIT,
				   "more than %u formats on an m= line",
				   CF_SDP_MAX_FORMATS);
	if (!is_token (f[0]))
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "bad media type");

	slash = strchr (f[1], '/');
	port_str = slash != NULL ? g_strndup (f[1], (gsize)(slash - f[1])) : g_strdup (f[1]);
	if (!parse_number (port_str, 65535, &port))
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "bad port '%s'", f[1]);
	if (slash != NULL && (!parse_number (slash + 1, 65535, &count) || count == 0))
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "bad port count '%s'", f[1]);
	if (!is_proto (f[2]))
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "bad transport protocol");

	media = cf_sdp_media_new (f[0], (guint16)port, f[2]);
	media->port_count = (guint16)count;
	for (guint i = 3; i < n; i++) {
		if (!is_token (f[i]))
			return parse_fail (p, error, CF_SDP_ERROR_INVALID, "bad format '%s'", f[i]);
		if (cf_sdp_media_has_format (media, f[i]))
			return parse_fail (
				p, error, CF_SDP_ERROR_INVALID, "format '%s' repeated", f[i]);
		g_ptr_array_add (media->formats, g_strdup (f[i]));
	}
	p->media = media;
	g_ptr_array_add (p->session->media, g_steal_pointer (&media));
	return TRUE;
}

static gboolean
parse_media_section_line (Parser *p, char type, const char *value, GError **error)
{
	CfSdpMedia *m = p->media;

	switch (type) {
	case 'm':
		return parse_media_line (p, value, error);
	case 'i':
		if (m->info != NULL)
			return parse_fail (p, error, CF_SDP_ERROR_INVALID, "repeated i= line");
		m->info = g_strdup (value);
		return TRUE;
	case 'c':
		if (m->connection != NULL)
			return parse_fail (p,
					   error,
					   CF_SDP_ERROR_INVALID,
					   "more than one c= line in a media section");
		m->connection = parse_connection (p, value, error);
		return m->connection != NULL;
	case 'b':
		return parse_bandwidth (p, m->bandwidths, value, error);
	case 'k':
		if (m->key != NULL)
			return parse_fail (p, error, CF_SDP_ERROR_INVALID, "repeated k= line");
		m->key = g_strdup (value);
		return TRUE;
	case 'a':
		return parse_attribute (p, &m->attributes, value, error);
	default:
		return parse_fail (p,
				   error,
				   CF_SDP_ERROR_INVALID,
				   "%c= is not allowed in a media section",
				   type);
	}
}

static gboolean
set_once (Parser *p, char **field, const char *value, char type, GError **error)
{
	if (*field != NULL)
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "repeated %c= line", type);
	*field = g_strdup (value);
	return TRUE;
}

static gboolean
parse_session_line (Parser *p, char type, char *value, GError **error)
{
	CfSdpSession *s = p->session;

	/* RFC 8866 §5: v, o and s come first in that order; c comes before
	 * t; t before z, k and the media sections. The other session-level
	 * lines may come anywhere after s. */
	if (p->stage == 0) {
		if (type != 'v')
			return parse_fail (p,
					   error,
					   CF_SDP_ERROR_INVALID,
					   "the description must start with v=");
		if (!g_str_equal (g_strchomp (value), "0"))
			return parse_fail (p,
					   error,
					   CF_SDP_ERROR_INVALID,
					   "unsupported SDP version '%s'",
					   value);
		p->stage = 1;
		return TRUE;
	}
	if (p->stage == 1) {
		if (type != 'o')
			return parse_fail (p, error, CF_SDP_ERROR_INVALID, "o= must follow v=");
		p->stage = 2;
		return parse_origin (p, value, error);
	}
	if (p->stage == 2) {
		if (type != 's')
			return parse_fail (p, error, CF_SDP_ERROR_INVALID, "s= must follow o=");
		p->stage = 3;
		s->name = g_strdup (value);
		return TRUE;
	}

	switch (type) {
	case 'v':
	case 'o':
	case 's':
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "repeated %c= line", type);
	case 'i':
		return set_once (p, &s->info, value, type, error);
	case 'u':
		return set_once (p, &s->uri, value, type, error);
	case 'e':
	case 'p': {
		GPtrArray *list = type == 'e' ? s->emails : s->phones;

		if (list->len >= CF_SDP_MAX_CONTACTS)
			return parse_fail (
				p, error, CF_SDP_ERROR_LIMIT, "too many %c= lines", type);
		g_ptr_array_add (list, g_strdup (value));
		return TRUE;
	}
	case 'c':
		if (p->seen_c)
			return parse_fail (p, error, CF_SDP_ERROR_INVALID, "repeated c= line");
		if (p->seen_t)
			return parse_fail (
				p, error, CF_SDP_ERROR_INVALID, "c= must come before t=");
		p->seen_c = TRUE;
		s->connection = parse_connection (p, value, error);
		return s->connection != NULL;
	case 'b':
		return parse_bandwidth (p, s->bandwidths, value, error);
	case 't':
		if (s->zone != NULL || s->key != NULL)
			return parse_fail (
				p, error, CF_SDP_ERROR_INVALID, "t= must come before z= and k=");
		p->seen_t = TRUE;
		return parse_time (p, value, error);
	case 'r': {
		Time *t;

		if (p->last != 't' && p->last != 'r')
			return parse_fail (p, error, CF_SDP_ERROR_INVALID, "r= must follow t=");
		t = g_ptr_array_index (s->times, s->times->len - 1);
		if (t->repeats->len >= CF_SDP_MAX_TIMES)
			return parse_fail (p, error, CF_SDP_ERROR_LIMIT, "too many r= lines");
		g_ptr_array_add (t->repeats, g_strdup (value));
		return TRUE;
	}
	case 'z':
		return set_once (p, &s->zone, value, type, error);
	case 'k':
		return set_once (p, &s->key, value, type, error);
	case 'a':
		return parse_attribute (p, &s->attributes, value, error);
	case 'm':
		return parse_media_line (p, value, error);
	default:
		/* unreachable: the caller checked the letter */
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "unknown line type '%c'", type);
	}
}

static gboolean
parse_line (Parser *p, const char *line, gsize len, GError **error)
{
	g_autofree char *value = NULL;
	char type;
	gboolean ok;

	if (len > CF_SDP_MAX_LINE_LENGTH)
		return parse_fail (p,
				   error,
				   CF_SDP_ERROR_LIMIT,
				   "line longer than %u bytes",
				   CF_SDP_MAX_LINE_LENGTH);
	if (memchr (line, '\0', len) != NULL || memchr (line, '\r', len) != NULL)
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "NUL or CR inside a line");
	if (len < 2 || line[1] != '=')
		return parse_fail (p, error, CF_SDP_ERROR_INVALID, "not a <type>=<value> line");
	type = line[0];
	if (type == '\0' || strchr ("vosiuepcbtrzkam", type) == NULL)
		return parse_fail (p,
				   error,
				   CF_SDP_ERROR_INVALID,
				   "unknown line type '%c'",
				   g_ascii_isprint (type) ? type : '?');

	value = g_strndup (line + 2, len - 2);
	if (p->media != NULL || (type == 'm' && p->stage < 3))
		ok = p->media != NULL
			     ? parse_media_section_line (p, type, value, error)
			     : parse_fail (
				     p, error, CF_SDP_ERROR_INVALID, "m= before v=, o= and s=");
	else
		ok = parse_session_line (p, type, value, error);
	p->last = type;
	return ok;
}

CfSdpSession *
cf_sdp_session_parse (const char *data, gsize len, GError **error)
{
	g_autoptr (CfSdpSession) session = NULL;
	Parser p = {0};
	gsize pos = 0;

	g_return_val_if_fail (data != NULL || len == 0, NULL);

	if (len > CF_SDP_MAX_SIZE) {
		g_set_error (error,
			     CF_SDP_ERROR,
			     CF_SDP_ERROR_LIMIT,
			     "SDP of %" G_GSIZE_FORMAT " bytes is larger than %u",
			     len,
			     CF_SDP_MAX_SIZE);
		return NULL;
	}

	session = session_alloc ();
	p.session = session;
	while (pos < len) {
		const char *line = data + pos;
		const char *nl = memchr (line, '\n', len - pos);
		gsize line_len = nl != NULL ? (gsize)(nl - line) : len - pos;

		pos += line_len + (nl != NULL ? 1 : 0);
		p.line++;
		if (line_len > 0 && line[line_len - 1] == '\r')
			line_len--;
		if (line_len == 0)
			continue;
		if (!parse_line (&p, line, line_len, error))
			return NULL;
	}
	if (p.stage < 3) {
		g_set_error_literal (error,
				     CF_SDP_ERROR,
				     CF_SDP_ERROR_INVALID,
				     p.stage == 0   ? "SDP has no v= line"
				     : p.stage == 1 ? "SDP has no o= line"
						    : "SDP has no s= line");
		return NULL;
	}
	/* t= is mandatory, but "t=0 0" is what every session without it means. */
	if (session->times->len == 0)
		g_ptr_array_add (session->times, time_new (0, 0));
	return g_steal_pointer (&session);
}

/* ---- Printer ---------------------------------------------------------------- */

static void
print_connection (GString *out, const CfSdpConnection *c)
{
	g_string_append_printf (out, "c=%s %s %s\r\n", c->nettype, c->addrtype, c->address);
}

static void
print_bandwidths (GString *out, const GPtrArray *bandwidths)
{
	for (guint i = 0; i < bandwidths->len; i++) {
		const Bandwidth *b = g_ptr_array_index (bandwidths, i);

		g_string_append_printf (out, "b=%s:%" G_GUINT64_FORMAT "\r\n", b->type, b->value);
	}
}

static void
print_attributes (GString *out, const CfSdpAttributes *attributes)
{
	for (guint i = 0; i < attributes->items->len; i++) {
		const Attribute *a = attributes_index (attributes, i);

		if (a->value != NULL)
			g_string_append_printf (out, "a=%s:%s\r\n", a->name, a->value);
		else
			g_string_append_printf (out, "a=%s\r\n", a->name);
	}
}

static void
print_media (GString *out, const CfSdpMedia *m)
{
	g_string_append_printf (out, "m=%s %u", m->type, m->port);
	if (m->port_count > 1)
		g_string_append_printf (out, "/%u", m->port_count);
	g_string_append_printf (out, " %s", m->proto);
	for (guint i = 0; i < m->formats->len; i++)
		g_string_append_printf (
			out, " %s", (const char *)g_ptr_array_index (m->formats, i));
	g_string_append (out, "\r\n");
	if (m->info != NULL)
		g_string_append_printf (out, "i=%s\r\n", m->info);
	if (m->connection != NULL)
		print_connection (out, m->connection);
	print_bandwidths (out, m->bandwidths);
	if (m->key != NULL)
		g_string_append_printf (out, "k=%s\r\n", m->key);
	print_attributes (out, &m->attributes);
}

char *
cf_sdp_session_print (const CfSdpSession *self)
{
	GString *out;

	g_return_val_if_fail (self != NULL, NULL);

	out = g_string_sized_new (512);
	g_string_append (out, "v=0\r\n");
	g_string_append_printf (out,
				"o=%s %s %" G_GUINT64_FORMAT " %s %s %s\r\n",
				self->username,
				self->session_id,
				self->version,
				self->origin->nettype,
				self->origin->addrtype,
				self->origin->address);
	g_string_append_printf (out, "s=%s\r\n", self->name);
	if (self->info != NULL)
		g_string_append_printf (out, "i=%s\r\n", self->info);
	if (self->uri != NULL)
		g_string_append_printf (out, "u=%s\r\n", self->uri);
	for (guint i = 0; i < self->emails->len; i++)
		g_string_append_printf (
			out, "e=%s\r\n", (const char *)g_ptr_array_index (self->emails, i));
	for (guint i = 0; i < self->phones->len; i++)
		g_string_append_printf (
			out, "p=%s\r\n", (const char *)g_ptr_array_index (self->phones, i));
	if (self->connection != NULL)
		print_connection (out, self->connection);
	print_bandwidths (out, self->bandwidths);
	if (self->times->len == 0)
		g_string_append (out, "t=0 0\r\n");
	for (guint i = 0; i < self->times->len; i++) {
		const Time *t = g_ptr_array_index (self->times, i);

		g_string_append_printf (out,
					"t=%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\r\n",
					t->start,
					t->stop);
		for (guint j = 0; j < t->repeats->len; j++)
			g_string_append_printf (
				out, "r=%s\r\n", (const char *)g_ptr_array_index (t->repeats, j));
	}
	if (self->zone != NULL)
		g_string_append_printf (out, "z=%s\r\n", self->zone);
	if (self->key != NULL)
		g_string_append_printf (out, "k=%s\r\n", self->key);
	print_attributes (out, &self->attributes);
	for (guint i = 0; i < self->media->len; i++)
		print_media (out, g_ptr_array_index (self->media, i));
	return g_string_free (out, FALSE);
}
