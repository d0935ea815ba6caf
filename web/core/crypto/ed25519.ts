/**
 * Ed25519 (RFC 8032) from a 32-byte seed: what signs and checks published
 * mirror lists (format/mirror-list.ts). WebCrypto has it in Chromium,
 * Firefox and Node 20, but not in every engine (and no `crypto.subtle` at
 * all in an insecure context), so the first use asks WebCrypto once and
 * falls back to @noble/curves, fetched only then, for every later call.
 * Both give the same keys and signatures (Ed25519 is deterministic).
 * Firefox (140 ESR) imports and signs with a PKCS #8 seed but cannot export
 * that key's public half (OperationError): there the public key comes from
 * @noble, and signing and checking stay with WebCrypto.
 */
import { ownBytes } from '../util/bytes.js'
import { loadOnce } from '../util/load-once.js'
import { fromBase64Url } from '../../../format/bytes.js'

export interface Ed25519 {
  publicKey(seed: Uint8Array): Promise<Uint8Array>
  sign(seed: Uint8Array, message: Uint8Array): Promise<Uint8Array>
  /** False for a bad signature, and for a key that is not a point on the curve. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>
}

type Subtle = typeof globalThis.crypto.subtle

/** PKCS #8 wrapping of a raw Ed25519 seed: WebCrypto imports private keys only in a container. */
const PKCS8_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20)
/** RFC 8032's first test key: a valid public key to ask WebCrypto about. */
const PROBE_KEY = Uint8Array.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'.match(/../g)!, (h) =>
  Number.parseInt(h, 16),
)

function pkcs8(seed: Uint8Array): Uint8Array<ArrayBuffer> {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes')
  const out = new Uint8Array(PKCS8_PREFIX.length + 32)
  out.set(PKCS8_PREFIX)
  out.set(seed, PKCS8_PREFIX.length)
  return out
}

export function webCryptoEd25519(subtle: Subtle): Ed25519 {
  const signingKey = (seed: Uint8Array, extractable: boolean) => subtle.importKey('pkcs8', pkcs8(seed), 'Ed25519', extractable, ['sign'])
  return {
    async publicKey(seed) {
      // The private key's JWK carries the public key (x): WebCrypto has no other way to derive it.
      const key = await signingKey(seed, true)
      const jwk = await subtle.exportKey('jwk', key).catch(() => undefined)
      return jwk?.x ? fromBase64Url(jwk.x) : nobleEd25519().publicKey(seed)
    },
    async sign(seed, message) {
      return new Uint8Array(await subtle.sign('Ed25519', await signingKey(seed, false), ownBytes(message)))
    },
    async verify(publicKey, message, signature) {
      try {
        const key = await subtle.importKey('raw', ownBytes(publicKey), 'Ed25519', false, ['verify'])
        return await subtle.verify('Ed25519', key, ownBytes(signature), ownBytes(message))
      } catch {
        return false
      }
    },
  }
}

const noble = loadOnce(() => import('@noble/curves/ed25519.js').then((m) => m.ed25519))

export function nobleEd25519(): Ed25519 {
  return {
    async publicKey(seed) {
      return (await noble()).getPublicKey(seed)
    },
    async sign(seed, message) {
      return (await noble()).sign(message, seed)
    },
    async verify(publicKey, message, signature) {
      const ed25519 = await noble()
      try {
        // Strict RFC 8032 decoding, as WebCrypto and node:crypto (the server) verify.
        return ed25519.verify(signature, message, publicKey, { zip215: false })
      } catch {
        return false
      }
    },
  }
}

/** WebCrypto's Ed25519 if this engine has it (asked once, on first use), else @noble's. */
export function ed25519With(subtle: Subtle | undefined): Ed25519 {
  let chosen: Promise<Ed25519> | undefined
  const pick = () =>
    (chosen ??= (async () => {
      if (!subtle) return nobleEd25519()
      try {
        await subtle.importKey('raw', ownBytes(PROBE_KEY), 'Ed25519', false, ['verify'])
        return webCryptoEd25519(subtle)
      } catch {
        return nobleEd25519()
      }
    })())
  return {
    publicKey: async (seed) => (await pick()).publicKey(seed),
    sign: async (seed, message) => (await pick()).sign(seed, message),
    verify: async (publicKey, message, signature) => (await pick()).verify(publicKey, message, signature),
  }
}
