/**
 * The swarm simulator on small cases: every downloader finishes with genuine
 * pieces, lying peers get nothing accepted, a run is the same for the same
 * seed, pieces nobody holds any more are reported, and the bound is the
 * fluid model's.
 */
import { describe, expect, it } from 'vitest'
import { runScenario } from './sim.js'
import { HOME, type Scenario } from './scenarios.js'
import { fluidBound, summarize } from './report.js'

const small: Scenario = {
  name: 'small',
  downloaders: 6,
  pieces: 32,
  scale: 8,
  seeder: HOME,
  downloader: HOME,
  arrival: { kind: 'flash', spreadMs: 1_000 },
  stayFraction: 0,
  seed: 3,
  limitMs: 300_000,
}

describe('swarm simulator', () => {
  it('a flash crowd finishes with every stored piece genuine, within a few times the bound', async () => {
    const result = await runScenario(small)
    const summary = summarize(result)
    expect(result.timedOut).toBe(false)
    expect(summary.completed).toBe(6)
    expect(summary.corruptAccepted).toBe(0)
    expect(summary.last).toBeGreaterThanOrEqual(summary.bound)
    expect(summary.last).toBeLessThan(4 * summary.bound)
  })

  it('gives the same run for the same seed, and another for another', async () => {
    const times = async (seed: number) => (await runScenario({ ...small, seed })).peers.map((p) => [p.id, p.completedAt, p.bytesUp])
    const first = await times(3)
    expect(await times(3)).toEqual(first)
    expect(await times(4)).not.toEqual(first)
  })

  it('accepts nothing from two lying peers that claim every piece', async () => {
    const result = await runScenario({ ...small, liars: 2 })
    const summary = summarize(result)
    expect(summary.completed).toBe(6)
    expect(summary.corruptAccepted).toBe(0)
    expect(summary.wasted).toBeGreaterThan(0) // their pieces arrived and were thrown away
  })

  it('reports the pieces nobody holds once the seeder and the downloaders left early, and stops', async () => {
    // Twelve downloaders together get every piece out (and the seeder leaves); each then leaves before finishing.
    const result = await runScenario({ ...small, downloaders: 12, seederLeavesAfterFirstCopy: true, churnFraction: 1, limitMs: 120_000 })
    const summary = summarize(result)
    expect(summary.completed).toBe(0)
    // The run stops once those still there all lack a piece nobody holds: it does not wait out its limit.
    expect(summary.leftEarly + summary.stuck).toBe(12)
    expect(result.timedOut).toBe(false)
    expect(result.lost.length).toBeGreaterThan(0)
  })

  it('computes the fluid bound: the seeder, the slowest downloader, or everyone’s uploads', () => {
    const host = (up: number, down: number) => ({ upBytesPerSecond: up, downBytesPerSecond: down, latencyMs: 0 })
    expect(fluidBound(1000, 10, [host(10, 1000)])).toBe(100) // F / u_s
    expect(fluidBound(1000, 1000, [host(10, 20)])).toBe(50) // F / d_min
    expect(
      fluidBound(
        1000,
        10,
        Array.from({ length: 9 }, () => host(10, 1000)),
      ),
    ).toBe(100) // N·F / (u_s + Σu) = 9000/100
    expect(
      fluidBound(
        1000,
        20,
        Array.from({ length: 19 }, () => host(10, 1000)),
      ),
    ).toBe(19000 / 210)
  })
})
