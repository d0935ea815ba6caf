// Runs in real Chromium (vitest browser mode): the IndexedDB stores against the same contracts as the memory ones.
import { chunkStoreContract } from './chunk-store.contract.js'
import { idbChunkStore, idbLibrary, openSwarmdropDb } from './idb-store.js'
import { memoryStore } from './memory-store.js'
import { libraryContract } from '../library/library-store.contract.js'
import { memoryLibrary } from '../library/library-store.js'

let n = 0
const freshDb = () => openSwarmdropDb(`contract-${Date.now()}-${n++}`)
chunkStoreContract('IndexedDB', async () => idbChunkStore(await freshDb()))
chunkStoreContract('memory (in the browser)', async () => memoryStore())
libraryContract('IndexedDB', async () => idbLibrary(await freshDb()))
libraryContract('memory (in the browser)', async () => memoryLibrary())
