import type { FileSpan } from '../../core/content/metadata.js'
import { formatBytes } from '../../core/util/format.js'

/** The drop's files with their own progress; each can be saved at any time: the save fills as its pieces are verified. */
export function FileList({
  files,
  bytesDone,
  onSave,
  onPlay,
}: {
  files: readonly FileSpan[]
  bytesDone: readonly number[] | null
  onSave: (which: 'all' | number) => void
  /** Given for a file this browser can play: shows the player for it. */
  onPlay: (file: FileSpan) => (() => void) | null
}) {
  const total = files.reduce((sum, f) => sum + f.size, 0)
  const done = (f: FileSpan) => (bytesDone?.[f.index] ?? 0) >= f.size
  return (
    <div className="files">
      <p className="stats">
        {files.length} file{files.length === 1 ? '' : 's'}, {formatBytes(total)}
      </p>
      <ul className="file-list" data-testid="file-list">
        {files.map((f) => (
          <li key={f.index} data-testid="file-row" data-done={String(done(f))}>
            <span className="file-path">{f.path}</span>
            <span className="file-size">
              {done(f) ? formatBytes(f.size) : `${formatBytes(bytesDone?.[f.index] ?? 0)} of ${formatBytes(f.size)}`}
            </span>
            <progress
              className="file-progress"
              max={Math.max(f.size, 1)}
              value={done(f) ? Math.max(f.size, 1) : (bytesDone?.[f.index] ?? 0)}
              aria-label={`${f.path} progress`}
            />
            {onPlay(f) && (
              <button type="button" className="button small" onClick={onPlay(f)!} aria-label={`Play ${f.path}`}>
                Play
              </button>
            )}
            <button type="button" className="button small" onClick={() => onSave(f.index)} aria-label={`Save ${f.path}`}>
              Save
            </button>
          </li>
        ))}
      </ul>
      {files.length > 1 && (
        <button type="button" className="button primary" onClick={() => onSave('all')}>
          Save all as .zip
        </button>
      )}
    </div>
  )
}
