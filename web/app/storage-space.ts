/**
 * Storage quota in the browser: ask to keep our data (so the browser does not
 * evict pieces under pressure) and check a download fits before it starts.
 */
import { formatBytes } from '../core/util/format.js'

let persistAsked = false

/** Asks once per page load; browsers grant it silently or from engagement, never with a prompt in Chromium. */
export function requestPersistence(): void {
  if (persistAsked) return
  persistAsked = true
  void navigator.storage?.persist?.().catch(() => {})
}

export async function browserSpaceCheck(neededBytes: number): Promise<string | null> {
  requestPersistence()
  const estimate = await navigator.storage?.estimate?.().catch(() => undefined)
  if (!estimate?.quota) return null // unknown: try, and report a quota error if it comes
  const free = estimate.quota - (estimate.usage ?? 0)
  if (free >= neededBytes) return null
  return (
    `This download needs ${formatBytes(neededBytes)} of browser storage, but this site may only use ` +
    `${formatBytes(Math.max(0, free))} more. Free up disk space (or remove items from “In this browser”), then reload.`
  )
}
