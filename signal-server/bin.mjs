#!/usr/bin/env node
// `npx swarmdrop-server`: runs the TypeScript entry through tsx.
import { register } from 'tsx/esm/api'
register()
await import('./main.ts')
