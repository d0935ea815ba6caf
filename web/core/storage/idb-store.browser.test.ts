// Runs in real Chromium (vitest browser mode): the IndexedDB store against the same contract as every store.
import { chunkStoreContract } from './chunk-store.contract.js'
import { idbStore } from './idb-store.js'
import { memoryStore } from './memory-store.js'

let n = 0
chunkStoreContract('IndexedDB', () => idbStore(`contract-${Date.now()}-${n++}`))
chunkStoreContract('memory (in the browser)', async () => memoryStore())
