import { useEffect, useState, useSyncExternalStore } from 'react'
import type { SignalingClient } from '../core/signaling/client.js'

export type RelayState = 'on' | 'off' | 'unknown'

/** Whether the server relays, as its welcome said; unknown until connected. */
export function useServerRelay(signaling: SignalingClient): RelayState {
  return useSyncExternalStore(
    (cb) => signaling.events.on('status', cb),
    () => (signaling.status !== 'open' ? 'unknown' : signaling.relayPolicy.enabled ? 'on' : 'off'),
  )
}

/**
 * How many other browsers the server last listed for a drop: online, though
 * perhaps not (yet) connected to this one. Mount it before the drop is
 * announced, so the first answer is heard.
 */
export function usePeersOnline(signaling: SignalingClient, cid: string): number {
  const [count, setCount] = useState(0)
  useEffect(
    () =>
      signaling.events.on('peers', (answer) => {
        if (answer.cid === cid) setCount(answer.peers.filter((p) => p !== signaling.peerId).length)
      }),
    [signaling, cid],
  )
  return count
}
