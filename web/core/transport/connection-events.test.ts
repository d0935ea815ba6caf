import { describe, expect, it } from 'vitest'
import { ConnectionEventSource } from './connection-events.js'

describe('connection events', () => {
  it('hold messages that arrive before the first listener and deliver them in order, then live ones', async () => {
    const source = new ConnectionEventSource()
    source.message(Uint8Array.of(1))
    source.message(Uint8Array.of(2)) // both arrived, nobody listens yet
    const got: number[] = []
    const third = new Promise<void>((resolve) =>
      source.events.on('message', (m) => {
        got.push(m[0])
        if (m[0] === 3) resolve()
      }),
    )
    expect(got).toEqual([]) // not while the owner is still wiring up
    source.message(Uint8Array.of(3))
    await third
    expect(got).toEqual([1, 2, 3])
  })

  it('drop held messages when the connection closes first', async () => {
    const source = new ConnectionEventSource()
    source.message(Uint8Array.of(1))
    const closed: string[] = []
    source.events.on('close', ({ reason }) => closed.push(reason))
    source.close('bye', true)
    const got: number[] = []
    source.events.on('message', (m) => got.push(m[0]))
    await Promise.resolve() // queued after any delivery of held messages: it would have run by now
    expect(got).toEqual([])
    expect(closed).toEqual(['bye'])
  })
})
