/**
 * A blind mirror's base URL, as a link, the CLI, an owner or a published
 * mirror list names it: hostile input like the rest of a link. One rule for
 * every part (the links and the engine, the server that checks a published
 * list, the CLI), so all agree which URLs a list may hold.
 */

/**
 * The WHATWG URL parser: a global in every place the format runs (browsers,
 * workers, Node), but in no type library the leaf may see, so it is named
 * here as far as it is used.
 */
declare const URL: new (
  text: string,
) => {
  readonly protocol: string
  readonly username: string
  readonly password: string
  readonly search: string
  readonly hash: string
  readonly href: string
}

/** The most mirrors a link or a drop uses: each costs a connection slot and requests. */
export const MAX_MIRRORS = 8
export const MAX_MIRROR_URL_LENGTH = 512

/**
 * A mirror's base URL, normalised to end in `/`, or the reason it is not
 * one: http or https only, no credentials, no query or fragment.
 */
export function parseMirrorBase(text: string): { base: string } | { error: string } {
  if (text.length > MAX_MIRROR_URL_LENGTH) return { error: `a mirror URL is at most ${MAX_MIRROR_URL_LENGTH} characters` }
  let url: InstanceType<typeof URL>
  try {
    url = new URL(text)
  } catch {
    return { error: `“${text}” is not a URL` }
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { error: `a mirror is an http or https URL, not ${url.protocol}` }
  if (url.username || url.password) return { error: 'a mirror URL carries no user name or password' }
  if (url.search || url.hash) return { error: 'a mirror URL has no query or fragment' }
  const base = url.href.endsWith('/') ? url.href : `${url.href}/`
  if (base.length > MAX_MIRROR_URL_LENGTH) return { error: `a mirror URL is at most ${MAX_MIRROR_URL_LENGTH} characters` }
  return { base }
}

/** Whether `text` is a mirror base already in the one form parseMirrorBase gives: what a signed list must hold. */
export function isCanonicalMirrorBase(text: string): boolean {
  const parsed = parseMirrorBase(text)
  return 'base' in parsed && parsed.base === text
}
