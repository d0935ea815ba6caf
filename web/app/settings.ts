/** User settings kept in localStorage (this browser only). */
export interface Settings {
  /** Upload limit for all transfers together; null means unlimited. */
  uploadLimitBytesPerSecond: number | null
}

const KEY = 'swarmdrop.settings'

export function loadSettings(): Settings {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Settings>
    const limit = raw.uploadLimitBytesPerSecond
    return { uploadLimitBytesPerSecond: typeof limit === 'number' && limit > 0 ? limit : null }
  } catch {
    return { uploadLimitBytesPerSecond: null }
  }
}

export function saveSettings(settings: Settings): void {
  localStorage.setItem(KEY, JSON.stringify(settings))
}
