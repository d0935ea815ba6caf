/**
 * A minimal typed event emitter. Core modules use it instead of Node's
 * EventEmitter so they run unchanged in the browser and in Node.
 */
export type Listener<T> = (payload: T) => void

export class Emitter<Events extends Record<string, unknown>> {
  #listeners: { [K in keyof Events]?: Set<Listener<Events[K]>> } = {}

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners[event]
    if (!set) {
      set = new Set()
      this.#listeners[event] = set
    }
    set.add(listener)
    return () => this.off(event, listener)
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.#listeners[event]?.delete(listener)
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners[event]
    if (!set) return
    for (const listener of [...set]) listener(payload)
  }

  removeAllListeners(): void {
    this.#listeners = {}
  }
}
