/**
 * The cryptographic primitives Swarmdrop needs, behind one small interface.
 *
 * WebCrypto is the fast path (native, off the JS thread). It is missing in
 * insecure contexts: a self-hosted server reached over plain http on a LAN
 * address has no `crypto.subtle`. There the pure-JS @noble implementation
 * takes over with identical output, so links work everywhere, only slower.
 * It is loaded only when used: pages with WebCrypto never parse it.
 */
import { DecryptionError } from '../util/errors.js'
import { arrayBufferView, ownBytes } from '../util/bytes.js'
import { loadOnce } from '../util/load-once.js'
import { type Ed25519, ed25519With, nobleEd25519 } from './ed25519.js'

/** An AES-256-GCM key in whatever form the provider needs it. */
export interface AeadKey {
  readonly provider: string
}

export interface CryptoProvider {
  readonly name: string
  sha256(data: Uint8Array): Promise<Uint8Array>
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>
  importAeadKey(raw: Uint8Array): Promise<AeadKey>
  /** Returns ciphertext followed by the 16-byte tag. */
  encrypt(key: AeadKey, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>
  /** Throws DecryptionError when the tag does not verify. */
  decrypt(key: AeadKey, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>
  /** Signs and checks published mirror lists (ed25519.ts: WebCrypto where the engine has it, else @noble). */
  readonly ed25519: Ed25519
}

/** WebCrypto's types, named from the global so core needs no DOM library (Node's types declare it too). */
type Subtle = typeof globalThis.crypto.subtle
type WebCryptoKeyHandle = Awaited<ReturnType<Subtle['importKey']>>

interface WebCryptoKey extends AeadKey {
  readonly key: WebCryptoKeyHandle
}

export function webCryptoProvider(subtle: Subtle = globalThis.crypto.subtle): CryptoProvider {
  return {
    name: 'webcrypto',
    ed25519: ed25519With(subtle),
    async sha256(data) {
      return new Uint8Array(await subtle.digest('SHA-256', arrayBufferView(data)))
    },
    async hkdfSha256(ikm, salt, info, length) {
      const base = await subtle.importKey('raw', ownBytes(ikm), 'HKDF', false, ['deriveBits'])
      const bits = await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: ownBytes(salt), info: ownBytes(info) }, base, length * 8)
      return new Uint8Array(bits)
    },
    async importAeadKey(raw) {
      const key = await subtle.importKey('raw', ownBytes(raw), 'AES-GCM', false, ['encrypt', 'decrypt'])
      return { provider: 'webcrypto', key } satisfies WebCryptoKey
    },
    async encrypt(key, nonce, aad, plaintext) {
      const params = { name: 'AES-GCM', iv: ownBytes(nonce), additionalData: ownBytes(aad) }
      return new Uint8Array(await subtle.encrypt(params, (key as WebCryptoKey).key, arrayBufferView(plaintext)))
    },
    async decrypt(key, nonce, aad, ciphertext) {
      const params = { name: 'AES-GCM', iv: ownBytes(nonce), additionalData: ownBytes(aad) }
      try {
        return new Uint8Array(await subtle.decrypt(params, (key as WebCryptoKey).key, arrayBufferView(ciphertext)))
      } catch (err) {
        throw new DecryptionError('ciphertext does not authenticate (wrong key or tampered data)', { cause: err })
      }
    },
  }
}

interface NobleKey extends AeadKey {
  readonly raw: Uint8Array
}

/** @noble's primitives, fetched on first use and then held (load-once.ts says why). */
const noble = {
  sha256: loadOnce(() => import('@noble/hashes/sha2.js').then((m) => m.sha256)),
  hkdf: loadOnce(() => import('@noble/hashes/hkdf.js').then((m) => m.hkdf)),
  gcm: loadOnce(() => import('@noble/ciphers/aes.js').then((m) => m.gcm)),
}

export function nobleProvider(): CryptoProvider {
  return {
    name: 'noble',
    ed25519: nobleEd25519(),
    async sha256(data) {
      return (await noble.sha256())(data)
    },
    async hkdfSha256(ikm, salt, info, length) {
      return (await noble.hkdf())(await noble.sha256(), ikm, salt, info, length)
    },
    async importAeadKey(raw) {
      if (raw.length !== 32) throw new RangeError('AES-256 key must be 32 bytes')
      return { provider: 'noble', raw: raw.slice() } satisfies NobleKey
    },
    async encrypt(key, nonce, aad, plaintext) {
      return (await noble.gcm())((key as NobleKey).raw, nonce, aad).encrypt(plaintext)
    },
    async decrypt(key, nonce, aad, ciphertext) {
      const gcm = await noble.gcm()
      try {
        return gcm((key as NobleKey).raw, nonce, aad).decrypt(ciphertext)
      } catch (err) {
        throw new DecryptionError('ciphertext does not authenticate (wrong key or tampered data)', { cause: err })
      }
    },
  }
}

let chosen: CryptoProvider | undefined

/** WebCrypto when the context has it, else the pure-JS fallback. */
export function defaultCrypto(): CryptoProvider {
  chosen ??= globalThis.crypto?.subtle ? webCryptoProvider() : nobleProvider()
  return chosen
}
