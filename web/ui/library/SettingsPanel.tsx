import { useState } from 'react'
import type { Engine } from '../../core/engine.js'
import { loadSettings, saveSettings } from '../../app/settings.js'

const MIB = 1024 * 1024

/** The upload limit: how much of the user's upstream Swarmdrop may use, for all transfers together. */
export function SettingsPanel({ engine }: { engine: Engine }) {
  const [limit, setLimit] = useState(() => {
    const bytes = loadSettings().uploadLimitBytesPerSecond
    return bytes === null ? '' : String(bytes / MIB)
  })
  const apply = (text: string) => {
    setLimit(text)
    const mib = Number(text)
    const bytes = text.trim() !== '' && Number.isFinite(mib) && mib > 0 ? mib * MIB : null
    engine.limiter.bytesPerSecond = bytes ?? Infinity
    saveSettings({ uploadLimitBytesPerSecond: bytes })
  }
  return (
    <details className="card settings">
      <summary>Settings</summary>
      <label className="setting">
        Upload limit (MiB/s, empty for none)
        <input
          type="number"
          min="0"
          step="0.5"
          inputMode="decimal"
          value={limit}
          onChange={(e) => apply(e.target.value)}
          data-testid="upload-limit"
        />
      </label>
    </details>
  )
}
