import { useState } from 'react'
import type { Engine } from '../../core/engine.js'
import type { Cid } from '../../../format/cid.js'
import { QrCode } from './QrCode.js'
import { RevokeButton } from '../library/RevokeButton.js'
import { PinButton } from './PinButton.js'
import { MirrorListEditor } from '../library/MirrorListEditor.js'

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

/** A link in a read-only field (selected on focus) with its copy button. */
function LinkRow(props: { link: string; label: string; testId: string; copyLabel: string; copyTestId: string; primary?: boolean }) {
  return (
    <div className="link-row">
      <input
        className="link"
        readOnly
        value={props.link}
        aria-label={props.label}
        data-testid={props.testId}
        onFocus={(e) => e.target.select()}
      />
      <CopyButton text={props.link} label={props.copyLabel} testId={props.copyTestId} primary={props.primary} />
    </div>
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
        Anyone with this link can download the files while Swarmdrop is open in a browser that has them: this one, and every browser that
        downloaded them.
      </p>
      <LinkRow link={link} label="Share link" testId="share-link" copyLabel="Copy link" copyTestId="copy-link" primary />
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
          The owner link opens these files and can stop sharing them everywhere, from any device. Keep it private: give people the link
          above.
        </p>
        <LinkRow link={ownerLink} label="Owner link" testId="owner-link" copyLabel="Copy owner link" copyTestId="copy-owner-link" />
        <RevokeButton engine={engine} cid={cid} name={name} />
        <MirrorListEditor engine={engine} cid={cid} />
      </details>
      <button type="button" className="button" onClick={onShareMore}>
        Send other files
      </button>
    </section>
  )
}
