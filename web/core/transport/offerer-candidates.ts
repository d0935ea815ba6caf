/**
 * The offerer keeps its ICE candidates back until it has applied the answer.
 *
 * Why: libdatachannel (node-datachannel 0.33, libdatachannel 0.24) hands a
 * remote answer to its ICE agent before it stores the answer's DTLS
 * fingerprint. If the answerer has already been checking our candidates, the
 * agent holds a ready candidate pair, connects at once and starts DTLS; a
 * client hello that lands in that window is checked against no fingerprint,
 * and the handshake fails ("DTLS alert: unknown CA") and closes the link. On a
 * loaded machine the window is wide enough to hit. While the answerer knows
 * none of our addresses it cannot check us, so we hold them: the offer goes
 * out without candidate lines, and the trickled candidates wait for the answer.
 */

type Signal = Record<string, unknown>

export interface OffererSignals {
  /** Takes one outgoing signal: passes it on, strips it, or holds it. */
  send(data: Signal): void
  /** The answer is applied: sends what was held, and from now on everything as it comes. */
  answered(): void
}

export function offererSignals(sendSignal: (data: Signal) => void): OffererSignals {
  let held: Signal[] | null = []
  return {
    send(data) {
      if (!held) sendSignal(data)
      else if (data.type === 'candidate') held.push(data)
      else if (data.type === 'offer' && typeof data.sdp === 'string') sendSignal({ ...data, sdp: withoutCandidates(data.sdp) })
      else sendSignal(data)
    },
    answered() {
      if (!held) return
      const pending = held
      held = null
      for (const data of pending) sendSignal(data)
    },
  }
}

/**
 * An SDP without its candidate lines. With trickle on, each of them also goes
 * out as its own candidate signal, so none is lost; 'end-of-candidates' goes
 * too, as it would claim there are none.
 */
export function withoutCandidates(sdp: string): string {
  return sdp.replace(/^a=(candidate:|end-of-candidates).*(\r?\n|$)/gm, '')
}
