import { describe, expect, it, vi } from 'vitest'
import { TurnBatch } from './batch.js'

/** A run that answers only when told to: each call's items and its resolver. */
function heldRuns() {
  const runs: { items: number[]; answer(): void; fail(err: Error): void }[] = []
  const run = (items: number[]) =>
    new Promise<number[]>((resolve, reject) => {
      runs.push({ items, answer: () => resolve(items.map((n) => n * 10)), fail: reject })
    })
  return { runs, run }
}

describe('TurnBatch', () => {
  it('runs the calls of one turn as one, answering each in order', async () => {
    const { runs, run } = heldRuns()
    const batch = new TurnBatch(run, 100)
    const answers = [1, 2, 3].map((n) => batch.add(n))
    await vi.waitFor(() => expect(runs).toHaveLength(1))
    expect(runs[0].items).toEqual([1, 2, 3])
    runs[0].answer()
    expect(await Promise.all(answers)).toEqual([10, 20, 30])
  })

  it('holds later calls while the runs allowed are in flight, then sends them together', async () => {
    const { runs, run } = heldRuns()
    const batch = new TurnBatch(run, 100, 1)
    const first = batch.add(1)
    await vi.waitFor(() => expect(runs).toHaveLength(1))
    const later = [2, 3].map((n) => batch.add(n))
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
    expect(runs).toHaveLength(1) // still held: the first run has not returned
    runs[0].answer()
    await vi.waitFor(() => expect(runs).toHaveLength(2))
    expect(runs[1].items).toEqual([2, 3])
    runs[1].answer()
    expect([await first, ...(await Promise.all(later))]).toEqual([10, 20, 30])
  })

  it('splits at the most items a run takes and keeps at most so many runs in flight', async () => {
    const { runs, run } = heldRuns()
    const batch = new TurnBatch(run, 2, 2)
    const answers = [1, 2, 3, 4, 5].map((n) => batch.add(n))
    await vi.waitFor(() => expect(runs).toHaveLength(2))
    expect(runs.map((r) => r.items)).toEqual([
      [1, 2],
      [3, 4],
    ])
    runs[0].answer()
    await vi.waitFor(() => expect(runs).toHaveLength(3))
    expect(runs[2].items).toEqual([5])
    runs[1].answer()
    runs[2].answer()
    expect(await Promise.all(answers)).toEqual([10, 20, 30, 40, 50])
  })

  it('fails only the calls of a failed run, and goes on with the next', async () => {
    const { runs, run } = heldRuns()
    const batch = new TurnBatch(run, 100, 1)
    const failed = batch.add(1)
    await vi.waitFor(() => expect(runs).toHaveLength(1))
    const next = batch.add(2)
    runs[0].fail(new Error('redis gone'))
    await expect(failed).rejects.toThrow('redis gone')
    await vi.waitFor(() => expect(runs).toHaveLength(2))
    runs[1].answer()
    expect(await next).toBe(20)
  })
})
