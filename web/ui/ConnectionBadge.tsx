import { useSyncExternalStore } from 'react'
import type { SignalingClient } from '../core/signaling/client.js'

const LABEL = { open: 'Online', connecting: 'Connecting to server…', closed: 'Offline' } as const

export function ConnectionBadge({ signaling }: { signaling: SignalingClient }) {
  const status = useSyncExternalStore(
    (cb) => signaling.events.on('status', cb),
    () => signaling.status,
  )
  return (
    <span className={`badge badge-${status}`} role="status" data-testid="server-status">
      {LABEL[status]}
    </span>
  )
}
