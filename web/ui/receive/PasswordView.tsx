import { useState, type FormEvent } from 'react'
import type { Engine } from '../../core/engine.js'
import type { LinkTarget, PasswordLinkTarget } from '../../core/content/link.js'
import { secretFromPassword } from '../../core/crypto/password.js'
import { ReceiveView } from './ReceiveView.js'

/**
 * A password link: asks for the password, derives the key in this browser
 * (nothing is sent anywhere), and opens the drop. A wrong password shows when
 * the file list fails to decrypt; the engine has then changed nothing it held
 * (the drop may be the user's own), and the form returns.
 */
export function PasswordView({ engine, target }: { engine: Engine; target: PasswordLinkTarget }) {
  const [password, setPassword] = useState('')
  const [state, setState] = useState<{ kind: 'ask'; error?: string } | { kind: 'deriving' } | { kind: 'open'; target: LinkTarget }>({
    kind: 'ask',
  })

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (!password) return
    setState({ kind: 'deriving' })
    const secret = await secretFromPassword(password, target.salt, target.kdf)
    setState({ kind: 'open', target: { cid: target.cid, secret, mirrors: target.mirrors } })
  }

  if (state.kind === 'open') {
    return (
      <ReceiveView
        engine={engine}
        target={state.target}
        onWrongSecret={() => setState({ kind: 'ask', error: 'Wrong password. Try again.' })}
      />
    )
  }
  return (
    <section className="card" aria-labelledby="password-title">
      <h1 id="password-title">This link is protected by a password</h1>
      <p className="lead">Ask the sender for it. It is checked in this browser and never sent anywhere.</p>
      <form onSubmit={submit} className="setting">
        <label>
          Password{' '}
          <input
            type="password"
            // biome-ignore lint/a11y/noAutofocus: the page shows only this field; typing the password is the one thing to do
            autoFocus
            autoComplete="off"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="link-password"
          />
        </label>
        <button type="submit" className="button primary" disabled={state.kind === 'deriving' || !password}>
          {state.kind === 'deriving' ? 'Checking…' : 'Open'}
        </button>
      </form>
      {state.kind === 'ask' && state.error && (
        <p role="alert" className="error" data-testid="password-error">
          {state.error}
        </p>
      )}
    </section>
  )
}
