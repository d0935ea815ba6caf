/**
 * WebKitGTK, a WebKit engine without WebRTC, receives a file shared in
 * Chromium and shares one that Chromium downloads, byte for byte, through the
 * server relay, and says why it goes through the server.
 */
import { chromiumPage } from './chromium.ts'
import { type EnginePage, receiveFile, shareFile, waitForText } from './engine-page.ts'
import { launchWebKit } from './webkit.ts'
import { startTestServer } from './server.ts'
import { expect, makeFile, newPeerPage, test } from './fixtures.ts'

const MIB = 1024 * 1024

test('WebKitGTK without WebRTC receives from and shares with Chromium through the relay, and says so', async ({ browser, workDir }) => {
  // A direct attempt that had to fail first would take the connect timeout (15 s); the relay deadline is never reached.
  const server = await startTestServer(['--relay-after=120000'])
  const webkit = await launchWebKit({ dir: workDir })
  const pages: EnginePage[] = [webkit]
  try {
    const toWebKit = makeFile(workDir, 'to-webkit.bin', 8 * MIB)
    const toChromium = makeFile(workDir, 'to-chromium.bin', 8 * MIB)
    const chromium = chromiumPage((await newPeerPage(browser)).page)
    pages.push(chromium)
    const link = await shareFile(chromium, server.url, toWebKit)
    const got = await receiveFile(webkit, link, toWebKit)
    await waitForText(webkit, 'webrtc-off', /This browser has WebRTC turned off: files go through the server, still end-to-end encrypted\./)
    console.log(`Chromium → WebKitGTK: ${got.mibPerSecond.toFixed(1)} MiB/s over ${got.kinds}, connected after ${got.connectedAfter.toFixed(1)} s`)
    expect(got.kinds).toEqual(['relay'])
    expect(got.connectedAfter).toBeLessThan(10)

    const receiver = chromiumPage((await newPeerPage(browser)).page)
    pages.push(receiver)
    const back = await shareFile(webkit, server.url, toChromium)
    const gotBack = await receiveFile(receiver, back, toChromium)
    console.log(`WebKitGTK → Chromium: ${gotBack.mibPerSecond.toFixed(1)} MiB/s over ${gotBack.kinds}, connected after ${gotBack.connectedAfter.toFixed(1)} s`)
    expect(gotBack.kinds).toEqual(['relay'])
    expect(gotBack.connectedAfter).toBeLessThan(10)

    await webkit.goto(server.url + '/check')
    await waitForText(webkit, 'findings', /WebRTC is turned off or missing in this browser \(this browser has no RTCPeerConnection\)\./)
  } finally {
    for (const p of pages) await p.close()
    await server.stop()
  }
})
