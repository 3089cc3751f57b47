/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-sdes"

#include <string.h>

#include <sodium.h>

#include "cf-sdes.h"

G_DEFINE_QUARK (cf - sdes - error - quark, cf_sdes_error)

struct _CfSdesCrypto {
	guint tag;
	CfSrtpSuite suite;
	guint8 key_salt[CF_SRTP_MAX_KEY_SALT_LENGTH];
	gsize key_salt_length;
	gboolean has_lifetime;
	gboolean lifetime_is_power; /* printed as 2^n */
	guint64 lifetime;
	gboolean has_mki;
	guint64 mki_value;
	guint mki_length;
	GStrv session_params; /* never NULL */
};

/* ---- Life cycle ---------------------------------------------------------- */

static gsize
suite_key_salt_length (CfSrtpSuite suite)
{
	return cf_srtp_suite_get_key_length (suite) + cf_srtp_suite_get_salt_length (suite);
}

/* The suites SDES keys: the AES-256 ones (RFC 6188) are for ZRTP's AES3. */
static gboolean
suite_is_valid (CfSrtpSuite suite)
{
	return suite == CF_SRTP_SUITE_AEAD_AES_128_GCM || suite == CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80
	       || suite == CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32;
}

static CfSdesCrypto *
crypto_alloc (guint tag, CfSrtpSuite suite)
{
	CfSdesCrypto *self = g_new0 (CfSdesCrypto, 1);

	self->tag = tag;
	self->suite = suite;
	self->session_params = g_new0 (char *, 1);
	return self;
}

void
cf_sdes_crypto_free (CfSdesCrypto *self)
{
	if (self == NULL)
		return;
	g_strfreev (self->session_params);
	sodium_memzero (self, sizeof (*self));
	g_free (self);
}

void
cf_sdes_secret_free (char *secret)
{
	if (secret == NULL)
		return;
	sodium_memzero (secret, strlen (secret));
	g_free (secret);
}

CfSdesCrypto *
cf_sdes_crypto_new (
	guint tag, CfSrtpSuite suite, const guint8 *key_salt, gsize key_salt_length, GError **error)
{
	CfSdesCrypto *self;

	if (tag > CF_SDES_MAX_TAG) {
		g_set_error (error,
			     CF_SDES_ERROR,
			     CF_SDES_ERROR_INVALID,
			     "Crypto tag %u too large",
			     tag);
		return NULL;
	}
	if (!suite_is_valid (suite)) {
		g_set_error (error,
			     CF_SDES_ERROR,
			     CF_SDES_ERROR_UNKNOWN_SUITE,
			     "Unknown crypto suite %d",
			     (int)suite);
		return NULL;
	}
	if (key_salt == NULL || key_salt_length != suite_key_salt_length (suite)) {
		g_set_error (error,
			     CF_SDES_ERROR,
			     CF_SDES_ERROR_KEY_LENGTH,
			     "%s needs %" G_GSIZE_FORMAT " bytes of key and salt",
			     cf_srtp_suite_to_string (suite),
			     suite_key_salt_length (suite));
		return NULL;
	}
	self = crypto_alloc (tag, suite);
	memcpy (self->key_salt, key_salt, key_salt_length);
	self->key_salt_length = key_salt_length;
	return self;
}

static gpointer
init_sodium (gpointer data)
{
	return GINT_TO_POINTER (sodium_init () >= 0);
}

CfSdesCrypto *
cf_sdes_crypto_generate (guint tag, CfSrtpSuite suite, GError **error)
{
	static GOnce once = G_ONCE_INIT;
	guint8 key_salt[CF_SRTP_MAX_KEY_SALT_LENGTH];
	CfSdesCrypto *self;

	g_once (&once, init_sodium, NULL);
	if (!GPOINTER_TO_INT (once.retval)) {
		g_set_error_literal (error,
				     CF_SDES_ERROR,
				     CF_SDES_ERROR_RANDOM,
				     "libsodium could not be initialised");
		return NULL;
	}
	if (!suite_is_valid (suite)) {
		g_set_error (error,
			     CF_SDES_ERROR,
			     CF_SDES_ERROR_UNKNOWN_SUITE,
			     "Unknown crypto suite %d",
			     (int)suite);
		return NULL;
	}
	randombytes_buf (key_salt, suite_key_salt_length (suite));
	self = cf_sdes_crypto_new (tag, suite, key_salt, suite_key_salt_length (suite), error);
	sodium_memzero (key_salt, sizeof (key_salt));
	return self;
}

