import { useState } from 'react'
import type { Engine } from '../../core/engine.js'
import type { Cid } from '../../../format/cid.js'

/** "Stop sharing everywhere": the owner's tombstone, after a confirmation. */
export function RevokeButton({ engine, cid, name, small }: { engine: Engine; cid: Cid; name: string; small?: boolean }) {
  const [state, setState] = useState<{ kind: 'idle' | 'working' | 'done' } | { kind: 'error'; message: string }>({ kind: 'idle' })
  const revoke = async () => {
    const question = `Stop sharing “${name}” everywhere? Every browser that has it deletes it, and the link stops working for good.`
    if (!window.confirm(question)) return
    setState({ kind: 'working' })
    try {
      await engine.revoke(cid)
      setState({ kind: 'done' })
    } catch (err) {
      setState({ kind: 'error', message: err instanceof Error ? err.message : String(err) })
    }
  }
  if (state.kind === 'done') {
    return (
      <p role="status" className="hint" data-testid="revoke-done">
        Stopped everywhere. Browsers that had it delete it now, or when they next come online.
      </p>
    )
  }
  return (
    <>
      <button
        type="button"
        className={`button danger${small ? ' small' : ''}`}
        disabled={state.kind === 'working'}
        onClick={() => void revoke()}
        data-testid="revoke"
      >
        {state.kind === 'working' ? 'Stopping…' : 'Stop sharing everywhere'}
      </button>
      {state.kind === 'error' && (
        <p role="alert" className="error" data-testid="revoke-error">
          {state.message}
        </p>
      )}
    </>
  )
}
