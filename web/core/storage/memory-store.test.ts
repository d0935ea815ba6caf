import { chunkStoreContract } from './chunk-store.contract.js'
import { memoryStore } from './memory-store.js'
import { webCryptoProvider } from '../crypto/provider.js'

chunkStoreContract('memory', async () => memoryStore())
chunkStoreContract('memory, verifying', async () => memoryStore({ verifyWith: webCryptoProvider() }))
