/**
 * The simulator's network: its connections keep the Connection contract
 * (driven here by a loop that steps the virtual clock), and its links move
 * bytes at the rates and latencies they are given.
 */
import { describe, expect, it } from 'vitest'
import { connectionContract } from '../../web/core/transport/connection.contract.js'
import { ManualClock } from '../../web/core/util/clock.js'
import { seededRandom } from '../../web/core/util/random.js'
import { SimNetwork } from './network.js'

const HOST = { upBytesPerSecond: 1_000_000, downBytesPerSecond: 4_000_000, latencyMs: 10 }

/** Steps virtual time whenever the real event loop is free, until stopped: real-time waits see the network move. */
function drive(clock: ManualClock): () => void {
  let running = true
  const loop = () => {
    for (let i = 0; i < 1_000 && running && clock.step(); i++) {}
    if (running) setImmediate(loop)
  }
  setImmediate(loop)
  return () => {
    running = false
  }
}

connectionContract(
  'simulated network',
  async () => {
    const clock = new ManualClock()
    const net = new SimNetwork(clock, seededRandom(1))
    net.addHost('peer-a', HOST)
    net.addHost('peer-b', HOST)
    const stop = drive(clock)
    const [a, b] = net.connect('peer-a', 'peer-b')
    return { a, b, dispose: async () => stop() }
  },
  { carriesCloseReason: true, remoteCloseIsPrompt: true },
)

describe('simulated links', () => {
  it('a frame takes its uplink time, both latencies and its downlink time; a busy uplink shares fairly', async () => {
    const clock = new ManualClock()
    const net = new SimNetwork(clock, seededRandom(1))
    net.addHost('s', { upBytesPerSecond: 100_000, downBytesPerSecond: 1_000_000, latencyMs: 5 })
    net.addHost('x', { upBytesPerSecond: 100_000, downBytesPerSecond: 1_000_000, latencyMs: 15 })
    net.addHost('y', { upBytesPerSecond: 100_000, downBytesPerSecond: 1_000_000, latencyMs: 15 })
    const [sx, xs] = net.connect('s', 'x')
    const [sy, ys] = net.connect('s', 'y')
    const arrivals: Record<string, number[]> = { x: [], y: [] }
    xs.events.on('message', () => arrivals.x.push(clock.now()))
    ys.events.on('message', () => arrivals.y.push(clock.now()))
    await Promise.resolve() // the sources deliver to their first listener from a microtask on
    // 10 kB alone: 100 ms up, 20 ms across, 10 ms down.
    sx.send(new Uint8Array(10_000))
    while (clock.step()) {}
    expect(arrivals.x).toEqual([130])
    // Two connections from one uplink: the frames alternate, so each takes twice as long.
    for (let i = 0; i < 3; i++) {
      sx.send(new Uint8Array(10_000))
      sy.send(new Uint8Array(10_000))
    }
    while (clock.step()) {}
    expect(arrivals.x.slice(1).map((t) => t - 130)).toEqual([130, 330, 530])
    expect(arrivals.y.map((t) => t - 130)).toEqual([230, 430, 630])
    expect(net.host('s')!.counters.sent).toBe(70_000)
  })
})
