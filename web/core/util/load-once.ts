/**
 * A lazily imported module, held once loaded: after the first call every use
 * is synchronous, so code built on it settles in microtasks alone (what lets
 * the swarm simulator, bench/swarm, run the real code on virtual time).
 */
export function loadOnce<T>(load: () => Promise<T>): () => T | Promise<T> {
  let loaded: T | undefined
  return () => loaded ?? load().then((m) => (loaded = m))
}
