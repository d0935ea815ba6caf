import { useState } from 'react'
import { QrCode } from './QrCode.tsx'

export function SharePanel({ link, onShareMore }: { link: string; onShareMore: () => void }) {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle')
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link)
      setCopied('copied')
    } catch {
      setCopied('failed')
    }
  }
  return (
    <section className="card" aria-labelledby="share-title">
      <h1 id="share-title">Your link is ready</h1>
      <p className="lead">
        Anyone with this link can download the files while Swarmdrop is open in a browser that has them: this one,
        and every browser that downloaded them.
      </p>
      <div className="link-row">
        <input
          className="link"
          readOnly
          value={link}
          aria-label="Share link"
          data-testid="share-link"
          onFocus={(e) => e.target.select()}
        />
        <button type="button" className="button primary" onClick={copy} data-testid="copy-link">
          {copied === 'copied' ? 'Copied' : 'Copy link'}
        </button>
      </div>
      {'share' in navigator && (
        <button type="button" className="button" onClick={() => void navigator.share({ url: link }).catch(() => {})}>
          Share…
        </button>
      )}
      {copied === 'failed' && <p className="hint">Copying was blocked; select the link and copy it by hand.</p>}
      <QrCode text={link} />
      <p className="hint">The part after “#” is the key. It stays in browsers and is never sent to the server.</p>
      <button type="button" className="button" onClick={onShareMore}>
        Send other files
      </button>
    </section>
  )
}
