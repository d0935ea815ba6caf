import { useEffect, useState } from 'react'
import type { Engine } from '../../core/engine.js'
import type { Cid } from '../../../format/cid.js'
import { MAX_MIRRORS, parseMirrorBase } from '../../../format/mirror-base.js'

type Loaded = { kind: 'loading' } | { kind: 'unavailable'; why: string } | { kind: 'ready'; published: readonly string[] }
type Publishing = { kind: 'idle' | 'working' } | { kind: 'done'; count: number } | { kind: 'error'; message: string }

/**
 * The owner's published mirrors (core/mirror/published.ts): web servers that
 * hold the drop's exported files, added or removed without changing the
 * link. Published lists are plaintext to the server, which the text says.
 */
export function MirrorListEditor({ engine, cid }: { engine: Engine; cid: Cid }) {
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' })
  const [mirrors, setMirrors] = useState<string[]>([])
  const [adding, setAdding] = useState('')
  const [addError, setAddError] = useState<string | null>(null)
  const [publishing, setPublishing] = useState<Publishing>({ kind: 'idle' })

  const [manifestSeen, setManifestSeen] = useState(0)
  // An owner link opened here: the manifest comes from a peer or a mirror, and the editor waits for it.
  useEffect(() => engine.drop(cid)?.swarm.events.on('manifest', () => setManifestSeen((n) => n + 1)), [engine, cid])
  useEffect(() => {
    let live = true
    void manifestSeen
    const manifest = engine.drop(cid)?.swarm.manifest
    const show = (next: Loaded) => live && setLoaded(next)
    if (!manifest) show({ kind: 'unavailable', why: 'Mirrors can be published once the drop’s manifest is here.' })
    else if (!manifest.mirrorKey)
      show({ kind: 'unavailable', why: 'This drop was made before published mirror lists: its mirrors can only be named in links.' })
    else {
      engine.mirrorLists.current(cid, manifest).then(
        (list) => {
          show({ kind: 'ready', published: list?.mirrors ?? [] })
          if (live) setMirrors([...(list?.mirrors ?? [])])
        },
        (err: Error) => {
          // A list that is not the owner's is replaced by the next publish; anything else (offline) is shown.
          show(err.name === 'InvalidMirrorListError' ? { kind: 'ready', published: [] } : { kind: 'unavailable', why: err.message })
        },
      )
    }
    return () => {
      live = false
    }
  }, [engine, cid, manifestSeen])

  if (loaded.kind !== 'ready') {
    return (
      <p className="hint" data-testid="mirrors-unavailable">
        {loaded.kind === 'loading' ? 'Reading the published mirrors…' : loaded.why}
      </p>
    )
  }
  const add = () => {
    const parsed = parseMirrorBase(adding.trim())
    if ('error' in parsed) return setAddError(`Not a mirror: ${parsed.error}.`)
    if (mirrors.includes(parsed.base)) return setAddError('That mirror is listed already.')
    if (mirrors.length >= MAX_MIRRORS) return setAddError(`A drop has at most ${MAX_MIRRORS} mirrors.`)
    setMirrors([...mirrors, parsed.base])
    setAdding('')
    setAddError(null)
  }
  const publish = async () => {
    setPublishing({ kind: 'working' })
    try {
      const list = await engine.mirrorLists.publish(cid, mirrors)
      setLoaded({ kind: 'ready', published: list.mirrors })
      setPublishing({ kind: 'done', count: list.mirrors.length })
    } catch (err) {
      setPublishing({ kind: 'error', message: err instanceof Error ? err.message : String(err) })
    }
  }
  const changed = mirrors.join('\n') !== loaded.published.join('\n')
  return (
    <div className="mirror-list" data-testid="mirror-list">
      <h3>Mirrors</h3>
      <p className="hint">
        Web servers that hold this drop’s exported files (swarmdrop export). Everyone who opens the link also downloads from them, without a
        new link. Unlike mirrors in a link, this list is readable by the server and by anyone who asks for the drop.
      </p>
      <ul>
        {mirrors.map((m) => (
          <li key={m} data-testid="mirror-row">
            <span className="mirror-url">{m}</span>{' '}
            <button
              type="button"
              className="button small"
              onClick={() => setMirrors(mirrors.filter((x) => x !== m))}
              aria-label={`Remove ${m}`}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <div className="link-row">
        <input
          className="link"
          value={adding}
          placeholder="https://data.example.org/"
          aria-label="Mirror URL"
          data-testid="mirror-url"
          onChange={(e) => setAdding(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && add()}
        />
        <button type="button" className="button" onClick={add} data-testid="mirror-add">
          Add
        </button>
      </div>
      {addError && (
        <p role="alert" className="error" data-testid="mirror-add-error">
          {addError}
        </p>
      )}
      <button
        type="button"
        className="button primary"
        disabled={!changed || publishing.kind === 'working'}
        onClick={() => void publish()}
        data-testid="mirrors-publish"
      >
        {publishing.kind === 'working' ? 'Publishing…' : 'Publish mirrors'}
      </button>
      {publishing.kind === 'done' && !changed && (
        <p role="status" className="hint" data-testid="mirrors-published">
          Published {publishing.count} mirror{publishing.count === 1 ? '' : 's'}. The link stays the same.
        </p>
      )}
      {publishing.kind === 'error' && (
        <p role="alert" className="error" data-testid="mirrors-error">
          {publishing.message}
        </p>
      )}
    </div>
  )
}
