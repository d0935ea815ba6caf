import type { Drop } from '../../core/drop.js'
import { useDrop } from '../drop-view-model.js'
import { formatBytes, formatDuration, formatRate } from '../../core/util/format.js'

const KIND_LABEL = { direct: 'direct', turn: 'via TURN', relay: 'relayed', memory: 'in memory', mirror: 'mirror (HTTP)' } as const

/** A mirror's host from its peer id (`mirror:<base URL>`). */
function mirrorHost(id: string): string {
  try {
    return new URL(id.slice('mirror:'.length)).host
  } catch {
    return id
  }
}

/** Progress, speed and the peer table of one drop's transfer. */
export function TransferStatus({ drop }: { drop: Drop }) {
  const s = useDrop(drop)
  const total = s.totalBytes ?? 0
  const remaining = total - s.bytesDone
  const eta = s.downRate > 0 ? remaining / s.downRate : Infinity
  const downloading = s.role === 'downloading' && s.phase === 'downloading'
  if (s.errorKind === 'revoked' || s.errorKind === 'expired') {
    return (
      <section className="card" aria-labelledby="status-title" data-testid="transfer-status" data-phase={s.phase}>
        <h2 id="status-title">{s.role === 'sharing' ? 'Sharing' : 'Transfer'}</h2>
        <p className="stats">{s.error} Its pieces were deleted from this browser.</p>
      </section>
    )
  }
  return (
    <section
      className="card"
      aria-labelledby="status-title"
      data-testid="transfer-status"
      data-phase={s.phase}
      data-bytes-down={s.bytesDown}
      data-pieces-done={s.piecesDone}
      data-pieces-total={s.piecesTotal ?? ''}
    >
      <h2 id="status-title">{s.role === 'sharing' ? 'Sharing' : 'Transfer'}</h2>
      {s.piecesTotal !== null && (
        <>
          <progress max={Math.max(total, 1)} value={s.bytesDone} aria-label="Progress" />
          <p className="stats" data-testid="progress-text">
            {formatBytes(s.bytesDone)} of {formatBytes(total)} · {s.piecesDone}/{s.piecesTotal} pieces verified
            {downloading && ` · ${formatRate(s.downRate)} · ${formatDuration(eta)} left`}
            {s.role === 'sharing' && ` · sent ${formatBytes(s.bytesUp)} (${formatRate(s.upRate)})`}
          </p>
        </>
      )}
      <p className="stats" data-testid="peer-count">
        {s.peers.length === 0 ? 'No peers connected.' : `${s.peers.length} peer${s.peers.length === 1 ? '' : 's'} connected`}
        {s.relayedBytes > 0 && (
          <span data-testid="relayed-bytes" data-bytes={s.relayedBytes}>
            {' '}
            · {formatBytes(s.relayedBytes)} relayed through the server (encrypted)
          </span>
        )}
      </p>
      {s.peers.length > 0 && (
        <table className="peers" data-testid="peer-table">
          <thead>
            <tr>
              <th scope="col">Peer</th>
              <th scope="col">Link</th>
              <th scope="col">Pieces</th>
              <th scope="col">Received</th>
              <th scope="col">Sent</th>
            </tr>
          </thead>
          <tbody>
            {s.peers.map((p) => (
              <tr key={p.id} data-testid="peer-row" data-pieces={p.pieces} data-bytes-down={p.bytesDown} data-kind={p.kind}>
                <td>{p.kind === 'mirror' ? `mirror · ${mirrorHost(p.id)}` : <code>{p.id.slice(0, 6)}</code>}</td>
                <td>{KIND_LABEL[p.kind]}</td>
                <td>{p.pieces}</td>
                <td>{formatBytes(p.bytesDown)}</td>
                <td>{formatBytes(p.bytesUp)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {s.warnings.length > 0 && (
        <ul className="warnings" data-testid="warnings">
          {s.warnings.map((w, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: warnings only append; a row never moves
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
    </section>
  )
}
