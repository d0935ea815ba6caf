#!/usr/bin/env node
/**
 * `npm run lint:boundaries`: fails when an import crosses a layer boundary
 * (docs/architecture.md), or when a TypeScript module names a relative import
 * in any style but one: the `.js` name of the module (what Node, Vite, tsx
 * and tsc all resolve). Imports are read with TypeScript's own scanner, so
 * `import type`, re-exports and dynamic `import()` all count.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const DIRS = ['format', 'web', 'signal-server', 'protocol', 'cli', 'e2e', 'bench', 'scripts']
const SOURCE = /\.(ts|tsx|mts|mjs)$/
/** Tests may reach across layers to run the real thing on the other side (a real server, a real engine). */
const TEST = /\.(test|browser\.test|fixtures|contract)\.ts$/

const RULES = [
  {
    name: 'format-is-a-leaf',
    from: /^format\//,
    allowed: (to, file) => to.startsWith('format/') || (TEST.test(file) && (to === 'npm:vitest' || to.startsWith('node:'))),
    why: 'format/ is the leaf every part (core, server, service worker, CLI) builds on: it imports nothing outside format/, no package and no platform module',
  },
  {
    name: 'server-and-protocol-not-web',
    from: /^(signal-server|protocol)\//,
    tests: false,
    allowed: (to) => !to.startsWith('web/'),
    why: 'the server and the protocol run in Node without the browser app: what they share with it lives in format/ or protocol/',
  },
  {
    name: 'core-not-above-it',
    from: /^web\/core\//,
    tests: false,
    allowed: (to) => !/^(web\/ui|web\/app|web\/sw|web\/browser|signal-server|cli)\//.test(to) && !to.startsWith('node:'),
    why: 'the engine (web/core) runs in the browser, the service worker and the CLI alike: it never imports the UI, the app, the worker, the browser adapters, the server, the CLI or a Node module',
  },
  {
    name: 'browser-adapters-below-the-app',
    from: /^web\/browser\//,
    tests: false,
    allowed: (to) => !/^(web\/ui|web\/app|web\/sw|signal-server|cli)\//.test(to),
    why: 'web/browser holds the browser implementations of core seams (IndexedDB): the app and the worker build on them, not the other way round',
  },
]

function* sourceFiles(dir) {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`
    if (entry.isDirectory()) yield* sourceFiles(path)
    else if (SOURCE.test(entry.name)) yield path
  }
}

/** The repository path (no extension) a relative import names, else `npm:<package>` or `node:<module>`. */
function target(file, specifier) {
  if (specifier.startsWith('.')) return relative(root, normalize(join(root, dirname(file), specifier))).replace(/\.(js|ts|tsx|mjs)$/, '')
  if (specifier.startsWith('node:')) return specifier
  const parts = specifier.split('/')
  return `npm:${specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]}`
}

/** Relative imports in TypeScript end in .js (or name a non-TypeScript file by its own extension). */
const RELATIVE_STYLE = /\.(js|mjs|json|css|svg)$/

const violations = []
for (const file of DIRS.flatMap((dir) => [...sourceFiles(dir)])) {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true)
  for (const { fileName } of importedFiles) {
    if (/\.tsx?$/.test(file) && fileName.startsWith('.') && !RELATIVE_STYLE.test(fileName)) {
      violations.push(`${file} imports '${fileName}' [relative-import-style]: write relative imports as './module.js'`)
    }
    const to = target(file, fileName)
    for (const rule of RULES) {
      if (!rule.from.test(file) || (rule.tests === false && TEST.test(file))) continue
      if (!rule.allowed(to, file)) violations.push(`${file} imports '${fileName}' [${rule.name}]: ${rule.why}`)
    }
  }
}

if (violations.length > 0) {
  console.error(`Import rules broken:\n${violations.map((v) => `  ${v}`).join('\n')}`)
  process.exit(1)
}
console.log('Import boundaries and style hold.')
