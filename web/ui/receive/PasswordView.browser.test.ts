/**
 * The password form in real Chromium, on the IndexedDB store: the owner of a
 * password-protected drop (stopped sharing, still held) opens their own link
 * and mistypes the password. The drop must stay, record and bytes.
 */
import { describe, expect, it } from 'vitest'
import { page, userEvent } from 'vitest/browser'
import { createElement } from 'react'
import { createRoot } from 'react-dom/client'
import { PasswordView } from './PasswordView.js'
import { idbChunkStore, idbLibrary, openSwarmdropDb } from '../../browser/idb-store.js'
import { MemorySignalingHub } from '../../core/signaling/memory-hub.js'
import { useEngines } from '../../core/engine.fixtures.js'
import { bytesSource } from '../../core/chunking/source.js'
import { isPasswordLink, parseAnyLink } from '../../core/content/link.js'
import { digestOfCid } from '../../../format/cid.js'
import { secretFromPassword } from '../../core/crypto/password.js'
import { toHex } from '../../core/util/bytes.js'
import { pseudoRandomBytes } from '../../core/util/random.js'
import { once } from '../../core/drop.fixtures.js'

const engine = useEngines()

describe('password form', () => {
  it('an owner who mistypes their own password is asked again and keeps the drop', async () => {
    const db = await openSwarmdropDb(`password-${Date.now()}`)
    const store = idbChunkStore(db)
    const library = idbLibrary(db)
    const owner = engine(new MemorySignalingHub(), { store, library })
    const { fragment, drop: transfer } = await owner.share([bytesSource('contract.pdf', pseudoRandomBytes(50_000, 95))], {
      pieceSize: 16_384,
      password: 'open sesame',
    })
    const target = parseAnyLink(fragment)
    if (!isPasswordLink(target)) throw new Error('expected a password link')
    const manifest = transfer.swarm.manifest!
    const chunks = store.drop(digestOfCid(target.cid))
    const ids = [digestOfCid(target.cid), ...manifest.pieceIds]
    const bytesBefore = await Promise.all(ids.map(async (id) => toHex((await chunks.get(id))!)))
    await owner.setSeeding(target.cid, false) // "Stop sharing": still held
    const record = await library.get(target.cid)

    const container = document.body.appendChild(document.createElement('div'))
    const root = createRoot(container)
    root.render(createElement(PasswordView, { engine: owner, target }))
    await userEvent.fill(page.getByTestId('link-password'), 'open sesane')
    await userEvent.click(page.getByRole('button', { name: 'Open' }))
    await expect.element(page.getByTestId('password-error')).toHaveTextContent('Wrong password. Try again.')
    root.unmount()
    container.remove()

    expect(await library.get(target.cid)).toEqual(record)
    expect(await Promise.all(ids.map(async (id) => toHex((await chunks.get(id)) ?? new Uint8Array(0))))).toEqual(bytesBefore)
    const right = await owner.open({ cid: target.cid, secret: await secretFromPassword('open sesame', target.salt) })
    await once(right, 'complete')
    db.close()
  }, 30_000)
})
