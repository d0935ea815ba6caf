/** The protocol version check: a page that speaks another version hears why and is disconnected; others are served. */
import { describe, expect, it } from 'vitest'
import { SIGNAL_PROTOCOL_VERSION, versionMismatch } from '../protocol/signal.js'
import { type TestClient, useTestServers } from './test-client.js'

const CID = 'bafkrei' + 'a'.repeat(52)
const { start, client } = useTestServers()

function closed(c: TestClient): Promise<number> {
  return new Promise((resolve) => c.ws.once('close', (code) => resolve(code)))
}

describe('protocol version', () => {
  it.each([
    ['older', SIGNAL_PROTOCOL_VERSION - 1],
    ['newer', SIGNAL_PROTOCOL_VERSION + 1],
  ])('answers a hello from an %s page with the versions of both and closes, serving nothing it sent', async (_, version) => {
    const server = await start()
    const page = await client(server, false)
    const gone = closed(page)
    page.send({ type: 'hello', protocol: version })
    page.send({ type: 'announce', cid: CID })
    const reply = await page.next()
    expect(reply).toEqual({
      type: 'error',
      code: 'protocol-mismatch',
      ref: 'hello',
      message: `This page speaks signaling protocol v${version}; the server speaks v${SIGNAL_PROTOCOL_VERSION} — reload the page`,
    })
    expect(await gone).toBe(1008)
    await server.hub.settled()
    expect((await server.metrics.announces.get()).values.map((v) => v.value)).toEqual([0]) // its announce was never handled
    const other = await client(server)
    other.send({ type: 'announce', cid: CID })
    expect(await other.next()).toEqual({ type: 'peers', cid: CID, peers: [] })
  })

  it('answers a page that says no hello (from before the check) the same way', async () => {
    const server = await start()
    const page = await client(server, false)
    const gone = closed(page)
    page.send({ type: 'announce', cid: CID })
    expect(await page.next()).toMatchObject({ code: 'protocol-mismatch', message: versionMismatch('none', SIGNAL_PROTOCOL_VERSION) })
    expect(await gone).toBe(1008)
    const binary = await client(server, false)
    binary.ws.send(Buffer.from([1, 1, 0]))
    expect(await binary.next()).toMatchObject({ code: 'protocol-mismatch' })
  })

  it('serves a page with the same version', async () => {
    const server = await start()
    const page = await client(server)
    page.send({ type: 'hello', protocol: SIGNAL_PROTOCOL_VERSION }) // a second hello changes nothing
    page.send({ type: 'lookup', cid: CID })
    expect(await page.next()).toEqual({ type: 'peers', cid: CID, peers: [] })
  })
})
