/**
 * The baselines each Swarmdrop figure is printed next to, measured in the same
 * browser session: a bare RTCDataChannel between two pages, WebTorrent between
 * two pages (with a local bittorrent-tracker), a bare IndexedDB write, and a
 * bare OPFS write through a sync access handle in a worker.
 */
import type { Browser, Page } from '@playwright/test'
import TrackerServer from 'bittorrent-tracker/server'
import type { AddressInfo } from 'node:net'
import { type BrowserProbe, sampleMemory } from './browser-metrics.js'

export interface ChannelOptions {
  messageBytes: number
  highWaterBytes: number
  lowWaterBytes: number
}

async function blankPage(browser: Browser, origin: string): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] })
  const page = await context.newPage()
  await page.goto(origin + '/blank')
  return page
}

/**
 * Runs a function in a page with one argument: Playwright's and puppeteer's
 * `evaluate` both fit, so the bare channel runs between pages of any two browsers.
 */
export interface PageScript {
  evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>
}

/** The message sizes and buffer levels the bare channel is calibrated over (the best one is its figure). */
export const CHANNEL_CANDIDATES: ChannelOptions[] = [
  { messageBytes: 64 * 1024, highWaterBytes: 1024 * 1024, lowWaterBytes: 256 * 1024 },
  { messageBytes: 256 * 1024, highWaterBytes: 1024 * 1024, lowWaterBytes: 256 * 1024 },
  { messageBytes: 256 * 1024, highWaterBytes: 4 * 1024 * 1024, lowWaterBytes: 1024 * 1024 },
]

/**
 * Moves `bytes` over one data channel between two pages; returns seconds from
 * first send to last byte received. With `receiverInWorker`, the receiving
 * page transfers the channel to a dedicated worker, which counts the bytes.
 */
export async function bareChannel(browser: Browser, origin: string, bytes: number, o: ChannelOptions, receiverInWorker = false) {
  const [sender, receiver] = [await blankPage(browser, origin), await blankPage(browser, origin)]
  const seconds = await bareChannelBetween(sender, receiver, bytes, o, undefined, receiverInWorker)
  return { seconds, close: () => Promise.all([sender.context().close(), receiver.context().close()]) }
}

/** The bare channel with the receiving page's renderer RSS sampled: what a page receiving these bytes grows by itself. */
export async function bareChannelMemory(browser: Browser, probe: BrowserProbe, origin: string, bytes: number, o: ChannelOptions) {
  const sender = await blankPage(browser, origin)
  const before = await probe.rendererPids()
  const receiver = await blankPage(browser, origin)
  const memory = sampleMemory(receiver, probe, before)
  const seconds = await bareChannelBetween(sender, receiver, bytes, o)
  const { startRss, peakRss } = await memory.stop()
  await Promise.all([sender.context().close(), receiver.context().close()])
  return { seconds, rssGrowth: peakRss - startRss }
}

/**
 * The receiving end in a worker: Chromium (checked in 156, on by default)
 * transfers an RTCDataChannel only in the task that created it and before
 * any send(), so the page posts it from its 'datachannel' event.
 */
const CHANNEL_WORKER = `onmessage = ({ data: { channel, bytes } }) => {
  channel.binaryType = 'arraybuffer'
  let got = 0
  channel.onmessage = (m) => {
    got += m.data.byteLength
    if (got >= bytes) postMessage('done')
  }
}`

/** Each wait on the receiver is one call this long at most: drivers time out calls (puppeteer's after 30 s). */
const WAIT_SLICE_MS = 10_000

/**
 * The bare channel between two pages already on a blank page of the static
 * origin, in the same browser or two. Fails after `timeoutMs`.
 */
