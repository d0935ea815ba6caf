import { useState } from 'react'
import type { Engine } from '../../core/engine.js'
import type { SourceFile } from '../../core/chunking/source.js'
import { type Rename, makeNamesSafe, quoteName } from '../../core/content/file-names.js'
import type { Drop } from '../../core/drop.js'
import { DropZone } from './DropZone.js'
import { SharePanel } from './SharePanel.js'
import { TransferStatus } from '../transfer/TransferStatus.js'
import { formatBytes } from '../../core/util/format.js'
import { useDrop } from '../drop-view-model.js'
import { useLeaveWarning, useWakeLock } from '../useWakeLock.js'
import { LibraryView } from '../library/LibraryView.js'
import { SettingsPanel } from '../library/SettingsPanel.js'
import { requestPersistence } from '../../app/storage-space.js'

type State =
  | { stage: 'idle' }
  | { stage: 'preparing'; done: number; total: number; count: number }
  | { stage: 'ready'; drop: Drop; link: string; ownerLink: string; name: string; renamed: Rename[] }
  | { stage: 'error'; message: string }

export function SendView({ engine }: { engine: Engine }) {
  const [state, setState] = useState<State>({ stage: 'idle' })
  const [password, setPassword] = useState('')
  const [lifetimeHours, setLifetimeHours] = useState(0)

  const share = async (picked: SourceFile[]) => {
    // Names another system would refuse or misread are renamed here, as the CLI does (file-names.ts).
    const { files, renamed } = makeNamesSafe(picked)
    const total = files.reduce((sum, f) => sum + f.size, 0)
    setState({ stage: 'preparing', done: 0, total, count: files.length })
    requestPersistence()
    try {
      const { drop, fragment, ownerFragment } = await engine.share(files, {
        password: password || undefined,
        expiresAt: lifetimeHours > 0 ? Date.now() + lifetimeHours * 3_600_000 : undefined,
        onProgress: (done) => setState({ stage: 'preparing', done, total, count: files.length }),
      })
      const origin = window.location.origin
      const name = files.length === 1 ? files[0].path : `${files.length} files`
      setState({ stage: 'ready', drop, link: `${origin}/#${fragment}`, ownerLink: `${origin}/#${ownerFragment}`, name, renamed })
    } catch (err) {
      setState({ stage: 'error', message: err instanceof Error ? err.message : String(err) })
    }
  }

  return (
    <>
      {state.stage !== 'ready' && (
        <section className="card" aria-labelledby="send-title">
          <h1 id="send-title">Send files</h1>
          <p className="lead">
            Files go straight from this browser to whoever opens the link, end-to-end encrypted. Keep this tab open while they download.
          </p>
          <label className="setting">
            Password (optional)
            <input
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              disabled={state.stage === 'preparing'}
              data-testid="share-password"
            />
          </label>
          <label className="setting">
            Link expires
            <select
              value={lifetimeHours}
              onChange={(e) => setLifetimeHours(Number(e.target.value))}
              disabled={state.stage === 'preparing'}
              data-testid="share-expiry"
            >
              <option value={0}>never</option>
              <option value={1}>after 1 hour</option>
              <option value={24}>after 1 day</option>
              <option value={168}>after 7 days</option>
            </select>
          </label>
          <DropZone onFiles={share} disabled={state.stage === 'preparing'} />
          {state.stage === 'preparing' && (
            <div className="progress-block" data-testid="ingest-progress">
              <p>
                Encrypting {state.count} file{state.count === 1 ? '' : 's'}… {formatBytes(state.done)} of {formatBytes(state.total)}
              </p>
              <progress max={Math.max(state.total, 1)} value={state.done} aria-label="Preparing files" />
            </div>
          )}
          {state.stage === 'error' && (
            <p role="alert" className="error">
              Could not prepare the files: {state.message}
            </p>
          )}
        </section>
      )}
      {state.stage === 'ready' && <SharingGuards drop={state.drop} />}
      {state.stage === 'ready' && (
        <>
          <SharePanel
            engine={engine}
            cid={state.drop.cid}
            name={state.name}
            link={state.link}
            ownerLink={state.ownerLink}
            onShareMore={() => setState({ stage: 'idle' })}
          />
          {state.renamed.length > 0 && <RenamedNote renamed={state.renamed} />}
          <TransferStatus drop={state.drop} />
        </>
      )}
      <LibraryView engine={engine} />
      <SettingsPanel engine={engine} />
    </>
  )
}

const RENAMES_LISTED = 10

/** Tells the sender which names were changed, so the link's names are no surprise. */
function RenamedNote({ renamed }: { renamed: Rename[] }) {
  return (
    <section className="card hint" data-testid="renamed-files">
      <p>
        {renamed.length === 1 ? 'One name was' : `${renamed.length} names were`} changed to be safe on every system (no control characters,
        none of \ : * ? " &lt; &gt; |, no trailing dot or space, no Windows device names, no two names that differ only in case):
      </p>
      <ul>
        {renamed.slice(0, RENAMES_LISTED).map(({ from, to }, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the list is fixed once the drop is made
          <li key={i}>
            {quoteName(from)} → {quoteName(to)}
          </li>
        ))}
        {renamed.length > RENAMES_LISTED && <li>…and {renamed.length - RENAMES_LISTED} more</li>}
      </ul>
    </section>
  )
}

/** While someone is downloading from this tab: keep the screen on, and ask before the tab closes. */
function SharingGuards({ drop }: { drop: Drop }) {
  const s = useDrop(drop)
  const serving = s.peers.some((p) => s.piecesTotal !== null && p.pieces < s.piecesTotal)
  useWakeLock(serving)
  useLeaveWarning(serving)
  return null
}
