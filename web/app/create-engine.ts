/**
 * The composition root: builds the browser engine from real parts —
 * IndexedDB for pieces, WebCrypto (or its fallback), the server's WebSocket
 * for signaling, WebRTC for peers.
 */
import { Engine } from '../core/engine.js'
import { defaultCrypto } from '../core/crypto/provider.js'
import { idbStore } from '../core/storage/idb-store.js'
import { WebSocketSignalingClient } from '../core/signaling/client.js'
import { dialWebRtc } from '../core/transport/webrtc.js'

export function signalingUrl(location: Location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/ws`
}

export async function createBrowserEngine(): Promise<Engine> {
  const store = await idbStore()
  const signaling = new WebSocketSignalingClient({ url: signalingUrl(window.location) })
  return new Engine({ store, crypto: defaultCrypto(), signaling, dial: dialWebRtc })
}
