import { describe, expect, it } from 'vitest'
import { ManualClock } from './clock.js'

describe('ManualClock', () => {
  it('fires due timers in time order, intervals repeatedly, and nothing early', () => {
    const clock = new ManualClock(1_000)
    const fired: string[] = []
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20)
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10)
    const tick = clock.setInterval(() => fired.push(`i@${clock.now()}`), 15)
    clock.advance(9)
    expect(fired).toEqual([])
    clock.advance(21)
    expect(fired).toEqual(['a@1010', 'i@1015', 'b@1020', 'i@1030'])
    clock.clearInterval(tick)
    clock.advance(100)
    expect(fired).toHaveLength(4)
    expect(clock.now()).toBe(1_130)
  })

  it('throws instead of spinning when a timer keeps re-arming at zero delay', () => {
    const clock = new ManualClock()
    const rearm = () => clock.setTimeout(rearm, 0)
    rearm()
    expect(() => clock.advance(1, 1_000)).toThrow(/more than 1000 timers/)
  })

  it('steps one timer at a time, skipping cleared ones, and tells when the next is due', () => {
    const clock = new ManualClock()
    const fired: number[] = []
    const ids = Array.from({ length: 200 }, (_, i) => clock.setTimeout(() => fired.push(i), (i * 7919) % 1000))
    for (let i = 0; i < 200; i += 2) clock.clearTimeout(ids[i])
    expect(clock.pending).toBe(100)
    expect(clock.nextAt()).toBe(Math.min(...ids.map((_, i) => (i % 2 ? (i * 7919) % 1000 : Infinity))))
    while (clock.step()) {}
    const expected = Array.from({ length: 100 }, (_, k) => 2 * k + 1).sort((a, b) => ((a * 7919) % 1000) - ((b * 7919) % 1000) || a - b)
    expect(fired).toEqual(expected)
    expect(clock.pending).toBe(0)
    expect(clock.nextAt()).toBeUndefined()
    expect(clock.step()).toBe(false)
  })
})
