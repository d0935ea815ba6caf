import { useEffect, useState } from 'react'
import type { Engine } from '../../core/engine.js'
import type { Cid } from '../../../format/cid.js'
import { type PinStatus, pinComplete } from '../../../protocol/signal.js'

/** "Keep available after I close this tab": asks the server's pin nodes to hold the drop, and shows how far they are. */
export function PinButton({ engine, cid }: { engine: Engine; cid: Cid }) {
  const [asked, setAsked] = useState(false)
  const [status, setStatus] = useState<PinStatus | null>(null)
  useEffect(() => engine.pins.events.on('pin-status', (s) => s.cid === cid && setStatus(s)), [engine, cid])

  const text = !status
    ? 'Asking the pin nodes…'
    : status.nodes === 0
      ? 'This server has no pin nodes: the files stay available only while a browser that has them is open.'
      : pinComplete(status)
        ? `Kept available: ${status.complete} pin node${status.complete === 1 ? '' : 's'} hold every piece. You can close this tab.`
        : `Pinning: ${status.complete} of ${Math.min(status.replicas, status.nodes)} pin node copies complete…`
  const done = status !== null && pinComplete(status)
  return (
    <div className="pin">
      {!asked && (
        <button
          type="button"
          className="button"
          data-testid="pin"
          onClick={() => {
            setAsked(true)
            engine.pins.pin(cid)
          }}
        >
          Keep available after I close this tab
        </button>
      )}
      {asked && (
        <p role="status" className="hint" data-testid="pin-status" data-pinned={String(done)}>
          {text}
        </p>
      )}
    </div>
  )
}
