import { useSyncExternalStore } from 'react'
import type { Transfer, TransferSnapshot } from '../core/transfer.ts'

/** Subscribes a component to a transfer's snapshot. */
export function useTransfer(transfer: Transfer): TransferSnapshot {
  return useSyncExternalStore(transfer.subscribe, transfer.getSnapshot)
}
