import { useEffect, useState } from 'react'
import QRCode from 'qrcode'

/** The link as a QR code, drawn as SVG in the page: nothing is fetched, the link stays local. */
export function QrCode({ text }: { text: string }) {
  const [src, setSrc] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }).then(
      (svg) => live && setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`),
      () => live && setSrc(null),
    )
    return () => {
      live = false
    }
  }, [text])
  if (!src) return null
  return <img className="qr" src={src} width={200} height={200} alt="QR code of the share link" data-testid="share-qr" />
}
