/**
 * A blind mirror's base URL, as a link, the CLI or an owner names it:
 * hostile input like the rest of a link.
 */

/** The most mirrors a link or a drop uses: each costs a connection slot and requests. */
export const MAX_MIRRORS = 8
const MAX_MIRROR_URL_LENGTH = 512

/**
 * A mirror's base URL, normalised to end in `/`, or the reason it is not
 * one: http or https only, no credentials, no query or fragment (a link's
 * mirrors are hostile input like the rest of it).
 */
export function parseMirrorBase(text: string): { base: string } | { error: string } {
  if (text.length > MAX_MIRROR_URL_LENGTH) return { error: `a mirror URL is at most ${MAX_MIRROR_URL_LENGTH} characters` }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return { error: `“${text}” is not a URL` }
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { error: `a mirror is an http or https URL, not ${url.protocol}` }
  if (url.username || url.password) return { error: 'a mirror URL carries no user name or password' }
  if (url.search || url.hash) return { error: 'a mirror URL has no query or fragment' }
  return { base: url.href.endsWith('/') ? url.href : `${url.href}/` }
}