CfSdesCrypto *
cf_sdes_crypto_copy (const CfSdesCrypto *self)
{
	CfSdesCrypto *copy;

	g_return_val_if_fail (self != NULL, NULL);
	copy = g_new0 (CfSdesCrypto, 1);
	memcpy (copy, self, sizeof (*copy));
	copy->session_params = g_strdupv (self->session_params);
	return copy;
}

/* ---- Accessors ----------------------------------------------------------- */

guint
cf_sdes_crypto_get_tag (const CfSdesCrypto *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->tag;
}

CfSrtpSuite
cf_sdes_crypto_get_suite (const CfSdesCrypto *self)
{
	g_return_val_if_fail (self != NULL, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80);
	return self->suite;
}

const guint8 *
cf_sdes_crypto_get_key_salt (const CfSdesCrypto *self, gsize *ret_length)
{
	g_return_val_if_fail (self != NULL, NULL);
	if (ret_length != NULL)
		*ret_length = self->key_salt_length;
	return self->key_salt;
}

gboolean
cf_sdes_crypto_get_lifetime (const CfSdesCrypto *self, guint64 *ret_lifetime)
{
	g_return_val_if_fail (self != NULL, FALSE);
	if (!self->has_lifetime)
		return FALSE;
	if (ret_lifetime != NULL)
		*ret_lifetime = self->lifetime;
	return TRUE;
}

gboolean
cf_sdes_crypto_set_lifetime (CfSdesCrypto *self, guint64 lifetime, GError **error)
{
	g_return_val_if_fail (self != NULL, FALSE);
	if (lifetime > CF_SDES_MAX_LIFETIME) {
		g_set_error_literal (error,
				     CF_SDES_ERROR,
				     CF_SDES_ERROR_LIMIT,
				     "Key lifetime above 2^48 packets");
		return FALSE;
	}
	self->has_lifetime = lifetime != 0;
	self->lifetime = lifetime;
	self->lifetime_is_power = lifetime != 0 && (lifetime & (lifetime - 1)) == 0;
	return TRUE;
}

gboolean
cf_sdes_crypto_get_mki (const CfSdesCrypto *self, guint64 *ret_value, guint *ret_length)
{
	g_return_val_if_fail (self != NULL, FALSE);
	if (!self->has_mki)
		return FALSE;
	if (ret_value != NULL)
		*ret_value = self->mki_value;
	if (ret_length != NULL)
		*ret_length = self->mki_length;
	return TRUE;
}

gboolean
cf_sdes_crypto_get_mki_bytes (const CfSdesCrypto *self,
			      guint8 *buffer,
			      gsize size,
			      gsize *ret_length)
{
	guint64 value;

	g_return_val_if_fail (self != NULL, FALSE);
	if (!self->has_mki || buffer == NULL || size < self->mki_length)
		return FALSE;
	value = self->mki_value;
	for (guint i = self->mki_length; i > 0; i--) {
		buffer[i - 1] = (guint8)(value & 0xff);
		value >>= 8;
	}
	if (ret_length != NULL)
		*ret_length = self->mki_length;
	return TRUE;
}

const char *const *
cf_sdes_crypto_get_session_params (const CfSdesCrypto *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return (const char *const *)self->session_params;
}

/* ---- Parsing (RFC 4568 §9) ------------------------------------------ */

/* A piece of the value being parsed: never copied, so the key in base64
 * never lands in a heap string that would not be wiped. */
typedef struct {
	const char *start;
	gsize length;
} Span;

static gboolean
is_wsp (char c)
{
	return c == ' ' || c == '\t';
}

/* VCHAR = %x21-7E */
static gboolean
is_vchar (char c)
{
	return (guchar)c >= 0x21 && (guchar)c <= 0x7e;
}

static gboolean
span_is_digits (Span s)
{
	if (s.length == 0)
		return FALSE;
	for (gsize i = 0; i < s.length; i++) {
		if (!g_ascii_isdigit (s.start[i]))
			return FALSE;
	}
	return TRUE;
}