export async function bareChannelBetween(
  sender: PageScript,
  receiver: PageScript,
  bytes: number,
  o: ChannelOptions,
  timeoutMs = 900_000,
  receiverInWorker = false,
) {
  const offer = await sender.evaluate(async () => {
    const w = window as unknown as Record<string, unknown>
    const pc = new RTCPeerConnection({ iceServers: [] })
    const dc = pc.createDataChannel('bench', { ordered: true })
    dc.binaryType = 'arraybuffer'
    w.pc = pc
    w.dc = dc
    await pc.setLocalDescription(await pc.createOffer())
    await new Promise<void>((r) =>
      pc.iceGatheringState === 'complete'
        ? r()
        : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()),
    )
    return pc.localDescription!.toJSON()
  }, undefined)
  const answer = await receiver.evaluate(
    async ({ offer, bytes, worker }) => {
      const w = window as unknown as Record<string, unknown>
      const pc = new RTCPeerConnection({ iceServers: [] })
      w.done = new Promise<void>((resolve, reject) => {
        pc.addEventListener('datachannel', (e) => {
          if (worker) {
            const counter = new Worker(URL.createObjectURL(new Blob([worker], { type: 'text/javascript' })))
            counter.onmessage = () => resolve()
            counter.onerror = (err) => reject(new Error(err.message))
            counter.postMessage({ channel: e.channel, bytes }, [e.channel as unknown as Transferable])
            return
          }
          let got = 0
          e.channel.binaryType = 'arraybuffer'
          e.channel.onmessage = (m) => {
            got += (m.data as ArrayBuffer).byteLength
            if (got >= bytes) resolve()
          }
        })
      })
      await pc.setRemoteDescription(offer)
      await pc.setLocalDescription(await pc.createAnswer())
      await new Promise<void>((r) =>
        pc.iceGatheringState === 'complete'
          ? r()
          : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()),
      )
      w.pc = pc
      return pc.localDescription!.toJSON()
    },
    { offer, bytes, worker: receiverInWorker ? CHANNEL_WORKER : null },
  )
  await sender.evaluate(async (answer) => {
    const w = window as unknown as { pc: RTCPeerConnection; dc: RTCDataChannel }
    await w.pc.setRemoteDescription(answer)
    await new Promise<void>((r) => (w.dc.readyState === 'open' ? r() : w.dc.addEventListener('open', () => r())))
  }, answer)
  const started = Date.now()
  // The send loop runs on in the page (the call returns at once); a failed send is kept for the wait below.
  await sender.evaluate(
    ({ bytes, o }) => {
      const w = window as unknown as { dc: RTCDataChannel; sendError?: string }
      const dc = w.dc
      dc.bufferedAmountLowThreshold = o.lowWaterBytes
      const chunk = new Uint8Array(o.messageBytes)
      crypto.getRandomValues(chunk.subarray(0, 65536))
      void (async () => {
        for (let sent = 0; sent < bytes; ) {
          if (dc.bufferedAmount > o.highWaterBytes) {
            await new Promise<void>((r) => dc.addEventListener('bufferedamountlow', () => r(), { once: true }))
          }
          const n = Math.min(o.messageBytes, bytes - sent)
          dc.send(n === chunk.length ? chunk : chunk.subarray(0, n))
          sent += n
        }
      })().catch((err: Error) => {
        w.sendError = String(err)
      })
    },
    { bytes, o },
  )
  for (const deadline = started + timeoutMs; ; ) {
    const received = await receiver.evaluate(
      (sliceMs) =>
        Promise.race([
          (window as unknown as { done: Promise<void> }).done.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), sliceMs)),
        ]),
      WAIT_SLICE_MS,
    )
    if (received) break
    const sendError = await sender.evaluate(() => (window as unknown as { sendError?: string }).sendError ?? null, undefined)
    if (sendError) throw new Error(`bare channel: sending failed: ${sendError}`)
    if (Date.now() > deadline) throw new Error(`bare channel: ${bytes} bytes not received within ${timeoutMs} ms`)
  }
  const seconds = (Date.now() - started) / 1000
  for (const page of [sender, receiver]) await page.evaluate(() => (window as unknown as { pc: RTCPeerConnection }).pc.close(), undefined)
  return seconds
}

