/**
 * A published mirror list: the owner's word on which blind mirrors serve a
 * drop, given after the link went out (a link's own mirrors are after `#`
 * and cannot change). It is signed with the Ed25519 key the manifest names
 * (manifest.ts, `mirrorKey`), whose private half only the holder of the
 * revoke secret can derive, and it names the drop's CID digest, so a
 * stranger can neither make a list nor move one to another drop. A higher
 * `seq` replaces a lower one (the owner's clock, in ms), so an old list
 * cannot be replayed over a newer one where the newer one is known.
 *
 * The URLs are plaintext: the server that keeps the list and every peer that
 * asks for it (pin nodes too, which hold no key) can read them. That is the
 * point — a blind peer can fetch from them — and the difference from a link's
 * mirrors, which only holders of the link see.
 *
 * Layout (big-endian):
 *
 * | offset | bytes | field                                                     |
 * |--------|-------|-----------------------------------------------------------|
 * | 0      | 3     | magic "SDL"                                               |
 * | 3      | 1     | version (1)                                               |
 * | 4      | 32    | CID digest: SHA-256 of the drop's manifest                |
 * | 36     | 8     | seq (u64, at most 2^53 − 1)                               |
 * | 44     | 1     | N, the number of mirrors (0…MAX_MIRRORS)                  |
 * | 45     |       | N × (u16 length L, then L bytes of ASCII: the base URL)   |
 * |        | 64    | Ed25519 signature of SIGNING_DOMAIN ‖ every byte before it |
 *
 * Each URL is a canonical mirror base (mirror-base.ts), no two alike. Decoding
 * is strict: any other length or value is refused, so a list has one byte form.
 * Signing and verifying are the caller's (WebCrypto or @noble in the engine,
 * node:crypto on the server): the format brings no crypto of its own.
 */
import { bytesEqual } from './bytes.js'
import { digestOfCid } from './cid.js'
import { InvalidMirrorListError } from './errors.js'
import { MAX_MIRRORS, MAX_MIRROR_URL_LENGTH, isCanonicalMirrorBase } from './mirror-base.js'

export const MIRROR_LIST_MAGIC = Uint8Array.of(0x53, 0x44, 0x4c) // "SDL"
export const MIRROR_LIST_VERSION = 1
export const MIRROR_KEY_BYTES = 32
export const MIRROR_SIGNATURE_BYTES = 64
const HEADER_BYTES = 45
/** The largest list: every mirror at its longest. */
export const MAX_MIRROR_LIST_BYTES = HEADER_BYTES + MAX_MIRRORS * (2 + MAX_MIRROR_URL_LENGTH) + MIRROR_SIGNATURE_BYTES
/** Prefixed to what is signed, so a mirror-list signature means nothing in any other protocol. */
const SIGNING_DOMAIN = Uint8Array.from('swarmdrop mirror list v1\0', (c) => c.charCodeAt(0))

export interface MirrorList {
  readonly cidDigest: Uint8Array
  /** Increases with every list the owner publishes: a list replaces only lists of lower seq. */
  readonly seq: number
  /** Base URLs ending in `/`, in the owner's order. */
  readonly mirrors: readonly string[]
}

export interface SignedMirrorList extends MirrorList {
  readonly signature: Uint8Array
  /** The whole record, as stored and sent. */
  readonly bytes: Uint8Array
}

/** Ed25519 verification as the caller has it. */
export type Ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean | Promise<boolean>

function checkList(list: MirrorList): void {
  if (list.cidDigest.length !== 32) throw new InvalidMirrorListError('malformed', 'the CID digest is not 32 bytes')
  if (!Number.isSafeInteger(list.seq) || list.seq < 0) throw new InvalidMirrorListError('malformed', 'the sequence number is out of range')
  if (list.mirrors.length > MAX_MIRRORS) throw new InvalidMirrorListError('malformed', `a list names at most ${MAX_MIRRORS} mirrors`)
  if (new Set(list.mirrors).size !== list.mirrors.length) throw new InvalidMirrorListError('malformed', 'a mirror is listed twice')
  for (const url of list.mirrors) {
    // Canonical bases are ASCII (the URL serialiser percent-encodes and punycodes), one byte per character.
    if (!isCanonicalMirrorBase(url) || !/^[\x21-\x7e]+$/.test(url)) {
      throw new InvalidMirrorListError('malformed', `“${url.slice(0, 80)}” is not a mirror's base URL in canonical form`)
    }
  }
}

