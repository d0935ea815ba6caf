/**
 * The CLI's progress display with a real drop: a peer's warning (which
 * can quote what the peer sent) is shown on its own line, escaped.
 */
import { describe, expect, it } from 'vitest'
import { Writable } from 'node:stream'
import { Drop } from '../web/core/drop.js'
import { memoryStore } from '../web/core/storage/memory-store.js'
import { webCryptoProvider } from '../web/core/crypto/provider.js'
import { cidFromDigest } from '../format/cid.js'
import { showProgress } from './progress.js'

function output(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = ''
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk
      done()
    },
  }) as unknown as NodeJS.WriteStream
  return { stream, text: () => text }
}

describe('progress on the terminal', () => {
  it('prints each transfer warning once, with what drives a terminal escaped', () => {
    const crypto = webCryptoProvider()
    const drop = new Drop({ cid: cidFromDigest(new Uint8Array(32)), role: 'downloading', crypto, store: memoryStore(), keys: null })
    drop.run()
    const swarm = drop.swarm
    const out = output()
    const stop = showProgress(drop, out.stream)
    swarm.events.emit('warning', 'Dropped a peer that sent \x1b]0;pwned\x07\x1b[2J.')
    swarm.events.emit('warning', 'Dropped a peer that stalled.')
    stop()
    drop.stop()
    expect(out.text()).toContain('warning: Dropped a peer that sent \\x1b]0;pwned\\x07\\x1b[2J.\n')
    expect(out.text().match(/warning: Dropped a peer that stalled\./g)).toHaveLength(1)
    expect(out.text()).not.toContain('\x1b')
  })
})
