import { useEffect, useState } from 'react'
import type { Engine } from '../core/engine.js'
import { type LinkTarget, type PasswordLinkTarget, isPasswordLink, parseAnyLink } from '../core/content/link.js'
import { SendView } from './send/SendView.js'
import { CheckView } from './check/CheckView.js'
import { ReceiveView } from './receive/ReceiveView.js'
import { PasswordView } from './receive/PasswordView.js'
import { ConnectionBadge } from './ConnectionBadge.js'
import { WebRtcOffNotice } from './WebRtcOffNotice.js'
import { ServerVersionNotice } from './ServerVersionNotice.js'

type Route =
  | { kind: 'send' }
  | { kind: 'check' }
  | { kind: 'receive'; target: LinkTarget }
  | { kind: 'password'; target: PasswordLinkTarget }
  | { kind: 'bad-link'; message: string }

function routeFor(path: string, hash: string): Route {
  if (path === '/check') return { kind: 'check' }
  if (hash === '' || hash === '#') return { kind: 'send' }
  try {
    const target = parseAnyLink(hash)
    return isPasswordLink(target) ? { kind: 'password', target } : { kind: 'receive', target }
  } catch (err) {
    return { kind: 'bad-link', message: err instanceof Error ? err.message : String(err) }
  }
}

export function App({ engine }: { engine: Engine }) {
  const [hash, setHash] = useState(() => window.location.hash)
  useEffect(() => {
    const onHash = () => setHash(window.location.hash)
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])
  const route = routeFor(window.location.pathname, hash)

  return (
    <div className="page">
      <header className="top">
        <a className="brand" href="/" onClick={() => setHash('')}>
          Swarmdrop
        </a>
        <ConnectionBadge signaling={engine.signaling} />
      </header>
      <main>
        <ServerVersionNotice link={engine.signaling} />
        <WebRtcOffNotice signaling={engine.signaling} />
        {route.kind === 'send' && <SendView engine={engine} />}
        {route.kind === 'check' && <CheckView engine={engine} />}
        {route.kind === 'receive' && <ReceiveView key={route.target.cid} engine={engine} target={route.target} />}
        {route.kind === 'password' && <PasswordView key={route.target.cid} engine={engine} target={route.target} />}
        {route.kind === 'bad-link' && (
          <section className="card" aria-labelledby="bad-link-title">
            <h1 id="bad-link-title">This link does not work</h1>
            <p role="alert" className="error" data-testid="link-error">
              {route.message}
            </p>
            <p>
              Ask the sender for the whole link, or <a href="/">share files of your own</a>.
            </p>
          </section>
        )}
      </main>
      <footer className="foot">
        Files travel browser to browser, encrypted. The server introduces peers; it never sees your files or the key in the link.{' '}
        <a href="/check">Connection check</a>
      </footer>
    </div>
  )
}
