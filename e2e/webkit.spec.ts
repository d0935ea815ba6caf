/**
 * WebKitGTK, a WebKit engine without WebRTC, receives a file shared in
 * Chromium and shares one that Chromium downloads, byte for byte, through the
 * server relay, and says why it goes through the server.
 */
import { chromiumPages } from './chromium-pages.js'
import { type EnginePage, exchangeWithChromium, waitForText } from './engine-page.js'
import { launchWebKit } from './webkit.js'
import { startTestServer } from './server.js'
import { test } from './fixtures.js'

test('WebKitGTK without WebRTC receives from and shares with Chromium through the relay, and says so', async ({ browser, workDir }) => {
  // The relay deadline is never reached: the page without WebRTC relays at once, and Chromium's direct
  // attempt to it is refused at once instead of timing out (15 s).
  const server = await startTestServer(['--relay-after=120000'])
  const webkit = await launchWebKit({ dir: workDir })
  const pages: EnginePage[] = [webkit]
  const newChromium = chromiumPages(browser, pages)
  try {
    await exchangeWithChromium({
      engine: webkit,
      engineName: 'WebKitGTK',
      newChromium,
      serverUrl: server.url,
      workDir,
      kind: 'relay',
      saysWebRtcOff: true,
      connectedWithinSeconds: 10, // Chromium's offer was refused at once, not timed out
    })

    await webkit.goto(server.url + '/check')
    await waitForText(webkit, 'findings', /WebRTC is turned off or missing in this browser \(this browser has no RTCPeerConnection\)\./)
  } finally {
    for (const p of pages) await p.close()
    await server.stop()
  }
})
