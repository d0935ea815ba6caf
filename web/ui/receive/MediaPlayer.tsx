/**
 * Plays a video or audio file of the drop while it downloads: the download
 * worker answers the player's Range requests with bytes the page decrypts
 * as their pieces are verified (worker-reads.ts), so playback starts with
 * the first pieces and a seek fetches the pieces under the playhead first.
 * Without a worker (blocked, some private windows) it says so and plays the
 * file once it is complete, from a Blob of its pieces.
 */
import { useEffect, useState } from 'react'
import type { FileSpan } from '../../core/content/metadata.js'
import type { Drop } from '../../core/drop.js'
import { startWorkerMedia } from '../worker-reads.js'

/** Whether this browser can play `file` (its type from the manifest, as the sender's browser gave it). */
export function playable(file: FileSpan): boolean {
  const kind = file.type.split('/')[0]
  if (kind !== 'video' && kind !== 'audio') return false
  return document.createElement(kind).canPlayType(file.type) !== ''
}

type Source = { kind: 'stream' | 'blob'; src: string } | { kind: 'waiting'; note: string }

export function MediaPlayer({ drop, file, complete }: { drop: Drop; file: FileSpan; complete: boolean }) {
  const [source, setSource] = useState<Source | null>(null)
  const worker = typeof navigator !== 'undefined' ? navigator.serviceWorker?.controller : undefined
  // Without a worker the player waits for the whole file; with one, completion changes nothing.
  const blobReady = !worker && complete

  useEffect(() => {
    let live = true
    let close = () => {}
    if (worker) {
      void startWorkerMedia(worker, drop, file).then((media) => {
        if (!media)
          return (
            live &&
            setSource({ kind: 'waiting', note: 'This browser’s download worker did not answer: the file plays once it is complete.' })
          )
        if (!live) return media.close()
        close = media.close
        setSource({ kind: 'stream', src: media.src })
      })
    } else if (!blobReady) {
      setSource({
        kind: 'waiting',
        note: 'This browser runs no download worker here, so it cannot play while downloading: the file plays once it is complete.',
      })
    } else {
      void blobOf(drop, file).then((url) => {
        if (!live) return URL.revokeObjectURL(url)
        close = () => URL.revokeObjectURL(url)
        setSource({ kind: 'blob', src: url })
      })
    }
    return () => {
      live = false
      close()
    }
  }, [drop, file, worker, blobReady])

  const Element = file.type.startsWith('audio/') ? 'audio' : 'video'
  return (
    <figure className="player" aria-label={`Play ${file.path}`}>
      {source && source.kind !== 'waiting' ? (
        <Element data-testid="media-player" src={source.src} controls preload="auto" />
      ) : (
        <p className="hint" data-testid="media-note">
          {source?.note ?? 'Preparing the player…'}
        </p>
      )}
      <figcaption>{file.path}</figcaption>
    </figure>
  )
}

/** The whole file as a Blob of per-piece Blobs (on disk in normal profiles), for a browser without the worker. */
async function blobOf(drop: Drop, file: FileSpan): Promise<string> {
  const parts: Blob[] = []
  for await (const chunk of drop.readFile(file)) parts.push(new Blob([chunk as Uint8Array<ArrayBuffer>]))
  return URL.createObjectURL(new Blob(parts, { type: file.type }))
}
