/**
 * The CLI's progress display with a real transfer: a peer's warning (which
 * can quote what the peer sent) is shown on its own line, escaped.
 */
import { describe, expect, it } from 'vitest'
import { Writable } from 'node:stream'
import { Swarm } from '../web/core/swarm/swarm.js'
import { Transfer } from '../web/core/transfer.js'
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
    const cidDigest = new Uint8Array(32)
    const store = memoryStore().drop(cidDigest)
    const swarm = new Swarm({ cid: cidFromDigest(cidDigest), store, crypto })
    const transfer = new Transfer({ swarm, role: 'downloading', crypto, store, keys: null })
    const out = output()
    const stop = showProgress(transfer, out.stream)
    swarm.events.emit('warning', 'Dropped a peer that sent \x1b]0;pwned\x07\x1b[2J.')
    swarm.events.emit('warning', 'Dropped a peer that stalled.')
    stop()
    swarm.close()
    expect(out.text()).toContain('warning: Dropped a peer that sent \\x1b]0;pwned\\x07\\x1b[2J.\n')
    expect(out.text().match(/warning: Dropped a peer that stalled\./g)).toHaveLength(1)
    expect(out.text()).not.toContain('\x1b')
  })
})
