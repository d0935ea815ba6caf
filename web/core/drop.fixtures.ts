/** Helpers for tests that drive whole drops: wait on their events, read their files. */
import type { Drop, DropEvents, DropFailure, DropState } from './drop.js'
import { failureText } from '../ui/drop-text.js'
import { concatBytes } from './util/bytes.js'

const TIMEOUT_MS = 30_000

/** What the page would say about a drop's failure. */
export function errorOf(drop: Drop): string | null {
  const failure = drop.state.failure
  return failure && failureText(failure)
}

/** A failure ends every wait: the wait rejects with the words the page would show. */
function failed(failure: DropFailure): Error {
  return new Error(failureText(failure))
}

/**
 * Resolves once `predicate` holds for the drop's state, checked now and on
 * every change (a condition already true when called must not be missed);
 * rejects if the drop fails first, or after `timeoutMs`.
 */
export function waitFor(drop: Drop, predicate: (s: DropState) => boolean, timeoutMs = TIMEOUT_MS): Promise<DropState> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`not reached in ${timeoutMs} ms (phase ${drop.state.phase})`))
    }, timeoutMs)
    const check = (s: DropState) => {
      if (predicate(s)) {
        off()
        resolve(s)
      } else if (s.failure) {
        off()
        reject(failed(s.failure))
      }
    }
    const unsubscribe = drop.events.on('state', check)
    const off = () => {
      clearTimeout(timer)
      unsubscribe()
    }
    check(drop.state)
  })
}

type Outcome = 'complete' | 'revoked' | 'expired'
const OUTCOMES: Outcome[] = ['complete', 'revoked', 'expired']

/**
 * Resolves on the drop's `event` (at once if it came before the call);
 * rejects with the page's words if the drop ends any other way first
 * ('failed', or another of complete/revoked/expired), or after `timeoutMs`.
 */
export function once<K extends Outcome>(drop: Drop, event: K, timeoutMs = TIMEOUT_MS): Promise<DropEvents[K]> {
  return new Promise((resolve, reject) => {
    const offs: (() => void)[] = []
    const end = (settle: () => void) => {
      clearTimeout(timer)
      offs.forEach((off) => off())
      settle()
    }
    const timer = setTimeout(() => end(() => reject(new Error(`no '${event}' in ${timeoutMs} ms (phase ${drop.state.phase})`))), timeoutMs)
    const before = drop.state
    if (event === 'complete' ? before.phase === 'complete' : before.failure?.kind === event) {
      return end(() =>
        resolve((event === 'complete' ? before : event === 'expired' ? { expiresAt: before.expiresAt } : undefined) as DropEvents[K]),
      )
    }
    if (before.failure) return end(() => reject(failed(before.failure!)))
    offs.push(drop.events.on(event, (payload) => end(() => resolve(payload))))
    offs.push(drop.events.on('failed', (failure) => end(() => reject(failed(failure)))))
    for (const other of OUTCOMES.filter((o) => o !== event)) {
      offs.push(
        drop.events.on(other, () =>
          end(() => reject(drop.state.failure ? failed(drop.state.failure) : new Error(`'${other}' came first`))),
        ),
      )
    }
  })
}

/** The plaintext of file `index` of a complete drop. */
export async function fileBytes(drop: Drop, index = 0): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of drop.readFile(drop.state.files![index])) parts.push(p.slice())
  return concatBytes(parts)
}
