import type { FileSpan } from '../../core/content/metadata.ts'
import { formatBytes } from '../format.ts'

export function FileList({
  files,
  complete,
  onSave,
}: {
  files: readonly FileSpan[]
  complete: boolean
  onSave: (which: 'all' | number) => void
}) {
  const total = files.reduce((sum, f) => sum + f.size, 0)
  return (
    <div className="files">
      <p className="stats">
        {files.length} file{files.length === 1 ? '' : 's'}, {formatBytes(total)}
      </p>
      <ul className="file-list" data-testid="file-list">
        {files.map((f) => (
          <li key={f.index} data-testid="file-row">
            <span className="file-path">{f.path}</span>
            <span className="file-size">{formatBytes(f.size)}</span>
            <button type="button" className="button small" disabled={!complete} onClick={() => onSave(f.index)}>
              Save
            </button>
          </li>
        ))}
      </ul>
      {files.length > 1 && (
        <button type="button" className="button primary" disabled={!complete} onClick={() => onSave('all')}>
          Save all as .zip
        </button>
      )}
    </div>
  )
}
