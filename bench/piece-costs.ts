/**
 * What one piece's steps cost on a page's main thread in Chromium, each next
 * to copying the same bytes into a buffer the page already holds (the
 * cheapest way to touch them), in the same page: a copy into a new buffer,
 * allocating alone, SHA-256 and AES-GCM through WebCrypto. Each step runs
 * back to back on one piece; "blocking" is how long the call itself held the
 * thread before its promise returned (Chromium runs WebCrypto's work there,
 * not on another thread). docs/performance.md reads the budget of a
 * transfer's CPU from it.
 *
 *   npm run bench -- piece-costs            512 KiB pieces, 1,024 each
 *   npm run bench -- piece-costs --quick    128 each
 */
import { MIB, launch, table } from './lib.js'
import { startStaticServer } from './static-server.js'

const PIECE_BYTES = 512 * 1024

interface StepCost {
  step: string
  perPieceMs: number
  blockingMs: number
}

/** Runs in the page: every step `rounds` times on one piece. */
async function measureSteps([pieceBytes, rounds]: [number, number]): Promise<StepCost[]> {
  const key = await crypto.subtle.importKey('raw', new Uint8Array(32), 'AES-GCM', false, ['encrypt', 'decrypt'])
  const iv = new Uint8Array(12)
  const piece = new Uint8Array(pieceBytes).map((_, i) => i * 31)
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, piece))
  const held = new Uint8Array(sealed.length)
  const steps: [string, () => unknown][] = [
    ['copy into a held buffer (baseline)', () => held.set(sealed)],
    ['copy into a new buffer (slice)', () => sealed.slice()],
    ['allocate a new buffer', () => new Uint8Array(sealed.length)],
    ['SHA-256 (subtle.digest)', () => crypto.subtle.digest('SHA-256', sealed)],
    ['AES-GCM open (subtle.decrypt)', () => crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed)],
    ['AES-GCM seal (subtle.encrypt)', () => crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, piece)],
  ]
  const costs: StepCost[] = []
  for (const [step, run] of steps) {
    let blocking = 0
    const started = performance.now()
    for (let i = 0; i < rounds; i++) {
      const before = performance.now()
      const result = run()
      blocking += performance.now() - before
      await result
    }
    costs.push({ step, perPieceMs: (performance.now() - started) / rounds, blockingMs: blocking / rounds })
  }
  return costs
}

export async function pieceCostsBench(quick: boolean): Promise<void> {
  const rounds = quick ? 128 : 1024
  const origin = await startStaticServer() // WebCrypto needs a secure context: loopback HTTP is one
  const browser = await launch()
  try {
    const page = await browser.newPage()
    await page.goto(`${origin.url}/`)
    const costs = await page.evaluate(measureSteps, [PIECE_BYTES, rounds] as [number, number])
    const baseline = costs[0].perPieceMs
    const mibPerSecond = (ms: number) => PIECE_BYTES / MIB / (ms / 1000)
    console.log(`\nOne ${PIECE_BYTES / 1024} KiB piece on a Chromium page's main thread, ${rounds} rounds per step, same page\n`)
    console.log(
      table(
        costs.map((c) => ({
          step: c.step,
          'ms per piece': c.perPieceMs.toFixed(3),
          'blocking ms': c.blockingMs.toFixed(3),
          'MiB/s': mibPerSecond(c.perPieceMs).toFixed(0),
          '÷ baseline': `${(c.perPieceMs / baseline).toFixed(1)}×`,
          // Wall time of the page's thread, which the steps keep busy: its CPU-seconds when the machine is idle.
          's per GiB': ((c.perPieceMs / 1000) * ((1024 * MIB) / PIECE_BYTES)).toFixed(2),
        })),
      ),
    )
  } finally {
    await browser.close()
    await origin.close()
  }
}
