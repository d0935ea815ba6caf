import { describe, expect, it } from 'vitest'
import { formatFragment, formatLink, formatOwnerFragment, formatPasswordFragment, isPasswordLink, parseAnyLink, parseLink } from './link.js'
import { cidFromDigest, digestOfCid, isCid } from '../../../format/cid.js'
import { InvalidLinkError } from '../util/errors.js'

const digest = Uint8Array.from({ length: 32 }, (_, i) => i * 7)
const cid = cidFromDigest(digest)
const secret = Uint8Array.from({ length: 32 }, (_, i) => 255 - i)

describe('CID', () => {
  it('is a base32 CIDv1 of the raw codec with a sha2-256 multihash', () => {
    expect(cid).toMatch(/^bafkrei[a-z2-7]{52}$/)
    expect(cid.length).toBe(59)
    expect(digestOfCid(cid)).toEqual(digest)
  })

  it('rejects other multihashes, codecs and lengths', () => {
    expect(isCid(cid.slice(0, -1))).toBe(false)
    expect(isCid('bafybei' + cid.slice(7))).toBe(false)
    expect(isCid(cid.toUpperCase())).toBe(false)
  })
})

describe('links', () => {
  it('round-trips a link and keeps CID and secret after #', () => {
    const link = formatLink('https://drop.example/', { cid, secret })
    expect(link).toBe(`https://drop.example/#${cid}.${formatFragment({ cid, secret }).split('.')[1]}`)
    const parsed = parseLink(link)
    expect(parsed.cid).toBe(cid)
    expect(parsed.secret).toEqual(secret)
    expect(new URL(link).pathname).toBe('/')
    expect(new URL(link).search).toBe('')
  })

  it('accepts a bare fragment with or without #, and surrounding spaces', () => {
    const fragment = formatFragment({ cid, secret })
    expect(parseLink(fragment).cid).toBe(cid)
    expect(parseLink(`  #${fragment}\n`).secret).toEqual(secret)
  })

  it.each([
    ['empty fragment', 'https://x/#'],
    ['no secret', `https://x/#${cid}`],
    ['truncated secret', `https://x/#${formatFragment({ cid, secret }).slice(0, -3)}`],
    ['truncated CID', `https://x/#${cid.slice(0, 40)}.${formatFragment({ cid, secret }).split('.')[1]}`],
    ['bad secret characters', `https://x/#${cid}.${'*'.repeat(43)}`],
    ['non-canonical secret', `https://x/#${cid}.${formatFragment({ cid, secret }).split('.')[1].slice(0, 42)}B`],
    ['overlong', `https://x/#${'a'.repeat(600)}`],
  ])('rejects a link with %s with a clear InvalidLinkError', (_, link) => {
    expect(() => parseLink(link)).toThrow(InvalidLinkError)
    try {
      parseLink(link)
    } catch (err) {
      expect((err as Error).message.length).toBeGreaterThan(10)
    }
  })
})

describe('password links', () => {
  const salt = Uint8Array.from({ length: 16 }, (_, i) => i * 3)

  it('carry a salt instead of the secret, and parse back', () => {
    const fragment = formatPasswordFragment({ cid, salt })
    expect(fragment).toMatch(new RegExp(`^${cid}\\.p2\\.[A-Za-z0-9_-]{22}$`)) // new links: the current derivation
    const parsed = parseAnyLink(`https://x/#${fragment}`)
    expect(isPasswordLink(parsed)).toBe(true)
    expect(isPasswordLink(parsed) && parsed.salt).toEqual(salt)
    expect(parsed).toMatchObject({ kdf: 2 })
    expect(isPasswordLink(parseAnyLink(formatFragment({ cid, secret })))).toBe(false)
  })

  it('name the derivation that made them, so links sent before a cost rise keep it', () => {
    const old = formatPasswordFragment({ cid, salt, kdf: 1 })
    expect(old).toMatch(new RegExp(`^${cid}\\.p\\.[A-Za-z0-9_-]{22}$`))
    expect(parseAnyLink(old)).toEqual({ cid, salt, kdf: 1 })
    expect(parseAnyLink(formatPasswordFragment({ cid, salt, kdf: 2 }))).toEqual({ cid, salt, kdf: 2 })
    expect(() => parseAnyLink(old.replace('.p.', '.p3.'))).toThrow(/made by a newer version of Swarmdrop/)
    expect(() => parseAnyLink(`${old}.extra`)).toThrow(/wrong number of parts/)
  })

  it('reject a cut-off salt, and plain parsing refuses them', () => {
    const fragment = formatPasswordFragment({ cid, salt })
    expect(() => parseAnyLink(fragment.slice(0, -2))).toThrow(/salt has the wrong length/)
    expect(() => parseAnyLink(fragment.slice(0, -1) + '*')).toThrow(InvalidLinkError)
    expect(() => parseLink(fragment)).toThrow(InvalidLinkError)
  })
})

