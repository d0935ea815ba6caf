/**
 * Measures playback the same way in Swarmdrop's receive page and in the
 * WebTorrent baseline's page: an init script takes the first `<video>` the
 * page shows, mutes it (muted playback needs no user gesture) and plays it,
 * and records when its first frame was presented (requestVideoFrameCallback),
 * in ms since the page's navigation, the time base of the app's own marks.
 * A seek is timed in the page from setting `currentTime` to the first frame
 * presented past the seek point: the frame at the point, then one more, so
 * playback runs again.
 */
import type { BrowserContext, Page } from '@playwright/test'

interface Playback {
  video?: HTMLVideoElement
  /** When the page showed the video element. */
  shownMs?: number
  firstFrameMs?: number
  /** When the video first fired each of the events the probe listens for. */
  events: Record<string, number>
  error?: string
  /** Set by the seek below: a property, not a named function, which tsx would wrap in a __name() the page lacks. */
  onFrame?: VideoFrameRequestCallback
}

/** Plays the first video of every page of `context` as soon as it appears. */
export async function installPlaybackProbe(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const state: Playback = { events: {} }
    ;(window as unknown as { __playback: Playback }).__playback = state
    new MutationObserver((_, observer) => {
      const video = document.querySelector('video')
      if (!video) return
      observer.disconnect()
      state.video = video
      state.shownMs = performance.now()
      video.muted = true
      video.requestVideoFrameCallback((now) => {
        state.firstFrameMs ??= now
      })
      for (const name of ['loadedmetadata', 'loadeddata', 'canplay', 'playing'])
        video.addEventListener(name, () => (state.events[name] ??= performance.now()))
      video.addEventListener('error', () => (state.error ??= `media error: ${video.error?.message ?? video.error?.code}`))
      video.play().catch((err: Error) => (state.error ??= `play() failed: ${err.message}`))
    }).observe(document, { childList: true, subtree: true })
  })
}

export interface FirstFrame {
  shownMs: number
  firstFrameMs: number
  /** loadedmetadata, loadeddata, canplay and playing, each when first fired. */
  events: Record<string, number>
}

/** Waits until the page's video presented its first frame and plays; ms since navigation for each step. */
export async function firstFrame(page: Page, timeoutMs: number): Promise<FirstFrame> {
  const handle = await page.waitForFunction(
    () => {
      const p = (window as unknown as { __playback: Playback }).__playback
      if (p.error) throw new Error(p.error)
      return (
        p.firstFrameMs !== undefined &&
        p.events.playing !== undefined && { shownMs: p.shownMs!, firstFrameMs: p.firstFrameMs, events: p.events }
      )
    },
    undefined,
    { timeout: timeoutMs },
  )
  return (await handle.jsonValue()) as FirstFrame
}

/**
 * Seeks the playing video to `fraction` of its duration; ms until a frame
 * past that point (by half a frame of `framesPerSecond`) is presented.
 */
export function seekToPlayback(page: Page, fraction: number, framesPerSecond: number, timeoutMs: number): Promise<number> {
  return page.evaluate(
    ({ fraction, framesPerSecond, timeoutMs }) =>
      new Promise<number>((resolve, reject) => {
        const state = (window as unknown as { __playback: Playback }).__playback
        const video = state.video!
        const target = video.duration * fraction
        if (!Number.isFinite(target)) return reject(new Error(`the video's duration is ${video.duration}`))
        const timer = setTimeout(
          () => reject(new Error(`no frame past ${target.toFixed(1)} s within ${timeoutMs} ms of the seek`)),
          timeoutMs,
        )
        const started = performance.now()
        state.onFrame = (now, frame) => {
          if (frame.mediaTime < target + 0.5 / framesPerSecond) return video.requestVideoFrameCallback(state.onFrame!)
          clearTimeout(timer)
          resolve(now - started)
        }
        video.currentTime = target
        video.requestVideoFrameCallback(state.onFrame)
      }),
    { fraction, framesPerSecond, timeoutMs },
  )
}
