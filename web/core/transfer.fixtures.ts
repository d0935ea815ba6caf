/** Helpers for tests that drive whole transfers. */
import type { Transfer, TransferSnapshot } from './transfer.js'
import { concatBytes } from './util/bytes.js'

/**
 * Resolves once `predicate` holds for the transfer's snapshot, checked now and
 * on every change (a condition already true when called must not be missed);
 * rejects with the transfer's error if it fails first.
 */
export function waitFor(transfer: Transfer, predicate: (s: TransferSnapshot) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const s = transfer.getSnapshot()
      if (predicate(s)) resolve()
      else if (s.phase === 'failed') reject(new Error(s.error ?? 'failed'))
    }
    transfer.subscribe(check)
    check()
  })
}

/** Resolves when the transfer reaches `phase`; rejects with its error if it fails first. */
export function until(transfer: Transfer, phase: string): Promise<void> {
  return waitFor(transfer, (s) => s.phase === phase)
}

/** The plaintext of file `index` of a complete transfer. */
export async function fileBytes(transfer: Transfer, index = 0): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of transfer.readFile(transfer.getSnapshot().files![index])) parts.push(p.slice())
  return concatBytes(parts)
}
