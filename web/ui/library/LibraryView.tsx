import { useEffect, useState, useSyncExternalStore } from 'react'
import type { Engine } from '../../core/engine.js'
import type { DropRecord } from '../../core/library/library-store.js'
import type { Drop } from '../../core/drop.js'
import { dropViewModel } from '../drop-view-model.js'
import { formatBytes } from '../../core/util/format.js'
import { RevokeButton } from './RevokeButton.js'

function useLibrary(engine: Engine): DropRecord[] | null {
  const [records, setRecords] = useState<DropRecord[] | null>(null)
  useEffect(() => {
    let live = true
    const load = () => void engine.library().then((r) => live && setRecords(r))
    load()
    const off = engine.events.on('library', load)
    return () => {
      live = false
      off()
    }
  }, [engine])
  return records
}

const idle = { subscribe: () => () => {}, getSnapshot: () => null }

function LiveStatus({ drop }: { drop: Drop | undefined }) {
  const source = drop ? dropViewModel(drop) : idle
  const s = useSyncExternalStore(source.subscribe, source.getSnapshot)
  if (!s) return <span className="stats">not shared now</span>
  const pieces = s.piecesTotal === null ? 'waiting for the file list' : `${s.piecesDone}/${s.piecesTotal} pieces`
  return (
    <span className="stats" data-testid="library-status">
      {pieces} · {s.peers.length} peer{s.peers.length === 1 ? '' : 's'}
    </span>
  )
}

/** What this browser holds and serves, with controls to stop sharing or remove. */
export function LibraryView({ engine }: { engine: Engine }) {
  const records = useLibrary(engine)
  const [busy, setBusy] = useState<string | null>(null)
  if (!records || records.length === 0) return null

  const act = async (cid: string, action: () => Promise<void>) => {
    setBusy(cid)
    try {
      await action()
    } finally {
      setBusy(null)
    }
  }

  return (
    <section className="card" aria-labelledby="library-title">
      <h2 id="library-title">In this browser</h2>
      <p className="hint">These are shared with anyone who has their link whenever Swarmdrop is open in this browser.</p>
      <ul className="library" data-testid="library">
        {records.map((r) => (
          <li key={r.cid} data-testid="library-item" data-cid={r.cid} data-seeding={String(r.seeding)}>
            <div className="library-main">
              {r.secret ? (
                <a href={`/#${r.cid}.${r.secret}`} className="library-name">
                  {r.name ?? 'Drop (file list not fetched yet)'}
                </a>
              ) : (
                <span className="library-name">Encrypted drop (held without its key)</span>
              )}
              <span className="stats">
                {r.totalBytes !== null ? formatBytes(r.totalBytes) : ''} ·{' '}
                {r.role === 'shared' ? 'shared by you' : r.role === 'pinned' ? 'pinned' : 'downloaded'}
              </span>
              {r.seeding ? <LiveStatus drop={engine.drop(r.cid)} /> : <span className="stats">sharing stopped</span>}
            </div>
            <div className="library-actions">
              <button
                type="button"
                className="button small"
                disabled={busy === r.cid}
                onClick={() => act(r.cid, () => engine.setSeeding(r.cid, !r.seeding))}
              >
                {r.seeding ? 'Stop sharing' : 'Share again'}
              </button>
              {r.revokeSecret && <RevokeButton engine={engine} cid={r.cid} name={r.name ?? 'this drop'} small />}
              <button
                type="button"
                className="button small"
                disabled={busy === r.cid}
                onClick={() => {
                  if (window.confirm(`Remove “${r.name ?? 'this drop'}” from this browser? Its pieces are deleted.`)) {
                    void act(r.cid, () => engine.remove(r.cid))
                  }
                }}
              >
                Remove
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  )
}
