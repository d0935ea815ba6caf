import { describe, expect, it } from 'vitest'
import { ed25519With, nobleEd25519, webCryptoEd25519 } from './ed25519.js'
import { nobleProvider, webCryptoProvider } from './provider.js'
import { mirrorPublicKey, signMirrorListAsOwner } from './mirror-key.js'
import { fromHex, toHex } from '../util/bytes.js'
import { decodeMirrorList, verifyMirrorList } from '../../../format/mirror-list.js'
import { cidFromDigest } from '../../../format/cid.js'

// RFC 8032, section 7.1, test 2: a one-byte message.
const SEED = fromHex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb')
const PUBLIC = '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c'
const MESSAGE = fromHex('72')
const SIGNATURE =
  '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'

const subtle = globalThis.crypto.subtle
const engines = [
  { name: 'WebCrypto', ed25519: webCryptoEd25519(subtle) },
  { name: '@noble/curves', ed25519: nobleEd25519() },
]

describe.each(engines)('Ed25519 with $name', ({ ed25519 }) => {
  it('derives the key and the signature of RFC 8032’s test vector', async () => {
    expect(toHex(await ed25519.publicKey(SEED))).toBe(PUBLIC)
    expect(toHex(await ed25519.sign(SEED, MESSAGE))).toBe(SIGNATURE)
    expect(await ed25519.verify(fromHex(PUBLIC), MESSAGE, fromHex(SIGNATURE))).toBe(true)
  })

  it('refuses a changed message, a changed signature and a key that is no curve point', async () => {
    const signature = fromHex(SIGNATURE)
    expect(await ed25519.verify(fromHex(PUBLIC), Uint8Array.of(0x73), signature)).toBe(false)
    signature[10] ^= 1
    expect(await ed25519.verify(fromHex(PUBLIC), MESSAGE, signature)).toBe(false)
    const notAPoint = new Uint8Array(32).fill(0xff)
    expect(await ed25519.verify(notAPoint, MESSAGE, fromHex(SIGNATURE))).toBe(false)
    expect(await ed25519.verify(new Uint8Array(31), MESSAGE, fromHex(SIGNATURE))).toBe(false)
  })
})

describe('choosing an Ed25519', () => {
  it('uses @noble where the engine has no WebCrypto, or WebCrypto lacks Ed25519', async () => {
    // What an engine without Ed25519 answers (WebCrypto's NotSupportedError); everything else is real.
    const without = {
      ...subtle,
      importKey: () => Promise.reject(new DOMException('Algorithm: Unrecognized name', 'NotSupportedError')),
    } as unknown as typeof subtle
    for (const chosen of [ed25519With(undefined), ed25519With(without)]) {
      expect(toHex(await chosen.sign(SEED, MESSAGE))).toBe(SIGNATURE)
      expect(await chosen.verify(fromHex(PUBLIC), MESSAGE, fromHex(SIGNATURE))).toBe(true)
    }
  })

  it('derives the public key with @noble where WebCrypto cannot export it, as Firefox 140 cannot', async () => {
    // Firefox's answer to exporting a key imported from a bare PKCS #8 seed; the rest is real WebCrypto.
    const firefoxLike = {
      importKey: subtle.importKey.bind(subtle),
      sign: subtle.sign.bind(subtle),
      verify: subtle.verify.bind(subtle),
      exportKey: () => Promise.reject(new DOMException('The operation failed for an operation-specific reason', 'OperationError')),
    } as unknown as typeof subtle
    const ed25519 = webCryptoEd25519(firefoxLike)
    expect(toHex(await ed25519.publicKey(SEED))).toBe(PUBLIC)
    expect(toHex(await ed25519.sign(SEED, MESSAGE))).toBe(SIGNATURE)
  })
})

describe('the owner’s mirror-list key', () => {
  const revokeSecret = Uint8Array.from({ length: 32 }, (_, i) => i * 7)

  it('is the same from every provider, and signs lists the manifest’s key verifies', async () => {
    const [web, noble] = [webCryptoProvider(), nobleProvider()]
    const key = await mirrorPublicKey(web, revokeSecret)
    expect(await mirrorPublicKey(noble, revokeSecret)).toEqual(key)
    expect(key).not.toEqual(
      await mirrorPublicKey(
        web,
        revokeSecret.map((b) => b ^ 1),
      ),
    )
    const digest = new Uint8Array(32).fill(4)
    const list = { cidDigest: digest, seq: 3, mirrors: ['https://m.example/'] }
    const signed = await signMirrorListAsOwner(web, revokeSecret, list)
    expect(await signMirrorListAsOwner(noble, revokeSecret, list)).toEqual(signed)
    for (const crypto of [web, noble]) {
      await verifyMirrorList(decodeMirrorList(signed), { cid: cidFromDigest(digest), mirrorKey: key }, crypto.ed25519.verify)
    }
    await expect(mirrorPublicKey(web, revokeSecret.subarray(1))).rejects.toThrow(RangeError)
  })
})
