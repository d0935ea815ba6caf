import { chunkStoreContract } from './chunk-store.contract.js'
import { memoryStore } from './memory-store.js'

chunkStoreContract('memory', async () => memoryStore())
