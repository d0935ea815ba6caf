import { useSyncExternalStore } from 'react'
import type { ServerLink } from '../core/signaling/roles.js'

/** Says, on every page, that this page and the server speak different signaling versions: nothing works until a reload. */
export function ServerVersionNotice({ link }: { link: ServerLink }) {
  const error = useSyncExternalStore(
    (cb) => link.events.on('incompatible', cb),
    () => link.incompatible,
  )
  if (!error) return null
  return (
    <section className="card" role="alert" data-testid="server-version" data-error={error.name}>
      <p className="error">{error.message}.</p>
      <button type="button" className="button" onClick={() => window.location.reload()}>
        Reload the page
      </button>
    </section>
  )
}
