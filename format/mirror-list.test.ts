import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { cidFromDigest } from './cid.js'
import { InvalidMirrorListError, type MirrorListFault } from './errors.js'
import { type Manifest, encodeManifest } from './manifest.js'
import { MAX_MIRRORS, MAX_MIRROR_URL_LENGTH } from './mirror-base.js'
import { MAX_MIRROR_LIST_BYTES, type MirrorList, decodeMirrorList, signMirrorList, verifyMirrorList } from './mirror-list.js'
import { MirrorListCheck } from './mirror-list-stream.js'

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest())
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const raw = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'))
  return { raw, sign: async (message: Uint8Array) => new Uint8Array(sign(null, message, privateKey)) }
}

const nodeVerify = (key: Uint8Array, message: Uint8Array, signature: Uint8Array) =>
  verify(null, message, createPublicKey({ key: Buffer.concat([SPKI_PREFIX, key]), format: 'der', type: 'spki' }), signature)

function manifest(mirrorKey: Uint8Array | undefined): Manifest {
  return {
    version: 1,
    pieceSize: 2 ** 14,
    totalSize: 50_000,
    pieceIds: Array.from({ length: 4 }, () => new Uint8Array(randomBytes(32))),
    encryptedMetadata: new Uint8Array(200),
    expiresAt: 1e12,
    revokeHash: new Uint8Array(randomBytes(32)),
    mirrorKey,
  }
}

const owner = keyPair()
const bytes = encodeManifest(manifest(owner.raw))
const cid = cidFromDigest(sha256(bytes))
const list: MirrorList = {
  cidDigest: sha256(bytes),
  seq: 1_700_000_000_000,
  mirrors: ['https://a.example/data/', 'http://127.0.0.1:8080/'],
}

async function refusal(work: () => Promise<unknown> | unknown): Promise<MirrorListFault> {
  try {
    await work()
  } catch (err) {
    if (err instanceof InvalidMirrorListError) return err.fault
    throw err
  }
  throw new Error('not refused')
}

