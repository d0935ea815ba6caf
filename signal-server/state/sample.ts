/**
 * Which members of a swarm a peer is told about: a random sample, the most
 * useful first. A peer that lacks pieces gets complete members first; a
 * complete peer gets only members that lack pieces (two complete peers trade
 * nothing).
 */
export function usefulSample(
  members: Iterable<[peer: string, complete: boolean]>,
  exclude: string,
  requesterComplete: boolean,
  limit: number,
  random: () => number,
): string[] {
  const wantComplete = !requesterComplete
  const first: string[] = []
  const rest: string[] = []
  for (const [peer, complete] of members) {
    if (peer === exclude) continue
    if (complete === wantComplete) first.push(peer)
    else if (wantComplete) rest.push(peer)
  }
  return [...shuffled(first, limit, random), ...shuffled(rest, limit - Math.min(limit, first.length), random)]
}

/** Partial Fisher–Yates: a uniform random sample of `limit` entries. */
function shuffled(items: string[], limit: number, random: () => number): string[] {
  const n = Math.min(limit, items.length)
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (items.length - i))
    ;[items[i], items[j]] = [items[j], items[i]]
  }
  return items.slice(0, n)
}
