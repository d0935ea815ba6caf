/**
 * A drop as the UI shows it: the Drop's state with its failure put in words,
 * as immutable snapshots for useSyncExternalStore. A new snapshot is made
 * only when the Drop's state changed. The Drop updates its counters on a
 * PROGRESS_INTERVAL_MS tick (and when peers, the manifest or completion
 * change), not per piece, so a fast download does not re-render per piece.
 */
import { useSyncExternalStore } from 'react'
import type { Drop, DropState, FailureKind } from '../core/drop.js'
import { failureText } from './drop-text.js'

export interface DropSnapshot extends Omit<DropState, 'failure'> {
  /** What went wrong, for the user; null while nothing has. */
  readonly error: string | null
  /** What kind of failure `error` is, for views that act on it (a password form retries on 'wrong-secret'). */
  readonly errorKind: FailureKind | null
}

export function snapshotOf(state: DropState): DropSnapshot {
  const { failure, ...rest } = state
  return { ...rest, error: failure && failureText(failure), errorKind: failure?.kind ?? null }
}

export class DropViewModel {
  readonly #drop: Drop
  #state: DropState | null = null
  #snapshot: DropSnapshot | null = null

  constructor(drop: Drop) {
    this.#drop = drop
  }

  subscribe = (listener: () => void): (() => void) => this.#drop.events.on('state', listener)

  getSnapshot = (): DropSnapshot => {
    const state = this.#drop.state
    if (state !== this.#state || !this.#snapshot) {
      this.#state = state
      this.#snapshot = snapshotOf(state)
    }
    return this.#snapshot
  }
}

const models = new WeakMap<Drop, DropViewModel>()

/** One view model per drop, so every component showing it reads the same snapshot. */
export function dropViewModel(drop: Drop): DropViewModel {
  let model = models.get(drop)
  if (!model) {
    model = new DropViewModel(drop)
    models.set(drop, model)
  }
  return model
}

/** Subscribes a component to a drop's snapshot. */
export function useDrop(drop: Drop): DropSnapshot {
  const model = dropViewModel(drop)
  return useSyncExternalStore(model.subscribe, model.getSnapshot)
}
