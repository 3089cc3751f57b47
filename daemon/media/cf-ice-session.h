/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "cf-ice-candidate.h"

G_BEGIN_DECLS

/* The transport of one media stream of a call: ICE (RFC 8445) through
 * libnice, or plain RFC 3264 UDP for a peer without ICE; the call code uses
 * both through the same gather / set-remote / send / receive interface.
 *
 * One session carries one media stream with ONE component: RTP and RTCP
 * share it (rtcp-mux, RFC 5761), so remote candidates of other components
 * are skipped.
 *
 * Three ways to use it:
 *
 * - ICE: cf_ice_session_new(), cf_ice_session_gather_async() (local
 *   ufrag, pwd and candidates for the SDP once libnice reports
 *   "candidate-gathering-done"), cf_ice_session_set_remote() with the
 *   peer's a=ice-ufrag, a=ice-pwd and a=candidate values (more candidates
 *   may follow with cf_ice_session_add_remote_candidates()); the state goes
 *   CHECKING, then CONNECTED or FAILED.
 * - ICE offered, answered without ICE (RFC 8839 §4.3.3: the peer's answer
 *   has no a=candidate lines): cf_ice_session_set_remote_plain() on the
 *   same session, with the answer's c= address and m= port. libnice stops
 *   its checks and sends from the host candidate it would pair with that
 *   address, which is the one cf_ice_session_get_default_address()
 *   advertised for c=/m= (see there). libnice keeps sending a STUN Binding
 *   Indication now and then as a keepalive: a plain RTP peer drops it.
 * - Plain from the start (answering an offer without ICE):
 *   cf_ice_session_new_plain(): a UDP socket bound on a local address;
 *   gathering completes at once with no candidates; the default address is
 *   the socket's; cf_ice_session_set_remote_plain() names the peer's c=
 *   address and m= port (again on a re-offer that moves it).
 *
 * Received datagrams are handed to the receive function, from any source:
 * authenticity is SRTP's business, one layer up. In ICE mode libnice
 * itself drops data that does not come from a validated remote candidate.
 *
 * Roles (RFC 8445 §6.1.1): the offerer is controlling, so pass
 * @controlling = TRUE when the session is made for an offer; a peer that is
 * ICE lite (a=ice-lite) makes this side controlling whatever the SDP roles.
 *
 * Threads: a session belongs to the thread that runs its GMainContext (the
 * media thread; a test can iterate a context of its own). Call every
 * function from that thread; the receive function, the "state-changed"
 * signal and the gather callback run there. libnice runs on that context.
 *
 * Local addresses (the configuration key media.local-addresses): empty or
 * NULL lets libnice gather from every interface except loopback; listing
 * addresses (IP literals) restricts gathering to them, and is the only way
 * to get a loopback host candidate (127.0.0.1 or ::1): libnice leaves
 * loopback out when it enumerates the interfaces itself.
 *
 * Not done: trickle ICE, ICE restarts, ICE-TCP, consent freshness
 * (RFC 7675), a second component for peers without rtcp-mux, acting as an
 * ICE lite agent. */

typedef enum {
	CF_ICE_STATE_NEW,	/* made; gathering may be running */
	CF_ICE_STATE_CHECKING,	/* the remote side is known; checks are running */
	CF_ICE_STATE_CONNECTED, /* a pair works: cf_ice_session_send() sends */
	CF_ICE_STATE_FAILED,	/* every check failed; more remote candidates may revive it */
	CF_ICE_STATE_CLOSED,	/* cf_ice_session_close() */
} CfIceState;

/* "new", "checking", "connected", "failed", "closed". (transfer none) */
const char *cf_ice_state_to_string (CfIceState state);

/* Hard limits. */
#define CF_ICE_MAX_LOCAL_ADDRESSES   16	   /* entries of local_addresses */
#define CF_ICE_MAX_REMOTE_CANDIDATES 64	   /* remote candidates per session, in total */
#define CF_ICE_MAX_DATAGRAM	     65507 /* bytes of one datagram sent or received */
#define CF_ICE_DEFAULT_STUN_PORT     3478  /* RFC 8489 §18.6 */

/* How to gather. The strings are copied by cf_ice_session_new(). */
typedef struct {
	/* IPv4/IPv6 literals, NULL-terminated; NULL or empty: every
	 * interface but loopback. */
	const char *const *local_addresses;
	/* "host", "host:port", "[ipv6]:port" or "ipv4:port" (port 3478 if
	 * omitted); NULL: none. A host name is resolved when gathering. */
	const char *stun_server;
	/* A TURN server (UDP, RFC 8656), same syntax; NULL: none. Needs
	 * both turn_username and turn_password. */
	const char *turn_server;
	const char *turn_username;
	const char *turn_password; /* never logged */
} CfIceConfig;

#define CF_TYPE_ICE_SESSION (cf_ice_session_get_type ())
G_DECLARE_FINAL_TYPE (CfIceSession, cf_ice_session, CF, ICE_SESSION, GObject)

/* Called on the session's context with each received datagram. @data is
 * valid during the call only, and the function may change it in place
 * (SRTP unprotects in place); @len is at least 1. */
typedef void (*CfIceReceiveFunc) (CfIceSession *session,
				  guint8 *data,
				  gsize len,
				  gpointer user_data);

/* (transfer full) An ICE session whose agent runs on @context (not NULL;
 * the session keeps a reference). @config may be NULL (all interfaces, no
 * servers). NULL with CF_ICE_ERROR_INVALID for a malformed configuration
 * (an address that is not an IP literal, the unspecified or a multicast
 * address, a bad server, TURN without credentials), _LIMIT for too many
 * local addresses, _FAILED if libnice refuses. Signal "state-changed"
 * (CfIceState state) announces each change of cf_ice_session_get_state(). */
