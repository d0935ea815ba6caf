import { useEffect } from 'react'

/** Keeps the screen on while `active` (a transfer is running), where the Wake Lock API exists. */
export function useWakeLock(active: boolean): void {
  useEffect(() => {
    if (!active || !('wakeLock' in navigator)) return
    let lock: WakeLockSentinel | null = null
    let released = false
    const acquire = () => {
      if (document.visibilityState !== 'visible') return
      navigator.wakeLock.request('screen').then(
        (l) => (released ? void l.release() : (lock = l)),
        () => {}, // refused (battery saver, no user activation): the transfer goes on regardless
      )
    }
    acquire()
    // The lock is dropped when the tab is hidden; take it again when it comes back.
    document.addEventListener('visibilitychange', acquire)
    return () => {
      released = true
      document.removeEventListener('visibilitychange', acquire)
      void lock?.release()
    }
  }, [active])
}

/** Asks before the tab closes while `active`: closing it would stop a transfer only this tab can serve. */
export function useLeaveWarning(active: boolean): void {
  useEffect(() => {
    if (!active) return
    const warn = (event: BeforeUnloadEvent) => event.preventDefault()
    window.addEventListener('beforeunload', warn)
    return () => window.removeEventListener('beforeunload', warn)
  }, [active])
}
