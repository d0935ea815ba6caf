/**
 * A Connection over a WebRTC data channel, negotiated by simple-peer.
 *
 * Signals (offer, answer, ICE candidates) travel through whatever the caller
 * provides, normally the signaling server. ICE servers always come from the
 * caller (the server's config): simple-peer's default list names public STUN
 * servers, and the app must contact nothing but its own origin.
 */
/// <reference path="./simple-peer.d.ts" />
import Peer from '@thaunknown/simple-peer/lite.js'
import { ConnectionEventSource } from './connection-events.js'
import { endingOnRefusal } from './direct-off.js'
import { offererSignals } from './offerer-candidates.js'
import type { Connection, Dial, DialFn, DialOptions, LinkKind } from './transport.js'

/** Buffered bytes above which send() says "wait": about two blocks, see docs/performance.md. */
export const RTC_HIGH_WATER_BYTES = 256 * 1024
/** 'drain' fires when the buffer falls to this. */
export const RTC_LOW_WATER_BYTES = 64 * 1024

interface RawChannel extends EventTarget {
  bufferedAmount: number
  bufferedAmountLowThreshold: number
  readyState: 'connecting' | 'open' | 'closing' | 'closed'
  send(data: Uint8Array): void
}

/** The part of RTCPeerConnection read for the link's kind (the browser's, or node-datachannel's polyfill). */
interface StatsSource {
  getStats(): Promise<Map<string, Record<string, string>>>
}

class WebRtcConnection implements Connection {
  readonly #source = new ConnectionEventSource()
  readonly events = this.#source.events
  closed = false
  kind: LinkKind = 'direct'
  /** A send() said false and its one 'drain' is still owed. */
  #drainOwed = false

  constructor(
    readonly remotePeer: string,
    private readonly peer: Peer,
    private readonly channel: RawChannel,
  ) {
    channel.bufferedAmountLowThreshold = RTC_LOW_WATER_BYTES
    channel.addEventListener('bufferedamountlow', () => this.#bufferedAmountLow())
    peer.on('data', (data: Uint8Array) => this.#source.message(data))
    peer.on('close', () => this.#shut('the peer closed the connection', false))
    peer.on('error', (err: Error) => this.#shut(`connection error: ${err.message}`, false))
  }

  send(frame: Uint8Array): boolean {
    if (this.closed) throw new Error('connection is closed')
    if (this.channel.readyState !== 'open') {
      // Closing under us (the remote left) before simple-peer said so: the frame is lost with the link.
      this.#shut('the data channel closed', false)
      return true
    }
    this.channel.send(frame)
    if (this.channel.bufferedAmount <= RTC_HIGH_WATER_BYTES) return true
    this.#drainOwed = true
    return false
  }

  /**
   * 'bufferedamountlow' is queued when the buffer crosses the threshold and
   * dispatched later: one queued while a fill loop ran (or while send() still
   * said true) says nothing about the buffer now. So 'drain' answers a false
   * send() once, when the buffer is low; a crossing skipped here because the
   * buffer rose again is followed by another once it falls.
   */
  #bufferedAmountLow(): void {
    if (!this.#drainOwed || this.channel.bufferedAmount > RTC_LOW_WATER_BYTES) return
    this.#drainOwed = false
    this.#source.drain()
  }

  close(reason: string): void {
    this.#shut(reason, true)
  }

  #shut(reason: string, local: boolean): void {
    if (this.closed) return
    this.closed = true
    this.peer.destroy()
    this.#source.close(reason, local)
  }

  /** Reads the selected candidate pair to tell a TURN-relayed link from a direct one. */
  async detectKind(): Promise<void> {
    const pc = (this.peer as unknown as { _pc?: StatsSource })._pc
    if (!pc) return
    try {
      const stats = await pc.getStats()
      let pairId: string | undefined
      stats.forEach((s) => {
        if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId
      })
      const pair = pairId ? stats.get(pairId) : undefined
      const local = pair ? stats.get(pair.localCandidateId) : undefined
      const remote = pair ? stats.get(pair.remoteCandidateId) : undefined
      if (local?.candidateType === 'relay' || remote?.candidateType === 'relay') this.kind = 'turn'
    } catch {
      // Stats are a nicety for the UI; a failure leaves the kind as 'direct'.
    }
  }
}

/**
 * A DialFn over WebRTC. `extraConfig` goes into the RTCPeerConnection
 * configuration: in Node (node-datachannel) `{ bindAddress }` picks the
 * interface to gather candidates on, which loopback-only hosts need. A peer
 * without direct connections answers our offer with a refusal: the attempt
 * then ends at once.
 */
export function webRtcDialer(extraConfig: Record<string, unknown> = {}): DialFn {
  return endingOnRefusal((options) => dial(options, extraConfig))
}

export const dialWebRtc = webRtcDialer()

function dial(options: DialOptions, extraConfig: Record<string, unknown>): Dial {
  const peer = new Peer({
    initiator: options.initiator,
    trickle: true,
    config: { ...extraConfig, iceServers: options.iceServers, iceTransportPolicy: options.iceTransportPolicy ?? 'all' },
    channelConfig: { ordered: true },
  })
  let settled = false
  let rejectConnected!: (err: Error) => void
  const connected = new Promise<Connection>((resolve, reject) => {
    rejectConnected = reject
    const timer = setTimeout(() => fail(new Error('timed out connecting to the peer')), options.connectTimeoutMs)
    const fail = (err: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      peer.destroy()
      reject(err)
    }
    if (options.initiator) {
      // Our addresses wait for the answer: see offerer-candidates.ts.
      const signals = offererSignals(options.sendSignal)
      peer.on('signal', (data: Record<string, unknown>) => signals.send(data))
      peer.on('signalingStateChange', (state: string) => state === 'stable' && signals.answered())
    } else {
      peer.on('signal', (data: Record<string, unknown>) => options.sendSignal(data))
    }
    peer.on('error', (err: Error) => fail(err))
    peer.on('close', () => fail(new Error('the peer closed before the channel opened')))
    peer.on('connect', () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      const channel = (peer as unknown as { _channel: RawChannel })._channel
      const connection = new WebRtcConnection(options.remotePeer, peer, channel)
      // Resolve at once: the caller attaches its listeners in the same microtask
      // chain, before any data-channel message (a macrotask) can be dispatched.
      resolve(connection)
      void connection.detectKind()
    })
  })
  connected.catch(() => {})
  return {
    connected,
    signal(data) {
      if (settled && peer.destroyed) return
      try {
        peer.signal(data)
      } catch (err) {
        if (!settled) {
          settled = true
          peer.destroy()
          rejectConnected(err as Error)
        }
      }
    },
    abort(reason) {
      if (settled) return
      settled = true
      peer.destroy()
      rejectConnected(new Error(reason))
    },
  }
}
