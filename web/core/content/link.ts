/**
 * Share links: `https://<host>/#<CID>.<secret>`, or for a password-protected
 * drop `https://<host>/#<CID>.p2.<salt>`: the link then holds no usable key;
 * the key is derived from the password and the salt (crypto/password.ts).
 * The tag names the derivation and its cost, so a cost can rise without
 * breaking links already sent: `.p.` links (made before the cost rose) used
 * scrypt N = 2^16 and still open with it; `.p2.` links use N = 2^17. A tag
 * this version does not know (`.p3.`) is refused as made by a newer version.
 *
 * An owner link, `#<CID>.<secret>.r.<revoke secret>`, also carries the revoke
 * secret (format/tombstone.ts), so the sharer can stop sharing from another
 * device. It is never the link people are given.
 *
 * Any link may end in mirrors, `&m=<URL>` each (URL-encoded): static hosts
 * that serve the drop's sealed pieces (format/mirror-layout.ts). They are
 * after `#` too, so the server never learns where a drop is mirrored.
 *
 * Everything after `#` stays in the browser: user agents never send the
 * fragment to the server, so the server sees neither the CID nor the secret
 * in any request. The secret is 32 random bytes as base64url (43 characters).
 */
import { type Cid, isCid } from '../../../format/cid.js'
import { SECRET_BYTES } from '../crypto/keys.js'
import { REVOKE_SECRET_BYTES } from '../../../format/tombstone.js'
import { fromBase64Url, toBase64Url } from '../../../format/bytes.js'
import { InvalidLinkError } from '../util/errors.js'
import { MAX_MIRRORS, parseMirrorBase } from '../../../format/mirror-base.js'

export interface LinkTarget {
  readonly cid: Cid
  readonly secret: Uint8Array
  /** Only in owner links. */
  readonly revokeSecret?: Uint8Array
  /** Base URLs of blind mirrors, each ending in `/`. */
  readonly mirrors?: readonly string[]
}

/** Which password derivation a link names: 1 for `.p.`, 2 for `.p2.` (parameters in crypto/password.ts). */
export type PasswordKdf = 1 | 2
/** What new password links use. */
export const CURRENT_PASSWORD_KDF: PasswordKdf = 2
const PASSWORD_TAGS: Record<PasswordKdf, string> = { 1: 'p', 2: 'p2' }
const KDF_OF_TAG = new Map(Object.entries(PASSWORD_TAGS).map(([kdf, tag]) => [tag, Number(kdf) as PasswordKdf]))
const PASSWORD_TAG = /^p\d{0,3}$/

/** A password link carries a salt instead of the secret. */
export interface PasswordLinkTarget {
  readonly cid: Cid
  readonly salt: Uint8Array
  readonly kdf: PasswordKdf
  readonly mirrors?: readonly string[]
}

const SECRET_TEXT_LENGTH = 43
const SALT_TEXT_LENGTH = 22
export const SALT_BYTES = 16
export const MAX_FRAGMENT_LENGTH = 6 * 1024

export function formatFragment(target: LinkTarget): string {
  return `${target.cid}.${toBase64Url(target.secret)}${mirrorsPart(target.mirrors)}`
}

export function formatOwnerFragment(target: LinkTarget & { revokeSecret: Uint8Array }): string {
  return `${target.cid}.${toBase64Url(target.secret)}.r.${toBase64Url(target.revokeSecret)}${mirrorsPart(target.mirrors)}`
}

function mirrorsPart(mirrors: readonly string[] = []): string {
  return mirrors.map((m) => `&m=${encodeURIComponent(m)}`).join('')
}

export function formatPasswordFragment({
  cid,
  salt,
  kdf = CURRENT_PASSWORD_KDF,
  mirrors,
}: Omit<PasswordLinkTarget, 'kdf'> & { kdf?: PasswordKdf }): string {
  return `${cid}.${PASSWORD_TAGS[kdf]}.${toBase64Url(salt)}${mirrorsPart(mirrors)}`
}

export function formatLink(origin: string, target: LinkTarget): string {
  return `${origin.replace(/\/+$/, '')}/#${formatFragment(target)}`
}

