/**
 * Signaling by role. The WebSocket client (client.ts) and the in-process hub
 * (memory-hub.ts) implement every role; each consumer asks only for the ones
 * it uses: peer links for the tracker's answers, signals and the relay,
 * revocation for the revoker, the UI and CLI for the pin client, the pin node
 * for the pin-node client, published mirrors (mirror/published.ts) for the
 * mirror-list client.
 */
import type { IceServer, PinHolding, PinPolicy, PinStatus, RelayPolicy } from '../../../protocol/signal.js'
import type { Listener } from '../util/emitter.js'
import type { RelayChannel } from '../transport/relay.js'
import type { SignalingVersionError } from './version-error.js'

export type SignalStatus = 'connecting' | 'open' | 'closed'

export interface SignalEvents extends Record<string, unknown> {
  status: SignalStatus
  welcome: { id: string; iceServers: IceServer[] }
  /** The server speaks another protocol version: the client stopped; reloading the page is the fix. */
  incompatible: SignalingVersionError
  peers: { cid: string; peers: string[] }
  signal: { from: string; cid: string; data: Record<string, unknown> }
  /** A relayed wire frame from `from` for the swarm with this CID digest. */
  relay: { from: string; cidDigest: Uint8Array; frame: Uint8Array }
  /** `from` asks for a relayed link in swarm `cid`. */
  'relay-open': { from: string; cid: string }
  /** `from` closed its end of our relayed link in swarm `cid`. */
  'relay-close': { from: string; cid: string }
  /** The server says this drop was revoked; `secret` is the revoke secret, to check against the manifest. */
  revoked: { cid: string; secret: string }
  /** How many pin nodes hold a drop we asked to keep. */
  'pin-status': PinStatus
  /** The server's published mirror list of a drop (base64url; null: none), to check against the manifest: an answer, or a publish confirmed. */
  mirrors: { cid: string; list: string | null }
  /** (pin nodes) The server asks us to fetch and hold a drop. */
  'pin-request': { cid: string; replicas: number }
  error: { code: string; message: string; ref?: string; peer?: string }
}

/** Subscribing to some of the events. */
export interface EventSource<E extends Record<string, unknown>> {
  on<K extends keyof E>(event: K, listener: Listener<E[K]>): () => void
  off<K extends keyof E>(event: K, listener: Listener<E[K]>): void
}

type Events<K extends keyof SignalEvents> = EventSource<Pick<SignalEvents, K>>

/** The connection every role rides on. */
export interface ServerLink {
  readonly events: Events<'status' | 'welcome' | 'incompatible'>
  readonly status: SignalStatus
  /** Our server-assigned id; changes after a reconnect. */
  readonly peerId: string | undefined
  /** Set once the server turned out to speak another protocol version. */
  readonly incompatible: SignalingVersionError | undefined
  close(): void
}

export interface Tracker {
  readonly events: Events<'peers'>
  /** Joins the swarm; `complete` tells the tracker whether we hold every piece. Replayed after reconnects. */
  announce(cid: string, complete?: boolean): void
  lookup(cid: string): void
  leave(cid: string): void
}

export interface SignalChannel {
  readonly events: Events<'signal'>
  /** From the welcome, without TURN; with TURN once we announced or looked up a swarm. */
  readonly iceServers: IceServer[]
  readonly iceTransportPolicy: 'all' | 'relay'
  signal(to: string, cid: string, data: Record<string, unknown>): void
}

export interface RelaySetup extends RelayChannel {
  /** 'error' with `ref` 'relay' or 'relay-open' and a `peer`: the relay to that peer is refused. */
  readonly events: Events<'relay' | 'relay-open' | 'relay-close' | 'error'>
  readonly relayPolicy: RelayPolicy
  /** Asks `to` for a relayed link; sent before our first frame, so it arrives first. */
  openRelay(to: string, cid: string): void
  closeRelay(to: string, cid: string): void
}

export interface Revoker {
  readonly events: Events<'revoked' | 'error'>
  /** Sends a tombstone: the server checks it against the manifest and tells every peer ('revoked'). */
  revoke(cid: string, secret: string, manifest: Uint8Array): void
}

export interface MirrorListClient {
  /** 'error' with `ref` 'mirrors-publish': the server refused a list we published. */
  readonly events: Events<'mirrors' | 'error'>
  /** Asks for the drop's published mirror list ('mirrors' answers); asked again after a reconnect until `leave`. */
  getMirrors(cid: string): void
  /** Publishes a signed list (base64url): the server checks it against the manifest and confirms with 'mirrors'. */
  publishMirrors(cid: string, list: string, manifest: Uint8Array): void
}

export interface PinClient {
  readonly events: Events<'pin-status'>
  /** Asks the server's pin nodes to keep the drop; 'pin-status' events follow. */
  pin(cid: string): void
}

export interface PinNodeClient {
  readonly events: Events<'pin-request' | 'welcome' | 'error'>
  /** How many copies the server's pin nodes keep, and how often pin nodes report. */
  readonly pinPolicy: PinPolicy
  /** Reports what we hold: the heartbeat, split into messages the server accepts; `token` is the server's pin token. */
  pinHoldings(pins: readonly PinHolding[], token: string): void
  /** Gives a pin up: 'refused' lets another node take it, 'dropped' ends it. */
  pinReport(cid: string, state: 'refused' | 'dropped', reason: string): void
}

/** Every role at once: what builds an engine. */
export interface SignalingClient
  extends ServerLink,
    Tracker,
    SignalChannel,
    RelaySetup,
    Revoker,
    MirrorListClient,
    PinClient,
    PinNodeClient {
  readonly events: EventSource<SignalEvents>
}
