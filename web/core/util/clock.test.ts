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
})
