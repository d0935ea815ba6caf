/**
 * A one-line progress display on stderr: redrawn in place on a terminal, a
 * line every few seconds otherwise; each warning of the drop on a line of its
 * own, escaped (a warning can quote what a peer sent).
 */
import type { Drop, DropPhase, DropState } from '../web/core/drop.js'
import { formatBytes, formatDuration, formatRate } from '../web/core/util/format.js'
import { printable } from '../web/core/util/printable.js'

const PHASE: Record<DropPhase, string> = {
  'finding-peers': 'looking for peers',
  'fetching-manifest': 'fetching the file list',
  downloading: 'downloading',
  complete: 'complete',
  failed: 'failed',
}

export function describeState(s: DropState): string {
  const peers = `${s.peers.length} peer${s.peers.length === 1 ? '' : 's'}`
  if (s.piecesTotal === null || s.totalBytes === null) return `${PHASE[s.phase]} · ${peers}`
  const percent = s.totalBytes > 0 ? Math.floor((100 * s.bytesDone) / s.totalBytes) : 100
  const eta = s.downRate > 0 ? formatDuration((s.totalBytes - s.bytesDone) / s.downRate) : '—'
  const rate = s.role === 'sharing' ? `up ${formatRate(s.upRate)}` : `${formatRate(s.downRate)} · ${eta} left`
  return `${percent}% ${formatBytes(s.bytesDone)} of ${formatBytes(s.totalBytes)} · ${rate} · ${peers}`
}

/** Shows the drop's progress until the returned function is called. */
export function showProgress(drop: Drop, out: NodeJS.WriteStream = process.stderr): () => void {
  const tty = out.isTTY === true
  let last = ''
  const draw = () => {
    const line = describeState(drop.state)
    if (line === last) return
    last = line
    out.write(tty ? `\r\x1b[K${line}` : `${line}\n`)
  }
  const stopWarnings = drop.events.on('warning', (warning) => {
    out.write(`${tty ? '\r\x1b[K' : ''}warning: ${printable(warning)}\n`)
    last = ''
    if (tty) draw()
  })
  draw()
  const timer = setInterval(draw, tty ? 250 : 5_000)
  return () => {
    stopWarnings()
    clearInterval(timer)
    draw()
    if (tty) out.write('\n')
  }
}
