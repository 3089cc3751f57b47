/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-srtp"

#include <string.h>

#include <srtp2/srtp.h>

#include "cf-srtp.h"

G_DEFINE_QUARK (cf - srtp - error - quark, cf_srtp_error)

/* ---- Suites ----------------------------------------------------------------- */

typedef struct {
	const char *name;
	gsize key_length;
	gsize salt_length;
	gsize rtp_tag_length;
	gsize rtcp_tag_length;
} SuiteInfo;

/* RFC 4568 §6.2.1-6.2.2 (AES_CM: 128-bit key, 112-bit salt; the _32 suite
 * shortens the SRTP tag only, SRTCP keeps 80 bits), RFC 7714 §14.1
 * (AEAD_AES_128_GCM: 128-bit key, 96-bit salt, 16-byte tag) and RFC 6188
 * §7.1 (AES_256_CM: 256-bit key, 112-bit salt, tags as for AES_CM). */
static const SuiteInfo suites[CF_SRTP_N_SUITES] = {
	[CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80] = {"AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10},
	[CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32] = {"AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10},
	[CF_SRTP_SUITE_AEAD_AES_128_GCM] = {"AEAD_AES_128_GCM", 16, 12, 16, 16},
	[CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80] = {"AES_256_CM_HMAC_SHA1_80", 32, 14, 10, 10},
	[CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32] = {"AES_256_CM_HMAC_SHA1_32", 32, 14, 4, 10},
};

/* The size of the SRTCP "E flag + SRTCP index" word (RFC 3711 §3.4). */
#define SRTCP_INDEX_LENGTH 4

static const SuiteInfo *
suite_info (CfSrtpSuite suite)
{
	if ((guint)suite >= CF_SRTP_N_SUITES)
		return NULL;
	return &suites[suite];
}

const char *
cf_srtp_suite_to_string (CfSrtpSuite suite)
{
	const SuiteInfo *info = suite_info (suite);

	g_return_val_if_fail (info != NULL, NULL);
	return info->name;
}

gboolean
cf_srtp_suite_from_string (const char *str, CfSrtpSuite *ret_suite)
{
	if (str == NULL)
		return FALSE;
	for (guint i = 0; i < CF_SRTP_N_SUITES; i++) {
		if (g_ascii_strcasecmp (str, suites[i].name) == 0) {
			if (ret_suite != NULL)
				*ret_suite = (CfSrtpSuite)i;
			return TRUE;
		}
	}
	return FALSE;
}

gsize
cf_srtp_suite_get_key_length (CfSrtpSuite suite)
{
	const SuiteInfo *info = suite_info (suite);

	g_return_val_if_fail (info != NULL, 0);
	return info->key_length;
}

gsize
cf_srtp_suite_get_salt_length (CfSrtpSuite suite)
{
	const SuiteInfo *info = suite_info (suite);

	g_return_val_if_fail (info != NULL, 0);
	return info->salt_length;
}

gsize
cf_srtp_suite_get_rtp_tag_length (CfSrtpSuite suite)
{
	const SuiteInfo *info = suite_info (suite);

	g_return_val_if_fail (info != NULL, 0);
	return info->rtp_tag_length;
}

gsize
cf_srtp_suite_get_rtcp_overhead (CfSrtpSuite suite)
{
	const SuiteInfo *info = suite_info (suite);

	g_return_val_if_fail (info != NULL, 0);
	return SRTCP_INDEX_LENGTH + info->rtcp_tag_length;
}

/* ---- libsrtp, once per process ------------------------------------------- */

/* libsrtp's messages go to the debug log only (lower layers log at debug
 * level). Its debug modules, the only ones that print key material, stay
 * off. */
static void
on_srtp_log (srtp_log_level_t level, const char *msg, void *data)
{
	g_debug ("libsrtp (%d): %s", (int)level, msg);
}

static gpointer
init_libsrtp (gpointer data)
{
	srtp_err_status_t status;

	srtp_install_log_handler (on_srtp_log, NULL);
	status = srtp_init ();
	if (status != srtp_err_status_ok)
		g_debug ("srtp_init failed: status %d", (int)status);
	/* srtp_err_status_ok is 0: NULL means success */
	return GINT_TO_POINTER ((int)status);
}

static gboolean
ensure_libsrtp (GError **error)
{
	static GOnce once = G_ONCE_INIT;
	int status;

	g_once (&once, init_libsrtp, NULL);
	status = GPOINTER_TO_INT (once.retval);
	if (status != srtp_err_status_ok) {
		g_set_error (error,
			     CF_SRTP_ERROR,
			     CF_SRTP_ERROR_FAILED,
			     "libsrtp initialisation failed (status %d)",
			     status);
		return FALSE;
	}
	return TRUE;
}

static gpointer
init_thread (gpointer data)
{
	ensure_libsrtp (NULL);
	return NULL;
}

void
cf_srtp_init_async (void)
{
	g_thread_unref (g_thread_new ("cf-srtp-init", init_thread, NULL));
}

/* ---- Sessions ----------------------------------------------------------- */

struct _CfSrtpSession {
	srtp_t srtp;
	CfSrtpDirection direction;
	CfSrtpSuite suite;
	guint8 mki[CF_SRTP_MAX_MKI_LENGTH];
	gsize mki_length; /* 0: no MKI */
	gsize rtp_overhead;
	gsize rtcp_overhead;
	CfSrtpStats stats;
};

static void
set_policy (srtp_policy_t *policy, CfSrtpSuite suite)
{
	switch (suite) {
	case CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (&policy->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (&policy->rtcp);
		break;
	case CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32:
		/* RFC 4568 §6.2.2: SRTCP keeps the 80-bit tag */
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32 (&policy->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (&policy->rtcp);
		break;
	case CF_SRTP_SUITE_AEAD_AES_128_GCM:
		/* RFC 7714: AEAD_AES_128_GCM has a 16-octet tag */
		srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy->rtcp);
		break;
	case CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 (&policy->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 (&policy->rtcp);
		break;
	case CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32:
		/* RFC 6188 §7.1, as RFC 4568 §6.2.2: SRTCP keeps the 80-bit tag */
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32 (&policy->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 (&policy->rtcp);
		break;
	}
}

CfSrtpSession *
cf_srtp_session_new (CfSrtpDirection direction,
		     CfSrtpSuite suite,
		     const guint8 *key_salt,
		     gsize key_salt_length,
		     const guint8 *mki,
		     gsize mki_length,
		     GError **error)
{
	const SuiteInfo *info = suite_info (suite);
	g_autoptr (CfSrtpSession) self = NULL;
	srtp_policy_t policy;
	srtp_master_key_t master_key;
	srtp_master_key_t *master_keys[1];
	srtp_err_status_t status;

	if (info == NULL) {
		g_set_error (error,
			     CF_SRTP_ERROR,
			     CF_SRTP_ERROR_INVALID,
			     "Unknown SRTP crypto suite %d",
			     (int)suite);
		return NULL;
	}
	if (direction != CF_SRTP_DIRECTION_OUTBOUND && direction != CF_SRTP_DIRECTION_INBOUND) {
		g_set_error (error,
			     CF_SRTP_ERROR,
			     CF_SRTP_ERROR_INVALID,
			     "Unknown SRTP direction %d",
			     (int)direction);
		return NULL;
	}
	if (key_salt == NULL || key_salt_length != info->key_length + info->salt_length) {
		g_set_error (error,
			     CF_SRTP_ERROR,
			     CF_SRTP_ERROR_INVALID,
			     "%s needs a %" G_GSIZE_FORMAT
			     "-byte master key and salt, not %" G_GSIZE_FORMAT,
			     info->name,
			     info->key_length + info->salt_length,
			     key_salt != NULL ? key_salt_length : 0);
		return NULL;
	}
	if ((mki == NULL) != (mki_length == 0) || mki_length > CF_SRTP_MAX_MKI_LENGTH) {
		g_set_error (error,
			     CF_SRTP_ERROR,
			     CF_SRTP_ERROR_INVALID,
			     "Invalid MKI length %" G_GSIZE_FORMAT,
			     mki_length);
		return NULL;
	}
	if (!ensure_libsrtp (error))
		return NULL;

	self = g_new0 (CfSrtpSession, 1);
	self->direction = direction;
	self->suite = suite;
	self->mki_length = mki_length;
	if (mki_length > 0)
		memcpy (self->mki, mki, mki_length);
	self->rtp_overhead = info->rtp_tag_length + mki_length;
	self->rtcp_overhead = SRTCP_INDEX_LENGTH + info->rtcp_tag_length + mki_length;

	memset (&policy, 0, sizeof (policy));
	set_policy (&policy, suite);
	policy.ssrc.type =
		direction == CF_SRTP_DIRECTION_OUTBOUND ? ssrc_any_outbound : ssrc_any_inbound;
	policy.window_size = CF_SRTP_REPLAY_WINDOW;
	policy.allow_repeat_tx = 0;
	policy.next = NULL;
	/* libsrtp only reads the key (it derives the session keys from it
	 * in srtp_create) and the MKI (it copies it); the policy is const to
	 * it, but its fields are not. */
	if (mki_length > 0) {
		master_key.key = (unsigned char *)key_salt;
		master_key.mki_id = self->mki;
		master_key.mki_size = (unsigned int)mki_length;
		master_keys[0] = &master_key;
		policy.key = NULL;
		policy.keys = master_keys;
		policy.num_master_keys = 1;
	} else {
		policy.key = (unsigned char *)key_salt;
	}

	status = srtp_create (&self->srtp, &policy);
	if (status != srtp_err_status_ok) {
		self->srtp = NULL;
		g_set_error (error,
			     CF_SRTP_ERROR,
			     CF_SRTP_ERROR_FAILED,
			     "Could not create the %s SRTP session (libsrtp status %d)",
			     info->name,
			     (int)status);
		return NULL;
	}
	return g_steal_pointer (&self);
}

void
cf_srtp_session_free (CfSrtpSession *self)
{
	if (self == NULL)
		return;
	if (self->srtp != NULL)
		srtp_dealloc (self->srtp);
	g_free (self);
}

CfSrtpDirection
cf_srtp_session_get_direction (const CfSrtpSession *self)
{
	g_return_val_if_fail (self != NULL, CF_SRTP_DIRECTION_OUTBOUND);
	return self->direction;
}

CfSrtpSuite
cf_srtp_session_get_suite (const CfSrtpSession *self)
{
	g_return_val_if_fail (self != NULL, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80);
	return self->suite;
}

gsize
cf_srtp_session_get_rtp_overhead (const CfSrtpSession *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->rtp_overhead;
}

gsize
cf_srtp_session_get_rtcp_overhead (const CfSrtpSession *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->rtcp_overhead;
}

const CfSrtpStats *
cf_srtp_session_get_stats (const CfSrtpSession *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return &self->stats;
}

/* ---- Packet checks ------------------------------------------------------ */

/* The length of the RTP header (RFC 3550 §5.1, §5.3.1) at @packet, which
 * must lie within the first @limit bytes; 0 if it is malformed. */
static gsize
rtp_header_length (const guint8 *packet, gsize limit)
{
	gsize header;

	if (limit < 12 || (packet[0] >> 6) != 2)
		return 0;
	header = 12 + 4 * (gsize)(packet[0] & 0x0f);
	if (packet[0] & 0x10) {
		if (header + 4 > limit)
			return 0;
		header += 4 + 4 * (((gsize)packet[header + 2] << 8) | packet[header + 3]);
	}
	return header <= limit ? header : 0;
}

/* RTCP (RFC 3550 §6.4): at least a common header and the sender's SSRC. */
static gboolean
rtcp_header_ok (const guint8 *packet, gsize length)
{
	return length >= 8 && (packet[0] >> 6) == 2;
}

static gboolean
check_direction (CfSrtpSession *self, CfSrtpDirection wanted, GError **error)
{
	if (self->direction == wanted)
		return TRUE;
	self->stats.other_errors++;
	g_set_error_literal (error,
			     CF_SRTP_ERROR,
			     CF_SRTP_ERROR_INVALID,
			     wanted == CF_SRTP_DIRECTION_OUTBOUND
				     ? "Cannot protect with an inbound SRTP session"
				     : "Cannot unprotect with an outbound SRTP session");
	return FALSE;
}

static gboolean
fail (CfSrtpSession *self, CfSrtpError code, const char *message, GError **error)
{
	self->stats.other_errors++;
	g_set_error_literal (error, CF_SRTP_ERROR, code, message);
	return FALSE;
}

/* Maps a libsrtp failure to an error, counting dropped received packets. */
static gboolean
fail_status (CfSrtpSession *self,
	     srtp_err_status_t status,
	     gboolean rtcp,
	     gboolean receiving,
	     GError **error)
{
	const char *what = rtcp ? "SRTCP" : "SRTP";

	switch (status) {
	case srtp_err_status_auth_fail:
	case srtp_err_status_bad_mki:
		if (receiving) {
			if (rtcp)
				self->stats.rtcp_forged++;
			else
				self->stats.rtp_forged++;
		} else {
			self->stats.other_errors++;
		}
		g_set_error (
			error, CF_SRTP_ERROR, CF_SRTP_ERROR_AUTH, "%s authentication failed", what);
		return FALSE;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		if (receiving) {
			if (rtcp)
				self->stats.rtcp_replayed++;
			else
				self->stats.rtp_replayed++;
		} else {
			self->stats.other_errors++;
		}
		g_set_error (error,
			     CF_SRTP_ERROR,
			     CF_SRTP_ERROR_REPLAY,
			     receiving ? "%s packet replayed or too old"
				       : "%s packet index repeated",
			     what);
		return FALSE;
	case srtp_err_status_key_expired:
		self->stats.other_errors++;
		g_set_error (error,
			     CF_SRTP_ERROR,
			     CF_SRTP_ERROR_KEY_EXPIRED,
			     "%s master key expired",
			     what);
		return FALSE;
	case srtp_err_status_parse_err:
	case srtp_err_status_bad_param:
		self->stats.other_errors++;
		g_set_error (
			error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID, "Malformed %s packet", what);
		return FALSE;
	default:
		self->stats.other_errors++;
		g_set_error (error,
			     CF_SRTP_ERROR,
			     CF_SRTP_ERROR_FAILED,
			     "%s processing failed (libsrtp status %d)",
			     what,
			     (int)status);
		return FALSE;
	}
}

/* ---- Protect / unprotect ------------------------------------------------- */

gboolean
cf_srtp_session_protect_rtp (CfSrtpSession *self,
			     guint8 *packet,
			     gsize length,
			     gsize capacity,
			     gsize *ret_length,
			     GError **error)
{
	srtp_err_status_t status;
	int len;

	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (packet != NULL || length == 0, FALSE);

	if (!check_direction (self, CF_SRTP_DIRECTION_OUTBOUND, error))
		return FALSE;
	if (length > CF_SRTP_MAX_PACKET_SIZE)
		return fail (self, CF_SRTP_ERROR_INVALID, "RTP packet too large", error);
	if (rtp_header_length (packet, length) == 0)
		return fail (self, CF_SRTP_ERROR_INVALID, "Malformed RTP packet", error);
	if (capacity < length || capacity - length < self->rtp_overhead)
		return fail (self,
			     CF_SRTP_ERROR_NO_SPACE,
			     "No room for the SRTP trailer in the buffer",
			     error);

	len = (int)length;
	if (self->mki_length > 0)
		status = srtp_protect_mki (self->srtp, packet, &len, 1, 0);
	else
		status = srtp_protect (self->srtp, packet, &len);
	if (status != srtp_err_status_ok)
		return fail_status (self, status, FALSE, FALSE, error);
	/* libsrtp appends exactly the overhead: never more than there was room for */
	g_assert ((gsize)len == length + self->rtp_overhead);
	self->stats.rtp_packets++;
	if (ret_length != NULL)
		*ret_length = (gsize)len;
	return TRUE;
}

gboolean
cf_srtp_session_unprotect_rtp (
	CfSrtpSession *self, guint8 *packet, gsize length, gsize *ret_length, GError **error)
{
	srtp_err_status_t status;
	int len;

	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (packet != NULL || length == 0, FALSE);

	if (!check_direction (self, CF_SRTP_DIRECTION_INBOUND, error))
		return FALSE;
	if (length > CF_SRTP_MAX_PACKET_SIZE)
		return fail (self, CF_SRTP_ERROR_INVALID, "SRTP packet too large", error);
	if (length < self->rtp_overhead
	    || rtp_header_length (packet, length - self->rtp_overhead) == 0)
		return fail (self, CF_SRTP_ERROR_INVALID, "Malformed or short SRTP packet", error);

	len = (int)length;
	if (self->mki_length > 0)
		status = srtp_unprotect_mki (self->srtp, packet, &len, 1);
	else
		status = srtp_unprotect (self->srtp, packet, &len);
	if (status != srtp_err_status_ok)
		return fail_status (self, status, FALSE, TRUE, error);
	self->stats.rtp_packets++;
	if (ret_length != NULL)
		*ret_length = (gsize)len;
	return TRUE;
}

gboolean
cf_srtp_session_protect_rtcp (CfSrtpSession *self,
			      guint8 *packet,
			      gsize length,
			      gsize capacity,
			      gsize *ret_length,
			      GError **error)
{
	srtp_err_status_t status;
	int len;

	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (packet != NULL || length == 0, FALSE);

	if (!check_direction (self, CF_SRTP_DIRECTION_OUTBOUND, error))
		return FALSE;
	if (length > CF_SRTP_MAX_PACKET_SIZE)
		return fail (self, CF_SRTP_ERROR_INVALID, "RTCP packet too large", error);
	if (!rtcp_header_ok (packet, length))
		return fail (self, CF_SRTP_ERROR_INVALID, "Malformed RTCP packet", error);
	if (capacity < length || capacity - length < self->rtcp_overhead)
		return fail (self,
			     CF_SRTP_ERROR_NO_SPACE,
			     "No room for the SRTCP trailer in the buffer",
			     error);

	len = (int)length;
	if (self->mki_length > 0)
		status = srtp_protect_rtcp_mki (self->srtp, packet, &len, 1, 0);
	else
		status = srtp_protect_rtcp (self->srtp, packet, &len);
	if (status != srtp_err_status_ok)
		return fail_status (self, status, TRUE, FALSE, error);
	g_assert ((gsize)len == length + self->rtcp_overhead);
	self->stats.rtcp_packets++;
	if (ret_length != NULL)
		*ret_length = (gsize)len;
	return TRUE;
}

gboolean
cf_srtp_session_unprotect_rtcp (
	CfSrtpSession *self, guint8 *packet, gsize length, gsize *ret_length, GError **error)
{
	srtp_err_status_t status;
	int len;

	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (packet != NULL || length == 0, FALSE);

	if (!check_direction (self, CF_SRTP_DIRECTION_INBOUND, error))
		return FALSE;
	if (length > CF_SRTP_MAX_PACKET_SIZE)
		return fail (self, CF_SRTP_ERROR_INVALID, "SRTCP packet too large", error);
	if (length < self->rtcp_overhead || !rtcp_header_ok (packet, length - self->rtcp_overhead))
		return fail (self, CF_SRTP_ERROR_INVALID, "Malformed or short SRTCP packet", error);

	len = (int)length;
	if (self->mki_length > 0
	    && suites[self->suite].rtp_tag_length != suites[self->suite].rtcp_tag_length) {
		/* libsrtp 2.5 looks for the SRTCP MKI with the SRTP tag length,
		 * which differs from the SRTCP one only in the _32 suites. Check and
		 * remove the MKI here (RFC 3711 §3.4: E+index, MKI, tag; the MKI
		 * is not authenticated) and let libsrtp use its only key. */
		gsize tag_length = self->rtcp_overhead - SRTCP_INDEX_LENGTH - self->mki_length;
		guint8 *mki = packet + length - tag_length - self->mki_length;

		if (memcmp (mki, self->mki, self->mki_length) != 0)
			return fail_status (self, srtp_err_status_bad_mki, TRUE, TRUE, error);
		memmove (mki, mki + self->mki_length, tag_length);
		len -= (int)self->mki_length;
		status = srtp_unprotect_rtcp_mki (self->srtp, packet, &len, 0);
	} else if (self->mki_length > 0) {
		status = srtp_unprotect_rtcp_mki (self->srtp, packet, &len, 1);
	} else {
		status = srtp_unprotect_rtcp (self->srtp, packet, &len);
	}
	if (status != srtp_err_status_ok)
		return fail_status (self, status, TRUE, TRUE, error);
	self->stats.rtcp_packets++;
	if (ret_length != NULL)
		*ret_length = (gsize)len;
	return TRUE;
}
