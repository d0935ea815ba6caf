import { useEffect, useRef, useState } from 'react'
import type { Engine } from '../../core/engine.js'
import type { LinkTarget } from '../../core/content/link.js'
import type { Drop, DropPhase } from '../../core/drop.js'
import { useDrop } from '../drop-view-model.js'
import { TransferStatus } from '../transfer/TransferStatus.js'
import { FileList } from './FileList.js'
import { MediaPlayer, playable } from './MediaPlayer.js'
import { saveFiles, zipNameFor } from '../save.js'
import { useWakeLock } from '../useWakeLock.js'
import { RevokeButton } from '../library/RevokeButton.js'
import { MirrorListEditor } from '../library/MirrorListEditor.js'
import { type RelayState, usePeersOnline, useServerRelay } from '../useServer.js'
import { browserWebRtc } from '../../app/direct-connections.js'

export function ReceiveView({
  engine,
  target,
  onWrongSecret,
}: {
  engine: Engine
  target: LinkTarget
  /** A password form passes this: a wrong key then sends the user back to it. */
  onWrongSecret?: () => void
}) {
  const [drop, setDrop] = useState<Drop | null>(null)
  const [error, setError] = useState<string | null>(null)
  const peersOnline = usePeersOnline(engine.signaling, target.cid) // listening before open() announces
  const relay = useServerRelay(engine.signaling)
  useEffect(() => {
    let live = true
    engine.open(target).then(
      (d) => live && setDrop(d),
      (err: unknown) => live && setError(err instanceof Error ? err.message : String(err)),
    )
    return () => {
      live = false
    }
  }, [engine, target])

  if (error) {
    return (
      <section className="card">
        <h1>Cannot open this link</h1>
        <p role="alert" className="error">
          {error}
        </p>
      </section>
    )
  }
  if (!drop) return <section className="card">Opening…</section>
  return (
    <>
      <Receiving drop={drop} onWrongSecret={onWrongSecret} waitingText={findingPeersText(peersOnline, relay)} />
      {target.revokeSecret && (
        <section className="card" aria-labelledby="owner-title">
          <h2 id="owner-title">You opened an owner link</h2>
          <p className="hint">It can stop sharing these files in every browser that has them.</p>
          <RevokeButton engine={engine} cid={target.cid} name={drop.state.name ?? 'these files'} />
          <MirrorListEditor engine={engine} cid={target.cid} />
        </section>
      )}
    </>
  )
}

const PHASE_TEXT: Record<DropPhase, string> = {
  'finding-peers':
    'Looking for browsers that have these files… None is online yet. Keep this page open: the download starts as soon as one appears.',
  'fetching-manifest': 'Connected. Fetching the file list…',
  downloading: 'Downloading and verifying every piece…',
  complete: 'Done. Every piece was verified. This browser now shares the files too, whenever Swarmdrop is open in it.',
  failed: 'The download failed.',
}

/** While no peer is connected: whether any is online, and whether this browser can reach one at all. */
function findingPeersText(peersOnline: number, relay: RelayState): string {
  if (peersOnline === 0) return PHASE_TEXT['finding-peers']
  const online = peersOnline === 1 ? '1 browser on this link is online' : `${peersOnline} browsers on this link are online`
  if (!browserWebRtc().usable && relay === 'off') {
    return `${online}, but this browser has WebRTC turned off and this server does not relay: nothing can be fetched here. Turn WebRTC on, or open the link in another browser.`
  }
  return `${online}. Connecting…`
}

function Receiving({
  drop,
  onWrongSecret,
  waitingText,
}: {
  drop: Drop
  onWrongSecret?: () => void
  /** What the page says while looking for peers. */
  waitingText: string
}) {
  const s = useDrop(drop)
  const [saveError, setSaveError] = useState<string | null>(null)
  // The file in the player: a lone playable file plays at once, others when asked.
  const [chosen, setChosen] = useState<number | null>(null)
  const lonePlayable = s.files?.length === 1 && playable(s.files[0]) ? s.files[0].index : null
  const playing = s.files?.find((f) => f.index === (chosen ?? lonePlayable)) ?? null
  const autoSaved = useRef(false)
  useWakeLock(s.phase === 'downloading' || s.phase === 'fetching-manifest')
  // Revoked and expired drops are deleted from this browser: nothing is left to save.
  const deleted = s.errorKind === 'revoked' || s.errorKind === 'expired'

  const save = async (which: 'all' | number) => {
    setSaveError(null)
    const files = (s.files ?? []).filter((f) => which === 'all' || which === f.index)
    try {
      if (files.length > 0) await saveFiles(drop, files, zipNameFor(files))
    } catch (err) {
      setSaveError(err instanceof Error ? err.message : String(err))
    }
  }

  useEffect(() => {
    if (s.errorKind === 'wrong-secret' && onWrongSecret) onWrongSecret()
  }, [s.errorKind, onWrongSecret])

  // The save starts with the download, as soon as the file list is known, and fills as pieces are
  // verified; opened again after a reload or crash, the drop resumes and the save starts again.
  // biome-ignore lint/correctness/useExhaustiveDependencies: saves once, when the file list arrives; `save` is new each render
  useEffect(() => {
    if (s.files && s.phase !== 'failed' && !autoSaved.current) {
      autoSaved.current = true
      void save('all')
    }
  }, [s.files, s.phase])

  return (
    <>
      <section className="card" aria-labelledby="receive-title">
        <h1 id="receive-title">Receive files</h1>
        <p className={s.phase === 'failed' ? 'error' : 'lead'} role="status" data-testid="receive-phase" data-phase={s.phase}>
          {s.phase === 'failed' && s.error ? s.error : s.phase === 'finding-peers' ? waitingText : PHASE_TEXT[s.phase]}
        </p>
        {playing && !deleted && s.phase !== 'failed' && (
          <MediaPlayer key={playing.index} drop={drop} file={playing} complete={s.phase === 'complete'} />
        )}
        {s.files && !deleted && (
          <FileList
            files={s.files}
            bytesDone={s.fileBytesDone}
            onSave={save}
            onPlay={(f) => (playable(f) ? () => setChosen(f.index) : null)}
          />
        )}
        {saveError && (
          <p role="alert" className="error">
            Saving failed: {saveError}
          </p>
        )}
      </section>
      <TransferStatus drop={drop} />
    </>
  )
}