/* Parses 1*DIGIT of at most @max_digits digits whose value is at most @max. */
static gboolean
span_parse_uint (Span s, guint max_digits, guint64 max, guint64 *ret_value)
{
	guint64 value = 0;

	if (!span_is_digits (s) || s.length > max_digits)
		return FALSE;
	for (gsize i = 0; i < s.length; i++) {
		guint digit = (guint)(s.start[i] - '0');

		if (value > (G_MAXUINT64 - digit) / 10)
			return FALSE;
		value = value * 10 + digit;
	}
	if (value > max)
		return FALSE;
	*ret_value = value;
	return TRUE;
}

/* Splits @s at the first @sep: TRUE and the two parts if there is one. */
static gboolean
span_split (Span s, char sep, Span *ret_before, Span *ret_after)
{
	const char *p = memchr (s.start, sep, s.length);

	if (p == NULL)
		return FALSE;
	ret_before->start = s.start;
	ret_before->length = (gsize)(p - s.start);
	ret_after->start = p + 1;
	ret_after->length = s.length - ret_before->length - 1;
	return TRUE;
}

static gboolean
span_equal_ci (Span s, const char *literal)
{
	return strlen (literal) == s.length
	       && g_ascii_strncasecmp (s.start, literal, s.length) == 0;
}

static gboolean
is_base64_char (char c)
{
	return g_ascii_isalnum (c) || c == '+' || c == '/';
}

/* key-salt: base64 (RFC 4648 §4), strictly: the alphabet, then no padding,
 * or the exact padding for the length. The decoded length must be the
 * suite's. */
static gboolean
parse_key_salt (CfSdesCrypto *self, Span s, GError **error)
{
	const gsize expected = suite_key_salt_length (self->suite);
	gsize chars = 0;
	gsize padding = 0;
	gsize decoded;
	gsize bin_length = 0;
	const char *end = NULL;
	int variant;

	while (chars < s.length && is_base64_char (s.start[chars]))
		chars++;
	while (chars + padding < s.length && s.start[chars + padding] == '=')
		padding++;
	if (chars + padding != s.length || chars == 0 || padding > 2
	    || (padding > 0 && (chars + padding) % 4 != 0) || chars % 4 == 1) {
		g_set_error_literal (error,
				     CF_SDES_ERROR,
				     CF_SDES_ERROR_INVALID,
				     "Key and salt are not valid base64");
		return FALSE;
	}
	decoded = chars / 4 * 3 + (chars % 4 == 0 ? 0 : chars % 4 - 1);
	if (decoded != expected) {
		g_set_error (error,
			     CF_SDES_ERROR,
			     CF_SDES_ERROR_KEY_LENGTH,
			     "%s needs %" G_GSIZE_FORMAT
			     " bytes of key and salt, not %" G_GSIZE_FORMAT,
			     cf_srtp_suite_to_string (self->suite),
			     expected,
			     decoded);
		return FALSE;
	}
	/* libsodium's decoder is strict: padding must match the length
	 * exactly and the unused bits of the last character must be zero. */
	variant = (chars + padding) % 4 == 0 ? sodium_base64_VARIANT_ORIGINAL
					     : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
	if (sodium_base642bin (self->key_salt,
			       sizeof (self->key_salt),
			       s.start,
			       s.length,
			       NULL,
			       &bin_length,
			       &end,
			       variant)
		    != 0
	    || end != s.start + s.length || bin_length != expected) {
		sodium_memzero (self->key_salt, sizeof (self->key_salt));
		g_set_error_literal (error,
				     CF_SDES_ERROR,
				     CF_SDES_ERROR_INVALID,
				     "Key and salt are not valid base64");
		return FALSE;
	}
	self->key_salt_length = bin_length;
	return TRUE;
}

