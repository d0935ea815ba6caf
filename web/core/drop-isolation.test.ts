import { dropIsolationContract } from './drop-isolation.contract.js'
import { memoryStore } from './storage/memory-store.js'

dropIsolationContract('memory store', async () => memoryStore())