/** Parses a plain or a password link; throws InvalidLinkError with a message a user can act on. */
export function parseAnyLink(input: string): LinkTarget | PasswordLinkTarget {
  const { fragment, mirrors } = fragmentOf(input)
  const [cidText, tag, saltText, ...rest] = fragment.split('.')
  // A secret is 43 characters, so it is never mistaken for a tag.
  if (tag === undefined || !PASSWORD_TAG.test(tag)) return parseLink(input)
  const kdf = KDF_OF_TAG.get(tag)
  if (kdf === undefined)
    throw new InvalidLinkError('This password link was made by a newer version of Swarmdrop: update it to open the link.')
  if (saltText === undefined || rest.length > 0)
    throw new InvalidLinkError('The password link has the wrong number of parts: check that it was copied whole.')
  if (!isCid(cidText)) throw new InvalidLinkError('The link’s content id is malformed: check that the whole link was copied.')
  let salt: Uint8Array
  try {
    salt = fromBase64Url(saltText)
  } catch {
    throw new InvalidLinkError('The link’s password salt contains characters that do not belong in it.')
  }
  if (saltText.length !== SALT_TEXT_LENGTH || salt.length !== SALT_BYTES) {
    throw new InvalidLinkError('The link’s password salt has the wrong length: it may have been cut off when copied.')
  }
  return { cid: cidText, salt, kdf, ...mirrors }
}

export function isPasswordLink(target: LinkTarget | PasswordLinkTarget): target is PasswordLinkTarget {
  return 'salt' in target
}

/** The fragment's drop part, and its mirrors (as a spread: none when it names none). */
function fragmentOf(input: string): { fragment: string; mirrors: { mirrors?: string[] } } {
  const text = input.trim()
  const hashAt = text.indexOf('#')
  const whole = hashAt >= 0 ? text.slice(hashAt + 1) : text
  if (whole.length === 0) throw new InvalidLinkError('The link has nothing after “#”.')
  if (whole.length > MAX_FRAGMENT_LENGTH) throw new InvalidLinkError('The link is too long to be a Swarmdrop link.')
  const [fragment, ...params] = whole.split('&')
  if (params.length === 0) return { fragment, mirrors: {} }
  if (params.length > MAX_MIRRORS) throw new InvalidLinkError(`The link names more than ${MAX_MIRRORS} mirrors.`)
  const mirrors = params.map((param) => {
    if (!param.startsWith('m='))
      throw new InvalidLinkError('The link has a part after “&” that is not a mirror: check that it was copied whole.')
    let url: string
    try {
      url = decodeURIComponent(param.slice(2))
    } catch {
      throw new InvalidLinkError('A mirror in the link is not correctly encoded.')
    }
    const parsed = parseMirrorBase(url)
    if ('error' in parsed) throw new InvalidLinkError(`A mirror in the link is not usable: ${parsed.error}.`)
    return parsed.base
  })
  return { fragment, mirrors: { mirrors: [...new Set(mirrors)] } }
}

/**
 * Parses a plain link: a fragment (with or without the leading `#`) or a whole link.
 * Throws InvalidLinkError with a message a user can act on.
 */
export function parseLink(input: string): LinkTarget {
  const { fragment, mirrors } = fragmentOf(input)
  const dot = fragment.indexOf('.')
  if (dot < 0) throw new InvalidLinkError('The link is missing its secret part (after the “.”): it may have been cut off when copied.')
  const cidText = fragment.slice(0, dot)
  const [secretText, ownerTag, revokeText, ...rest] = fragment.slice(dot + 1).split('.')
  if (!isCid(cidText)) throw new InvalidLinkError('The link’s content id is malformed: check that the whole link was copied.')
  if (ownerTag !== undefined && (ownerTag !== 'r' || revokeText === undefined || rest.length > 0)) {
    throw new InvalidLinkError('The link has extra parts after its secret: check that it was copied whole.')
  }
  if (secretText.length !== SECRET_TEXT_LENGTH) {
    throw new InvalidLinkError('The link’s secret has the wrong length: it may have been cut off when copied.')
  }
  let secret: Uint8Array
  try {
    secret = fromBase64Url(secretText)
  } catch {
    throw new InvalidLinkError('The link’s secret contains characters that do not belong in it.')
  }
  if (secret.length !== SECRET_BYTES) throw new InvalidLinkError('The link’s secret has the wrong length.')
  if (revokeText === undefined) return { cid: cidText, secret, ...mirrors }
  let revokeSecret: Uint8Array | undefined
  try {
    revokeSecret = fromBase64Url(revokeText)
  } catch {
    // reported below
  }
  if (revokeText.length !== SECRET_TEXT_LENGTH || revokeSecret?.length !== REVOKE_SECRET_BYTES) {
    throw new InvalidLinkError('The owner link’s revoke secret is malformed: it may have been cut off when copied.')
  }
  return { cid: cidText, secret, revokeSecret, ...mirrors }
}
