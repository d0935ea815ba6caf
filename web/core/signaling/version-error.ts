import { NamedError } from '../../../format/errors.js'

/** The page and the server speak different signaling protocol versions; the message says both and what to do. */
export class SignalingVersionError extends NamedError {}