describe('published mirror lists', () => {
  it('round-trips a signed list, canonically, and verifies it with the manifest’s key', async () => {
    const record = await signMirrorList(list, owner.sign)
    const back = decodeMirrorList(record)
    expect({ cidDigest: back.cidDigest, seq: back.seq, mirrors: back.mirrors }).toEqual(list)
    expect(back.bytes).toEqual(record)
    await verifyMirrorList(back, { cid, mirrorKey: owner.raw }, nodeVerify)
    expect(await signMirrorList({ ...back }, owner.sign)).toEqual(record) // Ed25519 is deterministic: one list, one record
    const empty = decodeMirrorList(await signMirrorList({ ...list, mirrors: [] }, owner.sign))
    expect(empty.mirrors).toEqual([])
    await verifyMirrorList(empty, { cid, mirrorKey: owner.raw }, nodeVerify)
  })

  it('refuses a tampered signature, a changed URL, and a stranger’s key', async () => {
    const record = await signMirrorList(list, owner.sign)
    const badSignature = record.slice()
    badSignature[badSignature.length - 1] ^= 1
    expect(await refusal(() => verifyMirrorList(decodeMirrorList(badSignature), { cid, mirrorKey: owner.raw }, nodeVerify))).toBe(
      'bad-signature',
    )
    const changedUrl = record.slice()
    changedUrl[45 + 2 + 8] = 'b'.charCodeAt(0) // https://a… → https://b…
    expect(decodeMirrorList(changedUrl).mirrors[0]).toBe('https://b.example/data/')
    expect(await refusal(() => verifyMirrorList(decodeMirrorList(changedUrl), { cid, mirrorKey: owner.raw }, nodeVerify))).toBe(
      'bad-signature',
    )
    const stranger = keyPair()
    const forged = decodeMirrorList(await signMirrorList(list, stranger.sign))
    expect(await refusal(() => verifyMirrorList(forged, { cid, mirrorKey: owner.raw }, nodeVerify))).toBe('bad-signature')
    // A key that is no curve point at all makes the verifier throw: still just not the owner's.
    const notAKey = new Uint8Array(32).fill(0xff)
    expect(await refusal(() => verifyMirrorList(forged, { cid, mirrorKey: notAKey }, nodeVerify))).toBe('bad-signature')
  })

  it('refuses the owner’s list for another drop, for a drop without a mirror key, and a replayed older list', async () => {
    const otherDigest = sha256(encodeManifest(manifest(owner.raw)))
    const forOther = decodeMirrorList(await signMirrorList({ ...list, cidDigest: otherDigest }, owner.sign))
    expect(await refusal(() => verifyMirrorList(forOther, { cid, mirrorKey: owner.raw }, nodeVerify))).toBe('other-drop')
    const record = decodeMirrorList(await signMirrorList(list, owner.sign))
    expect(await refusal(() => verifyMirrorList(record, { cid, mirrorKey: undefined }, nodeVerify))).toBe('no-key')
    expect(await refusal(() => verifyMirrorList(record, { cid, mirrorKey: owner.raw, afterSeq: list.seq }, nodeVerify))).toBe('stale')
    expect(await refusal(() => verifyMirrorList(record, { cid, mirrorKey: owner.raw, afterSeq: list.seq + 1 }, nodeVerify))).toBe('stale')
    await verifyMirrorList(record, { cid, mirrorKey: owner.raw, afterSeq: list.seq - 1 }, nodeVerify)
  })

  it('refuses bad URLs, too many mirrors and out-of-range numbers when signing', async () => {
    const bad = [
      ['ftp://a.example/'],
      ['https://a.example/?x=1'],
      ['https://user:pw@a.example/'],
      ['https://a.example/data'], // not canonical: no trailing slash
      ['HTTPS://A.example/'], // not canonical: the parser lower-cases
      ['https://a.example/', 'https://a.example/'],
      [`https://a.example/${'x'.repeat(MAX_MIRROR_URL_LENGTH)}/`],
      Array.from({ length: MAX_MIRRORS + 1 }, (_, i) => `https://m${i}.example/`),
    ]
    for (const mirrors of bad) expect(await refusal(() => signMirrorList({ ...list, mirrors }, owner.sign)), mirrors[0]).toBe('malformed')
    for (const seq of [-1, 1.5, 2 ** 53]) expect(await refusal(() => signMirrorList({ ...list, seq }, owner.sign))).toBe('malformed')
  })

  it('decodes hostile bytes into a typed refusal, never anything else', async () => {
    const record = await signMirrorList(list, owner.sign)
    const cases: Uint8Array[] = [
      record.subarray(0, record.length - 1), // truncated signature
      Uint8Array.of(...record, 0), // trailing byte
      new Uint8Array(MAX_MIRROR_LIST_BYTES + 1), // oversize
      Uint8Array.of(0x53, 0x44, 0x4d, ...record.subarray(3)), // a manifest's magic
      Uint8Array.of(...record.subarray(0, 3), 2, ...record.subarray(4)), // a later version
    ]
    const tooMany = record.slice()
    tooMany[44] = MAX_MIRRORS + 1
    const overrun = record.slice()
    overrun[45] = 0xff // the first URL's length runs past the end
    const bigSeq = record.slice()
    bigSeq.fill(0xff, 36, 44)
    const nonAscii = record.slice()
    nonAscii[45 + 2 + 9] = 0xe9
    for (const bytes of [...cases, tooMany, overrun, bigSeq, nonAscii])
      expect(await refusal(() => decodeMirrorList(bytes))).toBe('malformed')
    // Random bytes, and the record cut anywhere with random bytes after: a refusal or a list, never another error.
    for (let round = 0; round < 2_000; round++) {
      const noise = new Uint8Array(randomBytes(round % 600))
      for (const input of [noise, Uint8Array.of(...record.subarray(0, round % record.length), ...noise)]) {
        try {
          decodeMirrorList(input)
        } catch (err) {
          if (!(err instanceof InvalidMirrorListError)) throw err
        }
      }
    }
  })

  it('checks a list against a manifest streamed in parts of any size, as the server does', async () => {
    const record = decodeMirrorList(await signMirrorList(list, owner.sign))
    const verdict = async (manifestBytes: Uint8Array, partBytes: number, forCid = cid, signed = record) => {
      const check = new MirrorListCheck(forCid, signed, manifestBytes.length, () => createHash('sha256'))
      for (let at = 0; at < manifestBytes.length; at += partBytes) check.push(manifestBytes.subarray(at, at + partBytes))
      return check.verdict(nodeVerify)
    }
    for (const partBytes of [1, 7, 18, 31, 32, 33, 250, bytes.length])
      expect(await verdict(bytes, partBytes), `parts of ${partBytes}`).toBeNull()
    const keyless = encodeManifest(manifest(undefined))
    const forKeyless = decodeMirrorList(await signMirrorList({ ...list, cidDigest: sha256(keyless) }, owner.sign))
    expect(await verdict(keyless, 64, cidFromDigest(sha256(keyless)), forKeyless)).toMatch(/without a mirror key/)
    expect(await verdict(keyless, 64)).toBe('the manifest does not match the CID')
    const forged = decodeMirrorList(await signMirrorList(list, keyPair().sign))
    expect(await verdict(bytes, 64, cid, forged)).toBe("the list is not signed by the drop's owner")
    const short = new MirrorListCheck(cid, record, bytes.length - 1, () => createHash('sha256'))
    expect(() => short.push(bytes)).toThrow(RangeError)
  })
})
