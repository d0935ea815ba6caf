import WebSocket from 'ws'
import { randomBytes } from 'node:crypto'
import { MAX_MANIFEST_PART_BYTES, encodeManifestPart } from '../protocol/relay.js'
import { SIGNAL_PROTOCOL_VERSION } from '../protocol/signal.js'
import { digestOfCid } from '../format/cid.js'
import { toHex } from '../web/core/util/bytes.js'
import { expect, makeFile, newPeerPage, shareFiles, storedChunks, test } from './fixtures.js'

/** Sends a tombstone the way a client does, from outside any browser; resolves with the server's answer. */
async function sendTombstone(serverUrl: string, cid: string, secret: string, manifest: Uint8Array): Promise<Record<string, unknown>> {
  const ws = new WebSocket(serverUrl.replace('http', 'ws') + '/ws')
  const messages: Record<string, unknown>[] = []
  ws.on('message', (data, binary) => !binary && messages.push(JSON.parse(data.toString())))
  await new Promise((resolve) => ws.once('open', resolve))
  await expect.poll(() => messages.length).toBe(1) // welcome
  ws.send(JSON.stringify({ type: 'hello', protocol: SIGNAL_PROTOCOL_VERSION }))
  ws.send(JSON.stringify({ type: 'revoke', cid, secret, size: manifest.length }))
  for (let at = 0; at < manifest.length; at += MAX_MANIFEST_PART_BYTES)
    ws.send(encodeManifestPart(manifest.subarray(at, at + MAX_MANIFEST_PART_BYTES)))
  await expect.poll(() => messages.length).toBe(2)
  ws.close()
  return messages[1]
}

/**
 * Joins the swarm from outside any browser and sends every member a harmless
 * relay-close for no relay: a marker that reaches each page over its
 * server socket after anything the server sent it before. Returns the sender's id.
 */
async function signalEveryMember(serverUrl: string, cid: string): Promise<string> {
  const ws = new WebSocket(serverUrl.replace('http', 'ws') + '/ws')
  const messages: Record<string, unknown>[] = []
  ws.on('message', (data, binary) => !binary && messages.push(JSON.parse(data.toString())))
  await new Promise((resolve) => ws.once('open', resolve))
  await expect.poll(() => messages.length).toBe(1) // welcome
  ws.send(JSON.stringify({ type: 'hello', protocol: SIGNAL_PROTOCOL_VERSION }))
  ws.send(JSON.stringify({ type: 'announce', cid }))
  await expect.poll(() => messages.length).toBe(2)
  const { peers } = messages[1] as { peers: string[] }
  for (const to of peers) ws.send(JSON.stringify({ type: 'relay-close', to, cid }))
  ws.close()
  return messages[0].id as string
}

test('stop sharing everywhere deletes the drop from every browser; a forged tombstone changes nothing', async ({
  browser,
  server,
  workDir,
}) => {
  const file = makeFile(workDir, 'draft.pdf', 3 * 1024 * 1024)
  const a = await newPeerPage(browser)
  const link = await shareFiles(a.page, server.url, [file])
  const cid = link.split('#')[1].split('.')[0]
  const receivers = [await newPeerPage(browser), await newPeerPage(browser)]
  const fromServer = receivers.map(() => [] as Record<string, unknown>[]) // what each receiver's page hears from the server
  for (const [i, r] of receivers.entries()) {
    r.page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => typeof payload === 'string' && fromServer[i].push(JSON.parse(payload))),
    )
    await r.page.goto(link)
    await expect(r.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete', { timeout: 60_000 })
  }
  const manifestKey = toHex(digestOfCid(cid))
  const held = await storedChunks(receivers[0].page, manifestKey)
  expect(held.keys.length).toBeGreaterThan(3) // the manifest and the pieces
  expect(held.value).not.toBeNull()

  // A tombstone with the real manifest and a made-up secret: refused, nobody deletes anything.
  const forged = await sendTombstone(server.url, cid, randomBytes(32).toString('base64url'), Uint8Array.from(held.value!))
  expect(forged).toMatchObject({ type: 'error', code: 'bad-tombstone' })
  const marker = await signalEveryMember(server.url, cid)
  for (const [i, heard] of fromServer.entries()) {
    await expect.poll(() => heard.some((m) => m.type === 'relay-close' && m.from === marker), { message: `page ${i}` }).toBe(true)
    expect(heard.filter((m) => m.type === 'revoked')).toEqual([]) // the refused tombstone went to nobody
  }
  for (const r of receivers) {
    await expect(r.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'complete')
    expect((await storedChunks(r.page)).keys).toEqual(held.keys)
  }

  // The owner stops sharing everywhere.
  a.page.on('dialog', (dialog) => void dialog.accept())
  await a.page.getByText('Owner controls').click()
  await expect(a.page.getByTestId('owner-link')).toHaveValue(new RegExp(`#${cid}\\.[A-Za-z0-9_-]{43}\\.r\\.[A-Za-z0-9_-]{43}$`))
  const sharePanel = a.page.getByRole('region', { name: 'Your link is ready' })
  await sharePanel.getByTestId('revoke').click()
  await expect(sharePanel.getByTestId('revoke-done')).toBeVisible()
  for (const [i, r] of [a, ...receivers].entries())
    await expect.poll(async () => (await storedChunks(r.page)).keys, { timeout: 10_000, message: `page ${i}` }).toEqual([])
  for (const r of receivers) {
    await expect(r.page.getByTestId('receive-phase')).toContainText('stopped sharing this link everywhere')
    await expect(r.page.getByTestId('file-row')).toHaveCount(0) // nothing left to save
  }

  // Anyone opening the link later is told, and nothing is fetched.
  const late = await newPeerPage(browser)
  await late.page.goto(link)
  await expect(late.page.getByTestId('receive-phase')).toContainText('stopped sharing this link everywhere')
  await expect(late.page.getByTestId('receive-phase')).toHaveAttribute('data-phase', 'failed')
})
