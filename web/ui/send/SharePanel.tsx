import { useState } from 'react'
import type { Engine } from '../../core/engine.ts'
import type { Cid } from '../../core/content/cid.ts'
import { QrCode } from './QrCode.tsx'
import { RevokeButton } from '../library/RevokeButton.tsx'
import { PinButton } from './PinButton.tsx'

function CopyButton({ text, label, testId, primary }: { text: string; label: string; testId: string; primary?: boolean }) {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle')
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text)
      setCopied('copied')
    } catch {
      setCopied('failed')
    }
  }
  return (
    <>
      <button type="button" className={`button${primary ? ' primary' : ''}`} onClick={copy} data-testid={testId}>
        {copied === 'copied' ? 'Copied' : label}
      </button>
      {copied === 'failed' && <p className="hint">Copying was blocked; select the link and copy it by hand.</p>}
    </>
  )
}

export function SharePanel({
  engine,
  cid,
  name,
  link,
  ownerLink,
  onShareMore,
}: {
  engine: Engine
  cid: Cid
  name: string
  link: string
  ownerLink: string
  onShareMore: () => void
}) {
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
        <CopyButton text={link} label="Copy link" testId="copy-link" primary />
      </div>
      {'share' in navigator && (
        <button type="button" className="button" onClick={() => void navigator.share({ url: link }).catch(() => {})}>
          Share…
        </button>
      )}
      <QrCode text={link} />
      <PinButton engine={engine} cid={cid} />
      <p className="hint">The part after “#” is the key. It stays in browsers and is never sent to the server.</p>
      <details className="owner">
        <summary>Owner controls</summary>
        <p className="hint">
          The owner link opens these files and can stop sharing them everywhere, from any device. Keep it private:
          give people the link above.
        </p>
        <div className="link-row">
          <input
            className="link"
            readOnly
            value={ownerLink}
            aria-label="Owner link"
            data-testid="owner-link"
            onFocus={(e) => e.target.select()}
          />
          <CopyButton text={ownerLink} label="Copy owner link" testId="copy-owner-link" />
        </div>
        <RevokeButton engine={engine} cid={cid} name={name} />
      </details>
      <button type="button" className="button" onClick={onShareMore}>
        Send other files
      </button>
    </section>
  )
}
