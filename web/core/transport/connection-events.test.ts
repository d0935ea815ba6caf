import { describe, expect, it } from 'vitest'
import { memoryPair } from './memory.js'

describe('connection events', () => {
  it('hold messages that arrive before the first listener and deliver them in order, then live ones', async () => {
    const [a, b] = memoryPair('a', 'b')
    a.send(Uint8Array.of(1))
    a.send(Uint8Array.of(2))
    await new Promise((r) => setTimeout(r, 20)) // both arrived at b, which nobody listens to yet
    const got: number[] = []
    b.events.on('message', (m) => got.push(m[0]))
    a.send(Uint8Array.of(3))
    await new Promise((r) => setTimeout(r, 20))
    expect(got).toEqual([1, 2, 3])
  })

  it('drop held messages when the connection closes first', async () => {
    const [a, b] = memoryPair('a', 'b')
    a.send(Uint8Array.of(1))
    await new Promise((r) => setTimeout(r, 20))
    const closed: string[] = []
    b.events.on('close', ({ reason }) => closed.push(reason))
    b.close('bye')
    const got: number[] = []
    b.events.on('message', (m) => got.push(m[0]))
    await new Promise((r) => setTimeout(r, 20))
    expect(got).toEqual([])
    expect(closed).toEqual(['bye'])
  })
})
