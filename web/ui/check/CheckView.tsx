import { useEffect, useState } from 'react'
import type { Engine } from '../../core/engine.js'
import { type ConnectivityReport, checkConnectivity } from '../../app/connectivity.js'

const ICON = { ok: '✔', warn: '!', error: '✖', info: 'i' } as const

/** The connectivity self-test, at /check: for users who cannot connect and for self-hosters setting up TURN. */
export function CheckView({ engine }: { engine: Engine }) {
  const [report, setReport] = useState<ConnectivityReport | null>(null)
  const [run, setRun] = useState(0)
  // biome-ignore lint/correctness/useExhaustiveDependencies: `run` is the "check again" button: a new value re-runs the check
  useEffect(() => {
    let live = true
    setReport(null)
    const start = () => void checkConnectivity(engine.signaling).then((r) => live && setReport(r))
    // Give the WebSocket a moment to connect when the page has just opened.
    if (engine.signaling.status === 'open') start()
    else {
      const timer = setTimeout(start, 3_000)
      const off = engine.signaling.events.on('status', (s) => {
        if (s !== 'open') return
        clearTimeout(timer)
        off()
        start()
      })
    }
    return () => {
      live = false
    }
  }, [engine, run])

  return (
    <section className="card" aria-labelledby="check-title">
      <h1 id="check-title">Connection check</h1>
      <p className="lead">What this browser can reach: the server, and the STUN and TURN servers it hands out.</p>
      {!report && <p role="status">Checking… (up to 10 seconds)</p>}
      {report && (
        <>
          <ul className="findings" data-testid="findings">
            {report.findings.map((f, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the list is replaced whole by each report, never reordered
              <li key={i} className={`finding finding-${f.severity}`} data-severity={f.severity}>
                <span aria-hidden="true">{ICON[f.severity]}</span> {f.text}
              </li>
            ))}
          </ul>
          {report.candidates.length > 0 && (
            <details>
              <summary>ICE candidates ({report.candidates.length})</summary>
              <ul className="stats">
                {report.candidates.map((c, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: the list is replaced whole by each report, never reordered
                  <li key={i}>
                    {c.type} {c.protocol} {c.address} {c.url ?? ''}
                  </li>
                ))}
              </ul>
            </details>
          )}
          <button type="button" className="button" onClick={() => setRun((n) => n + 1)}>
            Check again
          </button>
        </>
      )}
    </section>
  )
}
