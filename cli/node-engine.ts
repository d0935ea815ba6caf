/**
 * The composition root for Node: the same engine as the browser, with pieces
 * and library on disk, WebRTC through node-datachannel, and the signaling
 * WebSocket from `ws`.
 */
import { networkInterfaces } from 'node:os'
import { statfs } from 'node:fs/promises'
import WebSocket from 'ws'
import { Engine } from '../web/core/engine.js'
import { webCryptoProvider } from '../web/core/crypto/provider.js'
import { WebSocketSignalingClient, type WebSocketLike } from '../web/core/signaling/client.js'
import { webRtcDialer } from '../web/core/transport/webrtc.js'
import { refuseDirect } from '../web/core/transport/direct-off.js'
import { formatBytes } from '../web/core/util/format.js'
import { digestOfCid } from '../format/cid.js'
import { type DiskChunkStore, openDiskStore } from './disk-store.js'
import { openDiskLibrary } from './disk-library.js'
import { UsageError } from './exit-codes.js'

export interface NodeEngineOptions {
  /** http(s):// or ws(s):// address of a Swarmdrop server. */
  server: string
  storeDir: string
  /** Refuse downloads that would make the store larger than this. */
  maxBytes?: number
  /** No WebRTC: every peer through the server relay (networks that block UDP). */
  relayOnly?: boolean
}

export interface NodeEngine {
  engine: Engine
  store: DiskChunkStore
  close(): Promise<void>
}

export async function createNodeEngine(options: NodeEngineOptions): Promise<NodeEngine> {
  const library = await openDiskLibrary(options.storeDir)
  // A store from an older version is adopted for the drops the library holds.
  const store = await openDiskStore(options.storeDir, { heldDrops: (await library.list()).map((r) => digestOfCid(r.cid)) })
  const signaling = new WebSocketSignalingClient({
    url: signalingUrl(options.server),
    WebSocket: WebSocket as unknown as new (url: string) => WebSocketLike,
  })
  const bindAddress = process.env.SWARMDROP_BIND_ADDRESS || (hasOnlyLoopback() ? '127.0.0.1' : undefined)
  // libdatachannel aborts the whole process when it cannot gather on the address: check it first.
  if (bindAddress && !localAddresses().includes(bindAddress)) {
    throw new UsageError(`SWARMDROP_BIND_ADDRESS=${bindAddress} is not an address of this host (${localAddresses().join(', ')})`)
  }
  const engine = new Engine({
    store,
    library,
    crypto: webCryptoProvider(),
    signaling,
    dial: options.relayOnly ? refuseDirect('--relay-only') : webRtcDialer(bindAddress ? { bindAddress } : {}),
    checkSpace: (needed) => spaceProblem(options.storeDir, store, needed, options.maxBytes),
  })
  return {
    engine,
    store,
    async close() {
      engine.close()
      signaling.close()
      await store.close()
    },
  }
}

/** `https://host` → `wss://host/ws`; a ws(s):// URL is taken as it is. */
export function signalingUrl(server: string): string {
  let url: URL
  try {
    url = new URL(server)
  } catch {
    throw new UsageError(`not a server address: ${server} (expected e.g. https://drop.example.org)`)
  }
  if (url.protocol === 'ws:' || url.protocol === 'wss:') return url.href
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`not a server address: ${server}`)
  return `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}/ws`
}

/** Resolves once connected to the server; rejects after `timeoutMs` without a welcome. */
export function waitForServer(engine: Engine, timeoutMs: number): Promise<void> {
  const { signaling } = engine
  if (signaling.status === 'open') return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new ServerUnreachableError(`could not reach the server within ${Math.round(timeoutMs / 1000)} s`))
    }, timeoutMs)
    const off = signaling.events.on('status', (status) => {
      if (status !== 'open') return
      clearTimeout(timer)
      off()
      resolve()
    })
  })
}

export class ServerUnreachableError extends Error {
  override name = 'ServerUnreachableError'
}

/** On a host whose only network is loopback, WebRTC must gather candidates there (libjuice skips loopback otherwise). */
function hasOnlyLoopback(): boolean {
  return Object.values(networkInterfaces()).every((addresses) => (addresses ?? []).every((a) => a.internal))
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((addresses) => (addresses ?? []).map((a) => a.address))
}

async function spaceProblem(dir: string, store: DiskChunkStore, needed: number, maxBytes?: number): Promise<string | null> {
  if (maxBytes !== undefined && store.usedBytes + needed > maxBytes) {
    return `This needs ${formatBytes(needed)} more, and the store may hold at most ${formatBytes(maxBytes)} (--max-bytes); ${formatBytes(store.usedBytes)} are in use.`
  }
  const fs = await statfs(dir).catch(() => null)
  if (fs && fs.bavail * fs.bsize < needed) {
    return `This needs ${formatBytes(needed)} more, and the disk has ${formatBytes(fs.bavail * fs.bsize)} free.`
  }
  return null
}
