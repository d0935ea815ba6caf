/**
 * The composition root: builds the browser engine from real parts —
 * OPFS (through a worker) for pieces where the browser has sync access
 * handles, IndexedDB for them elsewhere and for drops stored before OPFS,
 * IndexedDB for the library, WebCrypto (or its fallback), the
 * server's WebSocket for signaling, WebRTC for peers (the server relay for
 * every peer where WebRTC is off) — and starts serving everything the
 * library holds.
 */
import { Engine } from '../core/engine.js'
import { defaultCrypto } from '../core/crypto/provider.js'
import { idbChunkStore, idbLibrary, openSwarmdropDb } from '../browser/idb-store.js'
import { openOpfsChunkStore } from '../browser/opfs-store.js'
import { layeredStore } from '../core/storage/layered-store.js'
import { WebSocketSignalingClient } from '../core/signaling/client.js'
import { browserDialer } from './direct-connections.js'
import { UploadLimiter } from '../core/swarm/rate.js'
import { loadSettings } from './settings.js'
import { browserSpaceCheck } from './storage-space.js'

export function signalingUrl(location: Location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/ws`
}

export async function createBrowserEngine(): Promise<Engine> {
  // The server's socket opens while the stores do: both are on the way to the first piece.
  const signaling = new WebSocketSignalingClient({ url: signalingUrl(window.location) })
  // Both at once: opening the OPFS store starts a worker and probes it.
  const [db, opfs] = await Promise.all([openSwarmdropDb(), openOpfsChunkStore()]).catch((err: unknown) => {
    signaling.close()
    throw err
  })
  const settings = loadSettings()
  const engine = new Engine({
    store: opfs ? layeredStore(opfs, idbChunkStore(db)) : idbChunkStore(db),
    library: idbLibrary(db),
    crypto: defaultCrypto(),
    signaling,
    dial: browserDialer(),
    limiter: new UploadLimiter(settings.uploadLimitBytesPerSecond ?? Infinity),
    checkSpace: browserSpaceCheck,
  })
  await engine.restoreLibrary()
  performance.mark('swarmdrop:engine-ready')
  return engine
}
