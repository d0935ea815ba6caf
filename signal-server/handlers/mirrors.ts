/**
 * Published mirror lists: a 'mirrors-publish' message (the signed list),
 * then the drop's manifest in binary parts, as for a tombstone. The server
 * checks the manifest against the CID and the list's signature against the
 * manifest's mirror key (format/mirror-list-stream.ts), then keeps the list
 * if it is newer than the one kept (state.ts, atomically). So a stranger
 * can neither add a mirror (no signature) nor hold the owner's list back (a
 * newer seq always wins, and only the owner can sign one). 'mirrors-get'
 * answers with the list kept; every peer checks it again.
 */
import { createHash, createPublicKey, verify } from 'node:crypto'
import { bytesEqual, fromBase64Url, toBase64Url } from '../../format/bytes.js'
import { digestOfCid } from '../../format/cid.js'
import { InvalidMirrorListError } from '../../format/errors.js'
import { type SignedMirrorList, decodeMirrorList } from '../../format/mirror-list.js'
import { MirrorListCheck } from '../../format/mirror-list-stream.js'
import type { Client, Handlers, HubContext } from '../hub-context.js'
import { AddressQuota } from '../quota.js'

/** DER prefix of an Ed25519 SubjectPublicKeyInfo: node:crypto takes a raw key in this wrapping. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
  return verify(null, message, key, signature)
}

export class MirrorLists {
  readonly #quota: AddressQuota
  readonly handlers: Handlers<'mirrors-publish' | 'mirrors-get'>

  constructor(private readonly ctx: HubContext) {
    const { options } = ctx
    const { publishesPerHour } = options.mirrorLists
    this.#quota = new AddressQuota(publishesPerHour, 3_600_000, () => ctx.clock.now())
    this.handlers = {
      'mirrors-publish': (client, message) => {
        // One manifest arrives at a time per connection: a new upload replaces one still arriving.
        client.tombstone = null
        client.mirrorList = null
        const ref = message.type
        if (!this.#quota.allows(client.address)) {
          return ctx.reject(client, 'rate-limited', `one address may publish ${publishesPerHour} mirror lists per hour`, ref)
        }
        this.#quota.take(client.address)
        let list: SignedMirrorList
        try {
          list = decodeMirrorList(fromBase64Url(message.list))
        } catch (err) {
          if (!(err instanceof InvalidMirrorListError || err instanceof TypeError)) throw err
          return ctx.reject(client, 'bad-mirror-list', `mirror list refused: ${err.message}`, ref)
        }
        if (!bytesEqual(list.cidDigest, digestOfCid(message.cid))) {
          return ctx.reject(client, 'bad-mirror-list', 'mirror list refused: the list is for another drop', ref)
        }
        client.mirrorList = new MirrorListCheck(message.cid, list, message.size, () => createHash('sha256'))
      },
      'mirrors-get': async (client, message) => {
        ctx.send(client, { type: 'mirrors', cid: message.cid, list: (await options.state.mirrorList(message.cid)) ?? null })
      },
    }
  }

  async manifestPart(client: Client, part: Uint8Array): Promise<void> {
    const { ctx } = this
    const check = client.mirrorList!
    const ref = 'mirrors-publish'
    let done: boolean
    try {
      done = check.push(part)
    } catch {
      client.mirrorList = null
      return ctx.reject(client, 'bad-mirror-list', 'more manifest bytes than the mirrors-publish message announced', ref)
    }
    if (!done) return
    client.mirrorList = null
    const invalid = await check.verdict(ed25519Verify)
    if (invalid) return ctx.reject(client, 'bad-mirror-list', `mirror list refused: ${invalid}`, ref)
    const { state, mirrorLists, logger } = ctx.options
    const { cid, list } = check
    const kept = await state.publishMirrorList(cid, list.seq, toBase64Url(list.bytes), mirrorLists.ttlMs, {
      maxLists: mirrorLists.maxLists,
    })
    if (!kept.recorded) {
      return ctx.reject(client, 'bad-mirror-list', `mirror list refused: a list as new or newer (number ${kept.seq}) is published`, ref)
    }
    logger.info('mirror list published', { cid: cid.slice(0, 12), mirrors: list.mirrors.length })
    ctx.send(client, { type: 'mirrors', cid, list: kept.list }) // the owner's confirmation
  }
}
