import { libraryContract } from './library-store.contract.js'
import { memoryLibrary } from './library-store.js'

libraryContract('memory', async () => memoryLibrary())
