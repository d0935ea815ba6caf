// @thaunknown/simple-peer ships no types; this declares the part Swarmdrop uses.
declare module '@thaunknown/simple-peer/lite.js' {
  namespace Peer {
    type SignalData = Record<string, unknown>
  }
  interface PeerOptions {
    initiator?: boolean
    trickle?: boolean
    /** RTCPeerConnection's configuration (ICE servers, policy; node-datachannel's extras). */
    config?: Record<string, unknown>
    channelConfig?: { ordered?: boolean; maxRetransmits?: number }
  }
  class Peer {
    constructor(options?: PeerOptions)
    readonly destroyed: boolean
    signal(data: Peer.SignalData): void
    send(data: Uint8Array): void
    destroy(err?: Error): void
    // biome-ignore lint/suspicious/noExplicitAny: each simple-peer event has its own payload; the caller types its listener
    on(event: string, listener: (...args: any[]) => void): this
  }
  export default Peer
}
