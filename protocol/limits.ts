/**
 * The signaling protocol's numbers, written once: the server's defaults and
 * validators and the client's assumptions before the welcome all import
 * these, so the two cannot disagree.
 */

/** Version of the JSON protocol: the client says it in 'hello', the server in 'welcome'; both must match. */
export const SIGNAL_PROTOCOL_VERSION = 2
/** Largest text message either side accepts: an SDP offer is ~2–6 KiB. */
export const MAX_SIGNAL_MESSAGE_BYTES = 64 * 1024
/** Peers returned per lookup: enough to fill a swarm, small enough to hide its size. */
export const MAX_PEERS_PER_LOOKUP = 50
/** Text messages per second a connection may send (bursts of twice that pass), unless the server says otherwise. */
export const DEFAULT_MESSAGES_PER_SECOND = 50
/** How long a client waits for a direct connection before it relays, unless the server says otherwise. */
export const DEFAULT_RELAY_AFTER_MS = 5_000
export const MAX_RELAY_AFTER_MS = 120_000
/** Holdings per pin-holdings message: keeps it well under the message size limit. */
export const MAX_PIN_HOLDINGS_PER_MESSAGE = 500
/** Most copies of one drop a server asks its pin nodes to keep. */
export const MAX_PIN_REPLICAS = 16
/** Copies the pin nodes keep of each pinned drop, unless the server says otherwise. */
export const DEFAULT_PIN_REPLICAS = 2
/** How often pin nodes report their holdings, unless the server says otherwise. */
export const DEFAULT_PIN_HEARTBEAT_MS = 10_000
export const MIN_PIN_HEARTBEAT_MS = 100
