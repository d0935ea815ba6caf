/**
 * The event side of a Connection, keeping the contract's promise (see
 * transport.ts): messages that arrive before the first 'message' listener are
 * held and delivered to it in order, once its owner has finished wiring up.
 * Every transport emits through one of these.
 */
import { Emitter } from '../util/emitter.js'
import type { Connection, ConnectionEvents } from './transport.js'

export class ConnectionEventSource {
  readonly #emitter = new Emitter<ConnectionEvents>()
  /** Messages received before anyone listened; null once delivered (or closed). */
  #early: Uint8Array[] | null = []
  #flushScheduled = false

  readonly events: Connection['events'] = {
    on: (event, listener) => {
      const off = this.#emitter.on(event, listener)
      if (event === 'message' && this.#early && !this.#flushScheduled) {
        this.#flushScheduled = true
        // Deliver after the caller has finished attaching its other listeners.
        queueMicrotask(() => {
          const early = this.#early ?? []
          this.#early = null
          for (const message of early) this.#emitter.emit('message', message)
        })
      }
      return off
    },
    off: (event, listener) => this.#emitter.off(event, listener),
  }

  message(bytes: Uint8Array): void {
    if (this.#early) this.#early.push(bytes)
    else this.#emitter.emit('message', bytes)
  }

  drain(): void {
    this.#emitter.emit('drain', undefined)
  }

  /** Emits 'close' once and forgets every listener and held message. */
  close(reason: string, local: boolean): void {
    this.#early = null
    this.#emitter.emit('close', { reason, local })
    this.#emitter.removeAllListeners()
  }
}