/* lifetime = ["2^"] 1*(DIGIT), at most 2^48 (RFC 4568 §6.2.1, RFC 7714 §14.1) */
static gboolean
parse_lifetime (CfSdesCrypto *self, Span s, GError **error)
{
	guint64 value;

	if (s.length >= 2 && s.start[0] == '2' && s.start[1] == '^') {
		Span exponent = {s.start + 2, s.length - 2};

		if (!span_parse_uint (exponent, 3, 48, &value)) {
			g_set_error_literal (error,
					     CF_SDES_ERROR,
					     span_is_digits (exponent) ? CF_SDES_ERROR_LIMIT
								       : CF_SDES_ERROR_INVALID,
					     "Invalid key lifetime: not 2^0 to 2^48");
			return FALSE;
		}
		self->lifetime = G_GUINT64_CONSTANT (1) << value;
		self->lifetime_is_power = TRUE;
	} else {
		if (!span_is_digits (s)) {
			g_set_error_literal (error,
					     CF_SDES_ERROR,
					     CF_SDES_ERROR_INVALID,
					     "Invalid key lifetime");
			return FALSE;
		}
		if (!span_parse_uint (s, 20, CF_SDES_MAX_LIFETIME, &value)) {
			g_set_error_literal (error,
					     CF_SDES_ERROR,
					     CF_SDES_ERROR_LIMIT,
					     "Key lifetime above 2^48 packets");
			return FALSE;
		}
		if (value == 0) {
			g_set_error_literal (error,
					     CF_SDES_ERROR,
					     CF_SDES_ERROR_INVALID,
					     "Key lifetime of 0 packets");
			return FALSE;
		}
		self->lifetime = value;
		self->lifetime_is_power = FALSE;
	}
	self->has_lifetime = TRUE;
	return TRUE;
}

/* mki = mki-value ":" mki-length; mki-value = 1*DIGIT, mki-length = 1*3DIGIT
 * (1..128 bytes, RFC 4568 §6.1). */
static gboolean
parse_mki (CfSdesCrypto *self, Span s, GError **error)
{
	Span value_span, length_span;
	guint64 value, length;

	if (!span_split (s, ':', &value_span, &length_span) || !span_is_digits (value_span)
	    || !span_is_digits (length_span)) {
		g_set_error_literal (error, CF_SDES_ERROR, CF_SDES_ERROR_INVALID, "Invalid MKI");
		return FALSE;
	}
	/* mki-length = 1*3DIGIT, 1..128 */
	if (length_span.length > 3 || !span_parse_uint (length_span, 3, G_MAXUINT64, &length)
	    || length == 0 || length > CF_SRTP_MAX_MKI_LENGTH) {
		g_set_error_literal (error,
				     CF_SDES_ERROR,
				     CF_SDES_ERROR_INVALID,
				     "Invalid MKI length: not 1 to 128 bytes");
		return FALSE;
	}
	if (!span_parse_uint (value_span, 128, G_MAXUINT64, &value)
	    || (length < 8 && value >> (8 * length) != 0)) {
		g_set_error_literal (error,
				     CF_SDES_ERROR,
				     CF_SDES_ERROR_LIMIT,
				     "MKI value does not fit its length (or 64 bits)");
		return FALSE;
	}
	self->has_mki = TRUE;
	self->mki_value = value;
	self->mki_length = (guint)length;
	return TRUE;
}

/* key-params = key-param *(";" key-param); key-param = key-method ":" key-info;
 * srtp-key-info = key-salt ["|" lifetime] ["|" mki] */
static gboolean
parse_key_params (CfSdesCrypto *self, Span s, GError **error)
{
	Span method, info, fields[3];
	guint n_fields = 0;

	for (gsize i = 0; i < s.length; i++) {
		/* key-info = 1*(%x21-3A / %x3C-7E): no ';' */
		if (s.start[i] == ';') {
			g_set_error_literal (error,
					     CF_SDES_ERROR,
					     i + 1 < s.length ? CF_SDES_ERROR_UNSUPPORTED
							      : CF_SDES_ERROR_INVALID,
					     i + 1 < s.length ? "Several keys on one crypto line"
							      : "Empty key parameter");
			return FALSE;
		}
	}
	if (!span_split (s, ':', &method, &info) || method.length == 0) {
		g_set_error_literal (error,
				     CF_SDES_ERROR,
				     CF_SDES_ERROR_INVALID,
				     "Key parameter without a key method");
		return FALSE;
	}
	if (!span_equal_ci (method, "inline")) {
		g_set_error_literal (error,
				     CF_SDES_ERROR,
				     CF_SDES_ERROR_UNSUPPORTED,
				     "Key method other than inline");
		return FALSE;
	}
	/* at most key-salt, lifetime and MKI */
	fields[0] = info;
	n_fields = 1;
	while (n_fields < G_N_ELEMENTS (fields)) {
		Span before, after;

		if (!span_split (fields[n_fields - 1], '|', &before, &after))
			break;
		fields[n_fields - 1] = before;
		fields[n_fields++] = after;
	}
	if (memchr (fields[n_fields - 1].start, '|', fields[n_fields - 1].length) != NULL) {
		g_set_error_literal (error,
				     CF_SDES_ERROR,
				     CF_SDES_ERROR_INVALID,
				     "Too many fields in the inline key");
		return FALSE;
	}
	if (!parse_key_salt (self, fields[0], error))
		return FALSE;
	if (n_fields == 3) {
		if (!parse_lifetime (self, fields[1], error))
			return FALSE;
		if (!parse_mki (self, fields[2], error))
			return FALSE;
	} else if (n_fields == 2) {
		/* one optional field: an MKI has a ':', a lifetime has none */
		if (memchr (fields[1].start, ':', fields[1].length) != NULL) {
			if (!parse_mki (self, fields[1], error))
				return FALSE;
		} else if (!parse_lifetime (self, fields[1], error)) {
			return FALSE;
		}
	}
	return TRUE;
}