/** The unsigned part: every byte the signature covers, after the domain. */
function encodeBody(list: MirrorList): Uint8Array {
  checkList(list)
  const out = new Uint8Array(HEADER_BYTES + list.mirrors.reduce((n, url) => n + 2 + url.length, 0))
  const view = new DataView(out.buffer)
  out.set(MIRROR_LIST_MAGIC, 0)
  out[3] = MIRROR_LIST_VERSION
  out.set(list.cidDigest, 4)
  view.setBigUint64(36, BigInt(list.seq))
  out[44] = list.mirrors.length
  let at = HEADER_BYTES
  for (const url of list.mirrors) {
    view.setUint16(at, url.length)
    for (let i = 0; i < url.length; i++) out[at + 2 + i] = url.charCodeAt(i)
    at += 2 + url.length
  }
  return out
}

function signingBytes(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(SIGNING_DOMAIN.length + body.length)
  out.set(SIGNING_DOMAIN)
  out.set(body, SIGNING_DOMAIN.length)
  return out
}

/** Encodes and signs a list; `sign` signs with the drop's mirror key (Ed25519). Throws InvalidMirrorListError on a bad list. */
export async function signMirrorList(list: MirrorList, sign: (message: Uint8Array) => Promise<Uint8Array>): Promise<Uint8Array> {
  const body = encodeBody(list)
  const signature = await sign(signingBytes(body))
  if (signature.length !== MIRROR_SIGNATURE_BYTES) throw new RangeError('an Ed25519 signature is 64 bytes')
  const out = new Uint8Array(body.length + MIRROR_SIGNATURE_BYTES)
  out.set(body)
  out.set(signature, body.length)
  return out
}

/**
 * The list in `bytes`, checked for form only (not yet for whose it is:
 * verifyMirrorList). Throws InvalidMirrorListError ('malformed').
 */
export function decodeMirrorList(bytes: Uint8Array): SignedMirrorList {
  const malformed = (why: string) => new InvalidMirrorListError('malformed', why)
  if (bytes.length > MAX_MIRROR_LIST_BYTES) throw malformed('the list is larger than the format allows')
  if (bytes.length < HEADER_BYTES + MIRROR_SIGNATURE_BYTES) throw malformed('the list is truncated')
  if (!bytesEqual(bytes.subarray(0, 3), MIRROR_LIST_MAGIC)) throw malformed('not a Swarmdrop mirror list')
  if (bytes[3] !== MIRROR_LIST_VERSION) throw malformed(`unsupported mirror list version ${bytes[3]}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const seq = view.getBigUint64(36)
  if (seq > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('the sequence number is out of range')
  const count = bytes[44]
  if (count > MAX_MIRRORS) throw malformed(`a list names at most ${MAX_MIRRORS} mirrors`)
  const end = bytes.length - MIRROR_SIGNATURE_BYTES
  const mirrors: string[] = []
  let at = HEADER_BYTES
  for (let i = 0; i < count; i++) {
    if (at + 2 > end) throw malformed('the list is truncated')
    const length = view.getUint16(at)
    if (length > MAX_MIRROR_URL_LENGTH || at + 2 + length > end) throw malformed('a mirror URL overruns the list')
    mirrors.push(String.fromCharCode(...bytes.subarray(at + 2, at + 2 + length)))
    at += 2 + length
  }
  if (at !== end) throw malformed('the list has trailing bytes')
  const list = { cidDigest: bytes.slice(4, 36), seq: Number(seq), mirrors }
  checkList(list)
  return { ...list, signature: bytes.slice(end), bytes: bytes.slice() }
}

/**
 * Checks that `record` is the owner's list for this drop: it names the CID,
 * the manifest has a mirror key (checked against the CID by the caller) and
 * the signature verifies with it, and it is newer than `afterSeq` when one is
 * known. Throws InvalidMirrorListError with the reason.
 */
export async function verifyMirrorList(
  record: SignedMirrorList,
  expected: { cid: string; mirrorKey: Uint8Array | undefined; afterSeq?: number },
  verify: Ed25519Verify,
): Promise<void> {
  if (!bytesEqual(record.cidDigest, digestOfCid(expected.cid)))
    throw new InvalidMirrorListError('other-drop', 'the list is for another drop')
  if (!expected.mirrorKey)
    throw new InvalidMirrorListError('no-key', 'this drop was made without a mirror key, so it has no published mirrors')
  const body = record.bytes.subarray(0, record.bytes.length - MIRROR_SIGNATURE_BYTES)
  let valid = false
  try {
    valid = await verify(expected.mirrorKey, signingBytes(body), record.signature)
  } catch {
    valid = false // a key that is not a curve point, say: the list is not the owner's either way
  }
  if (!valid) throw new InvalidMirrorListError('bad-signature', "the list is not signed by the drop's owner")
  if (expected.afterSeq !== undefined && record.seq <= expected.afterSeq) {
    throw new InvalidMirrorListError('stale', `a newer list (number ${expected.afterSeq}) is known`)
  }
}
