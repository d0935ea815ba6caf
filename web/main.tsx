import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './ui/App.js'
import { createBrowserEngine } from './app/create-engine.js'
import { registerDownloadWorker } from './ui/save.js'
import './ui/styles.css'

registerDownloadWorker()
const root = createRoot(document.getElementById('root')!)

createBrowserEngine().then(
  (engine) =>
    root.render(
      <StrictMode>
        <App engine={engine} />
      </StrictMode>,
    ),
  (err: unknown) => {
    root.render(
      <main className="page">
        <p role="alert" className="error">
          Swarmdrop cannot start in this browser: {err instanceof Error ? err.message : String(err)}. It needs IndexedDB (private windows of
          some browsers turn it off).
        </p>
      </main>,
    )
  },
)