/* crypto-suite = 1*(ALPHA / DIGIT / "_") */
static gboolean
parse_suite (CfSdesCrypto *self, Span s, GError **error)
{
	char name[64];

	for (gsize i = 0; i < s.length; i++) {
		if (!g_ascii_isalnum (s.start[i]) && s.start[i] != '_') {
			g_set_error_literal (error,
					     CF_SDES_ERROR,
					     CF_SDES_ERROR_INVALID,
					     "Invalid crypto suite name");
			return FALSE;
		}
	}
	if (s.length == 0 || s.length >= sizeof (name)) {
		g_set_error_literal (error,
				     CF_SDES_ERROR,
				     s.length == 0 ? CF_SDES_ERROR_INVALID
						   : CF_SDES_ERROR_UNKNOWN_SUITE,
				     "Unknown crypto suite");
		return FALSE;
	}
	memcpy (name, s.start, s.length);
	name[s.length] = '\0';
	if (!cf_srtp_suite_from_string (name, &self->suite) || !suite_is_valid (self->suite)) {
		g_set_error (error,
			     CF_SDES_ERROR,
			     CF_SDES_ERROR_UNKNOWN_SUITE,
			     "Unknown crypto suite %s",
			     name);
		return FALSE;
	}
	return TRUE;
}

CfSdesCrypto *
cf_sdes_crypto_parse (const char *value, GError **error)
{
	g_autoptr (CfSdesCrypto) self = NULL;
	g_autoptr (GPtrArray) params = NULL;
	Span fields[3];
	guint n_fields = 0;
	gsize length;
	guint64 tag;
	const char *p;

	g_return_val_if_fail (value != NULL, NULL);

	length = strnlen (value, CF_SDES_MAX_LENGTH + 1);
	if (length > CF_SDES_MAX_LENGTH) {
		g_set_error (error,
			     CF_SDES_ERROR,
			     CF_SDES_ERROR_LIMIT,
			     "Crypto attribute longer than %d bytes",
			     CF_SDES_MAX_LENGTH);
		return NULL;
	}
	for (gsize i = 0; i < length; i++) {
		if (!is_vchar (value[i]) && !is_wsp (value[i])) {
			g_set_error_literal (error,
					     CF_SDES_ERROR,
					     CF_SDES_ERROR_INVALID,
					     "Control character in crypto attribute");
			return NULL;
		}
	}

	self = crypto_alloc (0, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80);
	params = g_ptr_array_new_with_free_func (g_free);

	/* tag 1*WSP crypto-suite 1*WSP key-params *(1*WSP session-param) */
	p = value;
	while (TRUE) {
		Span field;

		while (is_wsp (*p))
			p++;
		if (*p == '\0')
			break;
		field.start = p;
		while (*p != '\0' && !is_wsp (*p))
			p++;
		field.length = (gsize)(p - field.start);
		if (n_fields < G_N_ELEMENTS (fields)) {
			fields[n_fields++] = field;
			continue;
		}
		if (params->len >= CF_SDES_MAX_SESSION_PARAMS) {
			g_set_error (error,
				     CF_SDES_ERROR,
				     CF_SDES_ERROR_LIMIT,
				     "More than %d session parameters",
				     CF_SDES_MAX_SESSION_PARAMS);
			return NULL;
		}
		g_ptr_array_add (params, g_strndup (field.start, field.length));
	}
	if (n_fields < G_N_ELEMENTS (fields)) {
		g_set_error_literal (error,
				     CF_SDES_ERROR,
				     CF_SDES_ERROR_INVALID,
				     "Crypto attribute needs a tag, a suite and key parameters");
		return NULL;
	}
	if (!span_parse_uint (fields[0], 9, CF_SDES_MAX_TAG, &tag)) {
		g_set_error_literal (error,
				     CF_SDES_ERROR,
				     CF_SDES_ERROR_INVALID,
				     "Invalid crypto tag (1 to 9 digits)");
		return NULL;
	}
	self->tag = (guint)tag;
	if (!parse_suite (self, fields[1], error))
		return NULL;
	if (!parse_key_params (self, fields[2], error))
		return NULL;

	g_ptr_array_add (params, NULL);
	g_strfreev (self->session_params);
	self->session_params = (GStrv)g_ptr_array_steal (params, NULL);
	return g_steal_pointer (&self);
}