describe('owner links', () => {
  const revokeSecret = Uint8Array.from({ length: 32 }, (_, i) => i + 100)

  it('carry the revoke secret after the read secret, and parse back', () => {
    const fragment = formatOwnerFragment({ cid, secret, revokeSecret })
    expect(fragment).toBe(`${formatFragment({ cid, secret })}.r.${formatFragment({ cid, secret: revokeSecret }).split('.')[1]}`)
    const parsed = parseAnyLink(`https://x/#${fragment}`)
    expect(isPasswordLink(parsed)).toBe(false)
    expect(parsed).toEqual({ cid, secret, revokeSecret })
    expect(parseLink(formatFragment({ cid, secret })).revokeSecret).toBeUndefined()
  })

  it.each([
    ['a cut-off revoke secret', (f: string) => f.slice(0, -2), /revoke secret is malformed/],
    ['a bad character', (f: string) => f.slice(0, -1) + '*', /revoke secret is malformed/],
    ['an unknown tag', (f: string) => f.replace('.r.', '.x.'), /extra parts/],
    ['a trailing part', (f: string) => `${f}.more`, /extra parts/],
  ])('reject %s', (_, mangle, message) => {
    expect(() => parseLink(mangle(formatOwnerFragment({ cid, secret, revokeSecret })))).toThrow(message)
  })
})

describe('mirrors in links', () => {
  const mirrors = ['https://data.example.org/sets/', 'http://127.0.0.1:8081/']

  it('round-trip after #, in plain, owner and password links, each base ending in /', () => {
    const link = formatLink('https://drop.example', { cid, secret, mirrors: ['https://data.example.org/sets', mirrors[1]] })
    expect(link.indexOf('&m=')).toBeGreaterThan(link.indexOf('#'))
    expect(parseLink(link)).toEqual({ cid, secret, mirrors })
    const owner = parseLink(formatOwnerFragment({ cid, secret, revokeSecret: secret, mirrors }))
    expect(owner.mirrors).toEqual(mirrors)
    expect(owner.revokeSecret).toEqual(secret)
    const password = parseAnyLink(formatPasswordFragment({ cid, salt: new Uint8Array(16), mirrors }))
    expect(isPasswordLink(password) && password.mirrors).toEqual(mirrors)
    expect(parseLink(formatFragment({ cid, secret }))).toEqual({ cid, secret })
  })

  it('refuse what is not a usable mirror, with a clear error', () => {
    const base = formatFragment({ cid, secret })
    for (const [tail, message] of [
      ['&m=javascript%3Aalert(1)', /not usable: a mirror is an http or https URL/],
      ['&m=https%3A%2F%2Fuser%3Apw%40host%2F', /no user name or password/],
      ['&m=https%3A%2F%2Fhost%2F%3Fq%3D1', /no query or fragment/],
      ['&m=%E0%A4%A', /not correctly encoded/],
      ['&x=1', /not a mirror/],
      ['&m=not%20a%20url', /is not a URL/],
      [Array.from({ length: 9 }, (_, i) => `&m=https%3A%2F%2Fm${i}.example%2F`).join(''), /more than 8 mirrors/],
    ] as const) {
      expect(() => parseLink(base + tail), tail).toThrow(InvalidLinkError)
      expect(() => parseLink(base + tail), tail).toThrow(message)
    }
  })

  it('names each mirror once', () => {
    expect(parseLink(formatFragment({ cid, secret, mirrors: [mirrors[0], mirrors[0]] })).mirrors).toEqual([mirrors[0]])
  })
})
