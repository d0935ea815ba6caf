/**
 * Firefox ESR and Chromium exchange files through the pages, byte for byte:
 * directly over WebRTC, and with Firefox's WebRTC turned off (as in
 * privacy-hardened profiles and Tor Browser) through the server relay, at
 * once and in both directions.
 */
import { chromiumPages } from './chromium-pages.js'
import { type EnginePage, exchangeWithChromium, shareFile, waitForText } from './engine-page.js'
import { launchFirefox } from './firefox.js'
import { startTestServer } from './server.js'
import { makeFile, test } from './fixtures.js'

test('a file shared in Chromium downloads in Firefox, and one shared in Firefox downloads in Chromium, directly', async ({
  browser,
  workDir,
}) => {
  const server = await startTestServer(['--relay=off']) // WebRTC or nothing
  const firefox = await launchFirefox({ dir: workDir, webRtc: true })
  const pages: EnginePage[] = [firefox]
  const newChromium = chromiumPages(browser, pages)
  try {
    await exchangeWithChromium({ engine: firefox, engineName: 'Firefox', newChromium, serverUrl: server.url, workDir, kind: 'direct' })
  } finally {
    for (const p of pages) await p.close()
    await server.stop()
  }
})

test('with WebRTC turned off, Firefox says so, and receives from and shares with Chromium through the relay at once', async ({
  browser,
  workDir,
}) => {
  // The relay deadline is never reached: the page without WebRTC relays at once, and Chromium's direct
  // attempt to it is refused at once instead of timing out (15 s).
  const server = await startTestServer(['--relay-after=120000'])
  const noRelay = await startTestServer(['--relay=off'])
  const firefox = await launchFirefox({ dir: workDir, webRtc: false })
  const pages: EnginePage[] = [firefox]
  const newChromium = chromiumPages(browser, pages)
  try {
    await exchangeWithChromium({
      engine: firefox,
      engineName: 'Firefox without WebRTC',
      newChromium,
      serverUrl: server.url,
      workDir,
      kind: 'relay',
      saysWebRtcOff: true,
      connectedWithinSeconds: 10, // Chromium's offer was refused at once, not timed out
    })

    await firefox.goto(server.url + '/check')
    await waitForText(
      firefox,
      'findings',
      /WebRTC is turned off or missing in this browser \(this browser has no RTCPeerConnection\)\. Every transfer goes through the server relay/,
    )

    // With the server's relay off, nothing can reach this browser, and the page says so while the sharer is online.
    const unreachable = await shareFile(await newChromium(), noRelay.url, makeFile(workDir, 'unreachable.bin', 1000))
    await firefox.goto(unreachable)
    await waitForText(firefox, 'webrtc-off', /this server does not relay: nothing can be fetched from this browser/)
    await waitForText(
      firefox,
      'receive-phase',
      /^1 browser on this link is online, but this browser has WebRTC turned off and this server does not relay: nothing can be fetched here\./,
    )
    await firefox.goto(noRelay.url + '/check')
    await waitForText(firefox, 'findings', /The server relay is off too: this browser can neither fetch nor share files here\./)
  } finally {
    for (const p of pages) await p.close()
    await server.stop()
    await noRelay.stop()
  }
})
