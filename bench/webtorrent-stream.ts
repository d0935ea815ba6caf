/**
 * The streaming baseline: WebTorrent 2.8 plays a torrent's file in a
 * `<video>` through its service-worker server, the way its docs stream in a
 * browser (`client.createServer({ controller })`, then `file.streamTo(video)`:
 * the worker answers the video's Range requests with the pieces WebTorrent
 * fetches for them first). The static origin serves this page at
 * STREAM_PAGE_PATH; it does everything from its navigation on (load
 * WebTorrent, register the worker, join the swarm), as Swarmdrop's receive
 * page does, so both are timed from opening the page.
 */

export const STREAM_PAGE_PATH = '/webtorrent-stream'
/** WebTorrent's service worker, which hands the page's fetches under /webtorrent/ to the client in the page. */
export const STREAM_WORKER_PATH = '/sw.min.js'

/** The page that streams `magnet`'s first file, found through `tracker`. */
export function streamPageUrl(origin: string, magnet: string, tracker: string): string {
  return `${origin}${STREAM_PAGE_PATH}?${new URLSearchParams({ magnet, tracker })}`
}

/** What the page sets on `window.__webTorrent`: the torrent once added. */
export interface StreamPageState {
  torrent?: { progress: number }
}

/**
 * The stream page's script, served as `(${streamPage})()`. No named inner
 * functions (tsx would wrap them in a __name() call the page does not have),
 * and no constants of this module (the page has only the function's text).
 */
export async function streamPage(): Promise<void> {
  const state: StreamPageState = {}
  const w = window as unknown as { __webTorrent: StreamPageState; __playback?: { error?: string } }
  w.__webTorrent = state
  // Failures go where the playback probe's waits look (playback-probe.ts), so the bench stops with the reason.
  const probe = w.__playback ?? {}
  try {
    const params = new URLSearchParams(location.search)
    const registering = navigator.serviceWorker.register('/sw.min.js', { scope: '/' })
    const { default: WebTorrent } = await import('/webtorrent.min.js' as string)
    const client = new WebTorrent({ tracker: { rtcConfig: { iceServers: [] } } })
    client.on('error', (err: Error) => (probe.error ??= `WebTorrent: ${err.message}`))
    const added = new Promise<{ files: { streamTo(video: HTMLVideoElement): void }[]; progress: number }>((resolve) =>
      client.add(params.get('magnet'), { announce: [params.get('tracker')] }, resolve),
    )
    // WebTorrent's server needs the worker activated, and the worker must control this page to see the video's requests.
    const registration = await registering
    const worker = registration.active ?? registration.waiting ?? registration.installing!
    if (worker.state !== 'activated')
      await new Promise<void>((resolve) => worker.addEventListener('statechange', () => worker.state === 'activated' && resolve()))
    if (!navigator.serviceWorker.controller)
      await new Promise<void>((resolve) => navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }))
    client.createServer({ controller: registration })
    const torrent = await added
    state.torrent = torrent
    const video = document.createElement('video')
    video.controls = true
    video.preload = 'auto'
    torrent.files[0].streamTo(video)
    document.body.append(video)
  } catch (err) {
    probe.error ??= `the WebTorrent page failed: ${err}`
  }
}
