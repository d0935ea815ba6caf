/** The words for what happened to a drop (web/core/drop.ts says it in kinds and data). */
import type { DropFailure } from '../core/drop.js'

export function failureText(failure: DropFailure): string {
  switch (failure.kind) {
    case 'wrong-secret':
      return 'The link’s secret (or the password) does not open this content.'
    case 'invalid-content':
      return failure.fileList ? `The file list in this content is invalid: ${failure.detail}` : failure.detail
    case 'storage': {
      const detail = failure.full ? 'storage is full' : `storage failed (${failure.detail})`
      return (
        `This browser's ${detail}. ${failure.piecesHeld} of ${failure.piecesTotal} pieces are saved and still shared; ` +
        'free some disk space, then open the link again to continue.'
      )
    }
    case 'space':
      return failure.problem
    case 'expired':
      return `This link expired on ${new Date(failure.expiresAt).toLocaleString()}: its files are no longer shared.`
    case 'revoked':
      return 'The owner stopped sharing this link everywhere: its files are no longer available.'
  }
}
