import { describe, expect, it } from 'vitest'
import { nobleProvider, webCryptoProvider } from './provider.js'
import { deriveKeys } from './keys.js'
import { openMetadata, openPiece, sealMetadata, sealPiece } from './envelope.js'
import { DecryptionError } from '../util/errors.js'
import { toHex } from '../util/bytes.js'

const providers = [webCryptoProvider(), nobleProvider()]
const secret = Uint8Array.from({ length: 32 }, (_, i) => i)
const plain = Uint8Array.from({ length: 5000 }, (_, i) => (i * 13) & 0xff)

describe.each(providers)('piece envelope with $name', (crypto) => {
  it('round-trips and adds exactly a 16-byte tag', async () => {
    const { pieceKey } = await deriveKeys(crypto, secret)
    const sealed = await sealPiece(crypto, pieceKey, 3, plain)
    expect(sealed.length).toBe(plain.length + 16)
    expect(await openPiece(crypto, pieceKey, 3, sealed)).toEqual(plain)
  })

  it('is deterministic for the same key and index, and differs by index', async () => {
    const { pieceKey } = await deriveKeys(crypto, secret)
    const a = await sealPiece(crypto, pieceKey, 1, plain)
    const b = await sealPiece(crypto, pieceKey, 1, plain)
    const c = await sealPiece(crypto, pieceKey, 2, plain)
    expect(toHex(a)).toBe(toHex(b))
    expect(toHex(a)).not.toBe(toHex(c))
  })

  it('detects a flipped bit, a wrong index and a wrong key', async () => {
    const { pieceKey } = await deriveKeys(crypto, secret)
    const other = await deriveKeys(
      crypto,
      secret.map((b) => b ^ 1),
    )
    const sealed = await sealPiece(crypto, pieceKey, 0, plain)
    const flipped = sealed.slice()
    flipped[100] ^= 0x04
    await expect(openPiece(crypto, pieceKey, 0, flipped)).rejects.toThrow(DecryptionError)
    await expect(openPiece(crypto, pieceKey, 1, sealed)).rejects.toThrow(DecryptionError)
    await expect(openPiece(crypto, other.pieceKey, 0, sealed)).rejects.toThrow(DecryptionError)
  })

  it('seals metadata under a key independent of the piece key', async () => {
    const { metaKey, pieceKey } = await deriveKeys(crypto, secret)
    const sealed = await sealMetadata(crypto, metaKey, plain)
    expect(await openMetadata(crypto, metaKey, sealed)).toEqual(plain)
    await expect(openMetadata(crypto, pieceKey, sealed)).rejects.toThrow(DecryptionError)
  })
})

describe('WebCrypto and the noble fallback', () => {
  it('produce identical keys, ciphertexts and hashes', async () => {
    const [web, noble] = providers
    const kw = await deriveKeys(web, secret)
    const kn = await deriveKeys(noble, secret)
    const sw = await sealPiece(web, kw.pieceKey, 7, plain)
    const sn = await sealPiece(noble, kn.pieceKey, 7, plain)
    expect(toHex(sw)).toBe(toHex(sn))
    expect(await openPiece(noble, kn.pieceKey, 7, sw)).toEqual(plain)
    expect(toHex(await web.sha256(plain))).toBe(toHex(await noble.sha256(plain)))
    expect(toHex(await web.hkdfSha256(secret, new Uint8Array(0), new Uint8Array(1), 42))).toBe(
      toHex(await noble.hkdfSha256(secret, new Uint8Array(0), new Uint8Array(1), 42)),
    )
  })

  it('hashes the SHA-256 test vector', async () => {
    for (const p of providers) {
      expect(toHex(await p.sha256(new TextEncoder().encode('abc')))).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      )
    }
  })
})
