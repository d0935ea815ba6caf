/**
 * The UI's view of a Drop: the same snapshot object until the Drop's state
 * changes (what useSyncExternalStore needs), and each failure in the words the
 * page has always shown.
 */
import { describe, expect, it } from 'vitest'
import { Drop } from '../core/drop.js'
import { memoryStore } from '../core/storage/memory-store.js'
import { webCryptoProvider } from '../core/crypto/provider.js'
import { cidFromDigest } from '../../format/cid.js'
import { dropViewModel } from './drop-view-model.js'
import { failureText } from './drop-text.js'

describe('drop view model', () => {
  it('keeps one snapshot until the drop changes, then gives a new one with the failure in words', () => {
    const drop = new Drop({
      cid: cidFromDigest(new Uint8Array(32)),
      role: 'downloading',
      crypto: webCryptoProvider(),
      store: memoryStore(),
      keys: null,
    })
    const model = dropViewModel(drop)
    expect(dropViewModel(drop)).toBe(model)
    const first = model.getSnapshot()
    expect(model.getSnapshot()).toBe(first)
    expect(first).toMatchObject({ phase: 'finding-peers', error: null, errorKind: null })
    let notified = 0
    model.subscribe(() => notified++)
    drop.revoke()
    expect(notified).toBe(1)
    const revoked = model.getSnapshot()
    expect(revoked).not.toBe(first)
    expect(revoked).toMatchObject({
      phase: 'failed',
      errorKind: 'revoked',
      error: 'The owner stopped sharing this link everywhere: its files are no longer available.',
    })
    drop.stop()
  })

  it('says each failure as the page did', () => {
    expect(failureText({ kind: 'wrong-secret' })).toBe('The link’s secret (or the password) does not open this content.')
    expect(failureText({ kind: 'invalid-content', fileList: true, detail: 'a path is empty' })).toBe(
      'The file list in this content is invalid: a path is empty',
    )
    expect(failureText({ kind: 'invalid-content', fileList: false, detail: 'crafted' })).toBe('crafted')
    expect(failureText({ kind: 'storage', full: true, detail: 'QuotaExceededError: quota', piecesHeld: 3, piecesTotal: 9 })).toBe(
      "This browser's storage is full. 3 of 9 pieces are saved and still shared; free some disk space, then open the link again to continue.",
    )
    expect(failureText({ kind: 'storage', full: false, detail: 'Error: disk', piecesHeld: 0, piecesTotal: 2 })).toMatch(
      /^This browser's storage failed \(Error: disk\)\. 0 of 2/,
    )
    expect(failureText({ kind: 'space', neededBytes: 10, problem: 'needs 10 bytes' })).toBe('needs 10 bytes')
    const at = Date.UTC(2030, 0, 1)
    expect(failureText({ kind: 'expired', expiresAt: at })).toBe(
      `This link expired on ${new Date(at).toLocaleString()}: its files are no longer shared.`,
    )
  })
})