export async function startTracker(): Promise<{ url: string; close(): Promise<void> }> {
  const server = new TrackerServer({ udp: false, http: false, ws: true, stats: false })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.http!.address() as AddressInfo).port
  return { url: `ws://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

/** A WebTorrent client in a page, with an `<input type="file" id="file">` to give it files; `uploadLimit` in bytes per second. */
async function webTorrentPage(browser: Browser, origin: string, uploadLimit = -1): Promise<Page> {
  const page = await blankPage(browser, origin)
  await page.evaluate(async (uploadLimit) => {
    const { default: WebTorrent } = await import('/webtorrent.min.js' as string)
    ;(window as unknown as { client: unknown }).client = new WebTorrent({ uploadLimit, tracker: { rtcConfig: { iceServers: [] } } })
    const input = document.createElement('input')
    input.type = 'file'
    input.id = 'file'
    document.body.append(input)
  }, uploadLimit)
  return page
}

/**
 * A page that seeds the file with WebTorrent (hashing it first), its upload
 * capped at `uploadLimit` bytes per second (WebTorrent throttles its WebRTC
 * peers too); returns the page and the magnet link.
 */
export async function webTorrentSeeder(browser: Browser, origin: string, tracker: string, filePath: string, uploadLimit = -1) {
  const page = await webTorrentPage(browser, origin, uploadLimit)
  await page.locator('#file').setInputFiles(filePath)
  const magnet = await page.evaluate(
    (tracker) =>
      new Promise<string>((resolve) => {
        const w = window as unknown as { client: { seed: (...args: unknown[]) => void } }
        const file = (document.getElementById('file') as HTMLInputElement).files![0]
        w.client.seed(file, { announce: [tracker] }, (t: { magnetURI: string }) => resolve(t.magnetURI))
      }),
    tracker,
  )
  return { page, magnet }
}

/** WebTorrent seeds the file from one page and downloads it in another; returns seconds from add to done. */
export async function webTorrent(browser: Browser, origin: string, tracker: string, filePath: string) {
  const { page: seeder, magnet } = await webTorrentSeeder(browser, origin, tracker, filePath)
  const leecher = await webTorrentPage(browser, origin)
  const seconds = await leecher.evaluate(
    ({ magnet, tracker }) =>
      new Promise<number>((resolve) => {
        const w = window as unknown as { client: { add: (...args: unknown[]) => void } }
        const started = performance.now()
        w.client.add(magnet, { announce: [tracker] }, (t: { on: (event: string, listener: () => void) => void }) =>
          t.on('done', () => resolve((performance.now() - started) / 1000)),
        )
      }),
    { magnet, tracker },
  )
  return { seconds, close: () => Promise.all([seeder.context().close(), leecher.context().close()]) }
}

/** Writes `bytes` into IndexedDB as `valueBytes` values, `perTransaction` per transaction; returns seconds. */
export async function bareIndexedDbWrite(browser: Browser, origin: string, bytes: number, valueBytes: number, perTransaction: number) {
  const page = await blankPage(browser, origin)
  const seconds = await page.evaluate(
    async ({ bytes, valueBytes, perTransaction }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('bench', 1)
        req.onupgradeneeded = () => req.result.createObjectStore('values')
        req.onsuccess = () => resolve(req.result)
        req.onerror = () => reject(req.error)
      })
      const started = performance.now()
      let key = 0
      for (let written = 0; written < bytes; ) {
        const tx = db.transaction('values', 'readwrite')
        for (let i = 0; i < perTransaction && written < bytes; i++) {
          const value = new Uint8Array(Math.min(valueBytes, bytes - written))
          crypto.getRandomValues(value.subarray(0, Math.min(65536, value.length)))
          tx.objectStore('values').put(value.buffer, key++)
          written += value.length
        }
        await new Promise<void>((resolve, reject) => {
          tx.oncomplete = () => resolve()
          tx.onerror = () => reject(tx.error)
        })
      }
      return (performance.now() - started) / 1000
    },
    { bytes, valueBytes, perTransaction },
  )
  await page.context().close()
  return seconds
}

/**
 * Writes `bytes` as `valueBytes` writes, one after another into one OPFS file,
 * through a sync access handle in a dedicated worker that makes the bytes
 * itself (nothing crosses threads); returns seconds, flush included.
 */
export async function bareOpfsWrite(browser: Browser, origin: string, bytes: number, valueBytes: number) {
  const page = await blankPage(browser, origin)
  const worker = `onmessage = async ({ data: { bytes, valueBytes } }) => {
    const root = await navigator.storage.getDirectory()
    const file = await root.getFileHandle('bench.bin', { create: true })
    const handle = await file.createSyncAccessHandle()
    const value = new Uint8Array(valueBytes)
    const started = performance.now()
    for (let written = 0; written < bytes; ) {
      const n = Math.min(valueBytes, bytes - written)
      crypto.getRandomValues(value.subarray(0, Math.min(65536, n)))
      handle.write(value.subarray(0, n), { at: written })
      written += n
    }
    handle.flush()
    const seconds = (performance.now() - started) / 1000
    handle.close()
    await root.removeEntry('bench.bin')
    postMessage(seconds)
  }`
  const seconds = await page.evaluate(
    ({ worker, bytes, valueBytes }) =>
      new Promise<number>((resolve, reject) => {
        const w = new Worker(URL.createObjectURL(new Blob([worker], { type: 'text/javascript' })))
        w.onmessage = (e) => resolve(e.data as number)
        w.onerror = (e) => reject(new Error(e.message))
        w.postMessage({ bytes, valueBytes })
      }),
    { worker, bytes, valueBytes },
  )
  await page.context().close()
  return seconds
}
