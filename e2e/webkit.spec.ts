/**
 * WebKitGTK, a WebKit engine without WebRTC, receives a file shared in
 * Chromium and shares one that Chromium downloads, byte for byte, through the
 * server relay, and says why it goes through the server.
 */
import { chromiumPage } from './chromium.ts'
import { type EnginePage, describeReceived, receiveFile, shareFile, waitForText } from './engine-page.ts'
import { launchWebKit } from './webkit.ts'
import { startTestServer } from './server.ts'
import { expect, makeFile, newPeerPage, test } from './fixtures.ts'

const MIB = 1024 * 1024

test('WebKitGTK without WebRTC receives from and shares with Chromium through the relay, and says so', async ({ browser, workDir }) => {
  // The relay deadline is never reached: the page without WebRTC relays at once, and Chromium's direct
  // attempt to it is refused at once instead of timing out (15 s).
  const server = await startTestServer(['--relay-after=120000'])
  const webkit = await launchWebKit({ dir: workDir })
  const pages: EnginePage[] = [webkit]
  try {
    const toWebKit = makeFile(workDir, 'to-webkit.bin', 8 * MIB)
    const toChromium = makeFile(workDir, 'to-chromium.bin', 4 * MIB)
    const chromium = chromiumPage((await newPeerPage(browser)).page)
    pages.push(chromium)
    const link = await shareFile(chromium, server.url, toWebKit)
    const got = await receiveFile(webkit, link, toWebKit)
    await waitForText(webkit, 'webrtc-off', /This browser has WebRTC turned off: files go through the server, still end-to-end encrypted\./)
    console.log(describeReceived('Chromium', 'WebKitGTK', toWebKit, got))
    expect(got.kinds).toEqual(['relay'])

    const receiver = chromiumPage((await newPeerPage(browser)).page)
    pages.push(receiver)
    const back = await shareFile(webkit, server.url, toChromium)
    const gotBack = await receiveFile(receiver, back, toChromium)
    console.log(describeReceived('WebKitGTK', 'Chromium', toChromium, gotBack))
    expect(gotBack.kinds).toEqual(['relay'])
    expect(gotBack.connectedAfter).toBeLessThan(10) // Chromium's offer was refused at once, not timed out

    await webkit.goto(server.url + '/check')
    await waitForText(webkit, 'findings', /WebRTC is turned off or missing in this browser \(this browser has no RTCPeerConnection\)\./)
  } finally {
    for (const p of pages) await p.close()
    await server.stop()
  }
})