/* ---- Printing ------------------------------------------------------------ */

static guint
power_of_two_exponent (guint64 value)
{
	guint n = 0;

	while (value > 1) {
		value >>= 1;
		n++;
	}
	return n;
}

char *
cf_sdes_crypto_print (const CfSdesCrypto *self)
{
	char b64[sodium_base64_ENCODED_LEN (CF_SRTP_MAX_KEY_SALT_LENGTH,
					    sodium_base64_VARIANT_ORIGINAL)];
	gsize size = 128;
	GString *out;

	g_return_val_if_fail (self != NULL, NULL);

	/* sized once, so that no reallocation leaves a copy of the key behind */
	for (guint i = 0; self->session_params[i] != NULL; i++)
		size += strlen (self->session_params[i]) + 1;
	out = g_string_sized_new (size);

	sodium_bin2base64 (b64,
			   sizeof (b64),
			   self->key_salt,
			   self->key_salt_length,
			   sodium_base64_VARIANT_ORIGINAL);
	/* appended directly: a printf would format the key into a temporary
	 * heap string and free it unwiped */
	g_string_append_printf (
		out, "%u %s inline:", self->tag, cf_srtp_suite_to_string (self->suite));
	g_string_append (out, b64);
	sodium_memzero (b64, sizeof (b64));
	if (self->has_lifetime) {
		if (self->lifetime_is_power)
			g_string_append_printf (
				out, "|2^%u", power_of_two_exponent (self->lifetime));
		else
			g_string_append_printf (out, "|%" G_GUINT64_FORMAT, self->lifetime);
	}
	if (self->has_mki)
		g_string_append_printf (
			out, "|%" G_GUINT64_FORMAT ":%u", self->mki_value, self->mki_length);
	for (guint i = 0; self->session_params[i] != NULL; i++) {
		g_string_append_c (out, ' ');
		g_string_append (out, self->session_params[i]);
	}
	return g_string_free (out, FALSE);
}

/* ---- Offer / answer ------------------------------------------------------ */

gboolean
cf_sdes_crypto_is_acceptable (const CfSdesCrypto *self, GError **error)
{
	g_return_val_if_fail (self != NULL, FALSE);

	for (guint i = 0; self->session_params[i] != NULL; i++) {
		const char *param = self->session_params[i];

		/* RFC 4568: '-' marks a parameter that may be ignored */
		if (param[0] == '-')
			continue;
		if (g_ascii_strncasecmp (param, "KDR=", 4) == 0) {
			const char *v = param + 4;

			/* kdr = "KDR=" 1*2(DIGIT); only 0 (never re-derive) */
			if (v[0] != '\0' && strspn (v, "0") == strlen (v) && strlen (v) <= 2)
				continue;
			g_set_error_literal (error,
					     CF_SDES_ERROR,
					     CF_SDES_ERROR_UNSUPPORTED,
					     "Key derivation rate other than 0");
			return FALSE;
		}
		/* window size hint, FEC: nothing to do without FEC */
		if (g_ascii_strncasecmp (param, "WSH=", 4) == 0
		    || g_ascii_strncasecmp (param, "FEC_ORDER=", 10) == 0
		    || g_ascii_strncasecmp (param, "FEC_KEY=", 8) == 0)
			continue;
		/* UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP, UNAUTHENTICATED_SRTP and
		 * unknown mandatory parameters */
		g_set_error (error,
			     CF_SDES_ERROR,
			     CF_SDES_ERROR_UNSUPPORTED,
			     "Unsupported session parameter %s",
			     param);
		return FALSE;
	}
	return TRUE;
}