CfIceSession *cf_ice_session_new (GMainContext *context,
				  gboolean controlling,
				  const CfIceConfig *config,
				  GError **error);

/* (transfer full) A plain RTP/UDP session without ICE: binds a UDP socket
 * on a local address, port chosen by the kernel. The address is the first
 * of @local_addresses of the family of @remote_address (or the first one
 * when @remote_address is NULL); with no @local_addresses it is the address
 * the kernel would send to @remote_address from (a route lookup, nothing is
 * sent), and @remote_address is then required. Errors: CF_ICE_ERROR_INVALID
 * (bad or missing address), _FAILED (bind failed). */
CfIceSession *cf_ice_session_new_plain (GMainContext *context,
					const char *const *local_addresses,
					const char *remote_address,
					GError **error);

gboolean cf_ice_session_is_plain (CfIceSession *self);
CfIceState cf_ice_session_get_state (CfIceSession *self);
/* The current role; set_remote() with a lite peer may turn it on. */
gboolean cf_ice_session_get_controlling (CfIceSession *self);

/* Gathers the local candidates (resolving the STUN/TURN host names first).
 * Once only. Completes on the session's context when libnice is done
 * (immediately for a plain session). Errors: CF_ICE_ERROR_STATE (already
 * gathered or gathering, or closed), _FAILED (resolving a server failed,
 * libnice failed, or no candidate at all), G_IO_ERROR_CANCELLED. */
void cf_ice_session_gather_async (CfIceSession *self,
				  GCancellable *cancellable,
				  GAsyncReadyCallback callback,
				  gpointer user_data);
gboolean cf_ice_session_gather_finish (CfIceSession *self, GAsyncResult *result, GError **error);

/* After gathering (NULL before, and for a plain session). (transfer none) */
const char *cf_ice_session_get_local_ufrag (CfIceSession *self);
const char *cf_ice_session_get_local_pwd (CfIceSession *self);
/* The a=candidate values of the local candidates, highest priority first;
 * empty before gathering and for a plain session. (transfer full) */
char **cf_ice_session_get_local_candidates (CfIceSession *self);
/* The default destination for the SDP's c= address and m= port (RFC 8839
 * §4.2.1.2; RFC 3264 for a plain session): the socket's address, or for
 * ICE the highest-priority IPv4 host candidate (IPv6 if there is no IPv4
 * one). RFC 8839 recommends a relayed or server-reflexive default; a host
 * one is chosen because it is the candidate libnice sends from if the
 * answer comes back without ICE. FALSE before gathering. */
gboolean
cf_ice_session_get_default_address (CfIceSession *self, char **ret_address, guint16 *ret_port);

/* The peer's ICE parameters (ICE sessions, after gathering, once): its
 * a=ice-ufrag, a=ice-pwd and a=candidate values, and whether it is ICE
 * lite (a=ice-lite). Candidates this session cannot use are skipped (see
 * cf_ice_candidate_parse(): TCP, host names, other components, malformed
 * lines); the state becomes CHECKING even if none is left, as the peer's
 * own checks can still find a peer-reflexive pair. Errors:
 * CF_ICE_ERROR_INVALID (bad ufrag or pwd), _LIMIT (more than
 * CF_ICE_MAX_REMOTE_CANDIDATES), _STATE, _FAILED. */
gboolean cf_ice_session_set_remote (CfIceSession *self,
				    const char *ufrag,
				    const char *pwd,
				    const char *const *candidates,
				    gboolean remote_lite,
				    GError **error);
/* More remote candidates after cf_ice_session_set_remote() (for example
 * from a re-offer with the same credentials). Same rules. */
gboolean cf_ice_session_add_remote_candidates (CfIceSession *self,
					       const char *const *candidates,
					       GError **error);
/* The peer has no ICE: send to @address (an IP literal, not unspecified)
 * and @port, and take what arrives (RFC 3264). For an ICE session after
 * gathering and before set_remote() (the fallback), or for a plain session
 * at any time; the state becomes CONNECTED. Errors: CF_ICE_ERROR_INVALID,
 * _UNSUPPORTED (no local address of that family), _STATE, _FAILED. */
gboolean cf_ice_session_set_remote_plain (CfIceSession *self,
					  const char *address,
					  guint16 port,
					  GError **error);

/* The remote address media goes to, once CONNECTED; FALSE otherwise. */
gboolean
cf_ice_session_get_remote_address (CfIceSession *self, char **ret_address, guint16 *ret_port);

/* Replaces the receive function (NULL: drop datagrams); @notify frees
 * @user_data when replaced, at close and at finalization. */
void cf_ice_session_set_receive_func (CfIceSession *self,
				      CfIceReceiveFunc func,
				      gpointer user_data,
				      GDestroyNotify notify);

/* Sends one datagram of 1..CF_ICE_MAX_DATAGRAM bytes. Errors:
 * CF_ICE_ERROR_STATE (not CONNECTED), _INVALID (size), _FAILED (the socket
 * refused it; UDP: the datagram is lost). Pass error = NULL on the media
 * path to avoid allocating for a dropped packet. */
gboolean cf_ice_session_send (CfIceSession *self, const guint8 *data, gsize len, GError **error);

/* Stops the session: no more datagrams or signals (the state becomes
 * CLOSED, announced once), a pending gather fails with CF_ICE_ERROR_STATE,
 * and the sockets close. libnice finishes releasing its agent on the
 * session's context (TURN allocations are released there): keep running,
 * or iterate, the context a little after closing. Idempotent; the last
 * unref closes too (without the signal). */
void cf_ice_session_close (CfIceSession *self);

G_END_DECLS
