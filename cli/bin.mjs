#!/usr/bin/env node
// `swarmdrop`: runs the TypeScript entry through tsx.
import { register } from 'tsx/esm/api'
register()
const { main } = await import('./main.ts')
// Exit explicitly: WebRTC's native threads may outlive the last JavaScript handle.
process.exit(await main(process.argv.slice(2)))
