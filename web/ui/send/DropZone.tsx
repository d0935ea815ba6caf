import { useRef, useState, type DragEvent } from 'react'
import type { SourceFile } from '../../core/chunking/source.js'
import { filesFromDrop, filesFromInput } from './collect-files.js'

export function DropZone({ onFiles, disabled }: { onFiles: (files: SourceFile[]) => void; disabled?: boolean }) {
  const [over, setOver] = useState(false)
  const folderInput = useRef<HTMLInputElement>(null)

  const onDrop = async (e: DragEvent) => {
    e.preventDefault()
    setOver(false)
    if (disabled) return
    const files = await filesFromDrop(e.dataTransfer)
    if (files.length > 0) onFiles(files)
  }

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: dropping is for the mouse; the file and folder buttons inside serve the keyboard
    <div
      className={`dropzone${over ? ' over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault()
        setOver(true)
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      data-testid="dropzone"
    >
      <p className="dropzone-title">Drop files or a folder here</p>
      <p className="dropzone-or">or</p>
      <div className="dropzone-buttons">
        <label className="button primary">
          Choose files
          <input
            type="file"
            multiple
            disabled={disabled}
            className="visually-hidden"
            data-testid="file-input"
            onChange={(e) => {
              if (e.target.files?.length) onFiles(filesFromInput(e.target.files))
              e.target.value = ''
            }}
          />
        </label>
        <button type="button" className="button" disabled={disabled} onClick={() => folderInput.current?.click()}>
          Choose a folder
        </button>
        <input
          ref={(el) => {
            folderInput.current = el
            el?.setAttribute('webkitdirectory', '')
          }}
          type="file"
          className="visually-hidden"
          tabIndex={-1}
          aria-hidden="true"
          data-testid="folder-input"
          onChange={(e) => {
            if (e.target.files?.length) onFiles(filesFromInput(e.target.files))
            e.target.value = ''
          }}
        />
      </div>
    </div>
  )
}