/* Lower is better. */
static guint
suite_rank (CfSrtpSuite suite)
{
	switch (suite) {
	case CF_SRTP_SUITE_AEAD_AES_128_GCM:
		return 0;
	case CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80:
		return 1;
	case CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32:
		return 2;
	default:
		return G_MAXUINT;
	}
}

gboolean
cf_sdes_select (const char *const *offered,
		CfSdesCrypto **ret_remote,
		CfSdesCrypto **ret_local,
		guint *ret_index,
		GError **error)
{
	g_autoptr (CfSdesCrypto) best = NULL;
	g_autoptr (CfSdesCrypto) local = NULL;
	guint best_index = 0;

	for (guint i = 0; offered != NULL && offered[i] != NULL && i < CF_SDES_MAX_OFFERED; i++) {
		g_autoptr (GError) local_error = NULL;
		g_autoptr (CfSdesCrypto) crypto = cf_sdes_crypto_parse (offered[i], &local_error);

		if (crypto == NULL || !cf_sdes_crypto_is_acceptable (crypto, &local_error)) {
			g_debug ("Skipping offered crypto line %u: %s", i, local_error->message);
			continue;
		}
		if (best == NULL || suite_rank (crypto->suite) < suite_rank (best->suite)) {
			cf_sdes_crypto_free (best);
			best = g_steal_pointer (&crypto);
			best_index = i;
		}
	}
	if (best == NULL) {
		g_set_error_literal (error,
				     CF_SDES_ERROR,
				     CF_SDES_ERROR_NOT_ACCEPTABLE,
				     "No acceptable SRTP crypto line in the offer");
		return FALSE;
	}
	local = cf_sdes_crypto_generate (best->tag, best->suite, error);
	if (local == NULL)
		return FALSE;
	if (ret_remote != NULL)
		*ret_remote = g_steal_pointer (&best);
	if (ret_local != NULL)
		*ret_local = g_steal_pointer (&local);
	if (ret_index != NULL)
		*ret_index = best_index;
	return TRUE;
}

gboolean
cf_sdes_find_answered (CfSdesCrypto *const *offers,
		       guint n_offers,
		       const char *answer,
		       CfSdesCrypto **ret_answer,
		       guint *ret_index,
		       GError **error)
{
	g_autoptr (CfSdesCrypto) crypto = NULL;

	g_return_val_if_fail (offers != NULL || n_offers == 0, FALSE);
	g_return_val_if_fail (answer != NULL, FALSE);

	crypto = cf_sdes_crypto_parse (answer, error);
	if (crypto == NULL) {
		g_prefix_error_literal (error, "Answer's crypto line: ");
		return FALSE;
	}
	if (!cf_sdes_crypto_is_acceptable (crypto, error)) {
		g_prefix_error_literal (error, "Answer's crypto line: ");
		return FALSE;
	}
	for (guint i = 0; i < n_offers; i++) {
		if (offers[i] == NULL || offers[i]->tag != crypto->tag)
			continue;
		if (offers[i]->suite != crypto->suite) {
			g_set_error (error,
				     CF_SDES_ERROR,
				     CF_SDES_ERROR_NO_MATCH,
				     "Answer's crypto line %u has suite %s, the offer's has %s",
				     crypto->tag,
				     cf_srtp_suite_to_string (crypto->suite),
				     cf_srtp_suite_to_string (offers[i]->suite));
			return FALSE;
		}
		if (ret_answer != NULL)
			*ret_answer = g_steal_pointer (&crypto);
		if (ret_index != NULL)
			*ret_index = i;
		return TRUE;
	}
	g_set_error (error,
		     CF_SDES_ERROR,
		     CF_SDES_ERROR_NO_MATCH,
		     "Answer's crypto tag %u was not offered",
		     crypto->tag);
	return FALSE;
}

CfSrtpSession *
cf_sdes_crypto_new_srtp_session (const CfSdesCrypto *self,
				 CfSrtpDirection direction,
				 GError **error)
{
	guint8 mki[CF_SRTP_MAX_MKI_LENGTH];
	gsize mki_length = 0;

	g_return_val_if_fail (self != NULL, NULL);
	if (self->has_mki)
		cf_sdes_crypto_get_mki_bytes (self, mki, sizeof (mki), &mki_length);
	return cf_srtp_session_new (direction,
				    self->suite,
				    self->key_salt,
				    self->key_salt_length,
				    mki_length > 0 ? mki : NULL,
				    mki_length,
				    error);
}
