/**
 * `swarmdrop`: the command-line peer. Same core, same server, same wire
 * protocol as the app: share files, get a link, seed a store, run a pin node.
 * Links and progress go to stdout and stderr respectively, so scripts can
 * capture the one and show the other; exit codes are in exit-codes.ts.
 * Whatever came from a peer or the server (file names, error messages,
 * warnings) is printed through printable(), so it cannot drive the terminal.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Engine } from '../web/core/engine.js'
import type { Drop, DropState } from '../web/core/drop.js'
import { failureText } from '../web/ui/drop-text.js'
import type { Cid } from '../format/cid.js'
import { isPasswordLink, parseAnyLink } from '../web/core/content/link.js'
import { secretFromPassword } from '../web/core/crypto/password.js'
import { makeNamesSafe, quoteName } from '../web/core/content/file-names.js'
import { InvalidLinkError } from '../web/core/util/errors.js'
import { formatBytes } from '../web/core/util/format.js'
import { printable } from '../web/core/util/printable.js'
import { EXIT, UsageError } from './exit-codes.js'
import { pinComplete } from '../protocol/signal.js'
import { sourcesFor, writeFiles } from './files.js'
import { ServerUnreachableError, type NodeEngine } from './node-engine.js'
import { connect, linkOrigin, parse, seconds } from './command-kit.js'
import { mirrorsCommand } from './mirrors-command.js'
import { PinNode } from './pin-node.js'
import { exportDrop } from './mirror-export.js'
import { serveHoldings } from './store-mirror.js'
import { parseMirrorBase } from '../format/mirror-base.js'
import { describeState, showProgress } from './progress.js'
import { DEFAULT_PIN_MAX_AGE_DAYS, DEFAULT_PIN_MAX_BYTES, DEFAULT_SERVER, DEFAULT_STORE, HELP, USAGE } from './usage.js'

/** Renames listed at share time; more are counted, not listed. */
const MAX_RENAMES_LISTED = 10

type Command = (args: string[]) => Promise<number>

const COMMANDS: Record<string, Command> = { share, get, export: exportCommand, mirrors: mirrorsCommand, seed, pin }

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE)
    return name ? EXIT.ok : EXIT.usage
  }
  const command = COMMANDS[name]
  if (!command) {
    console.error(`swarmdrop: unknown command "${name}"\n\n${USAGE}`)
    return EXIT.usage
  }
  try {
    return await command(args)
  } catch (err) {
    // Messages of several lines (parseArgs has some) stay lines; everything else is escaped.
    const message = (err instanceof Error ? err.message : String(err)).split('\n').map(printable).join('\n')
    console.error(`swarmdrop ${name}: ${message}`)
    if (err instanceof UsageError || err instanceof InvalidLinkError) return EXIT.usage
    if (err instanceof ServerUnreachableError) return EXIT.serverUnreachable
    return EXIT.failed
  }
}

function byteCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const m = /^(\d+(?:\.\d+)?)([kKmMgGtT]?)$/.exec(text)
  if (!m) throw new UsageError(`--max-bytes: "${text}" is not a size (e.g. 500M, 20G)`)
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2].toLowerCase() as 'k']
  return Math.floor(Number(m[1]) * scale)
}

/** Resolves on SIGINT or SIGTERM. */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
}

/** The drop's state once it completed or failed, or when `timeoutMs` ran out. */
function waitForEnd(drop: Drop, timeoutMs?: number): Promise<DropState> {
  return new Promise((resolve) => {
    const offs: (() => void)[] = []
    const end = () => {
      clearTimeout(timer)
      offs.forEach((off) => off())
      resolve(drop.state)
    }
    const timer = timeoutMs ? setTimeout(end, timeoutMs) : undefined
    if (drop.state.phase === 'complete' || drop.state.failure) return end() // a refused link fails before it runs
    for (const event of ['complete', 'failed', 'expired', 'revoked'] as const) offs.push(drop.events.on(event, end))
  })
}

async function share(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    store: { type: 'string' },
    password: { type: 'string' },
    expires: { type: 'string' },
    pin: { type: 'boolean' },
    'until-pinned': { type: 'boolean' },
  })
  if (values.help) return help('share')
  const { files, expiresAt } = await toSeal(positionals, values.expires)
  const server = values.server ?? DEFAULT_SERVER
  const node = await connect({
    server,
    storeDir: values.store ?? DEFAULT_STORE,
    connectTimeout: values['connect-timeout'],
    relayOnly: values['relay-only'],
  })
  const { engine } = node
  const { drop, fragment, ownerFragment } = await engine.share(files, {
    password: values.password ?? process.env.SWARMDROP_PASSWORD,
    expiresAt,
  })
  const origin = linkOrigin(server)
  console.log(`${origin}/#${fragment}`)
  process.stderr.write(`Owner link (can stop sharing everywhere; keep it private): ${origin}/#${ownerFragment}\n`)
  process.stderr.write('Seeding. Press Ctrl+C to stop.\n')
  const pinned = values.pin || values['until-pinned'] ? watchPin(engine, drop.cid) : undefined
  const stopProgress = showProgress(drop)
  const outcome = await (values['until-pinned'] && pinned
    ? Promise.race([pinned, untilStopped().then(() => 'stopped' as const)])
    : untilStopped())
  stopProgress()
  await node.close()
  if (outcome === 'no-pin-nodes') return EXIT.failed
  return outcome === 'stopped' ? EXIT.interrupted : EXIT.ok
}

/** The files named, made safe (renames listed), and the expiry `--expires HOURS` asks for. */
async function toSeal(paths: string[], expires: string | undefined) {
  if (paths.length === 0) throw new UsageError('nothing to share: name files or folders')
  const { files, renamed } = makeNamesSafe(await sourcesFor(paths))
  for (const { from, to } of renamed.slice(0, MAX_RENAMES_LISTED)) {
    process.stderr.write(`Renamed ${quoteName(from)} to ${quoteName(to)}: the name is not safe on every system.\n`)
  }
  if (renamed.length > MAX_RENAMES_LISTED) process.stderr.write(`…and renamed ${renamed.length - MAX_RENAMES_LISTED} more.\n`)
  const hours = expires === undefined ? undefined : Number(expires)
  if (hours !== undefined && !(hours > 0)) throw new UsageError('--expires must be a number of hours')
  const total = files.reduce((sum, f) => sum + f.size, 0)
  process.stderr.write(`Encrypting ${files.length} file${files.length === 1 ? '' : 's'} (${formatBytes(total)})…\n`)
  return { files, expiresAt: hours !== undefined ? Date.now() + hours * 3_600_000 : undefined }
}

async function exportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    out: { type: 'string' },
    mirror: { type: 'string', multiple: true },
    password: { type: 'string' },
    expires: { type: 'string' },
  })
  if (values.help) return help('export')
  if (!values.out) throw new UsageError('say where to write the files: --out DIR')
  const mirrors = (values.mirror ?? []).map((text) => {
    const parsed = parseMirrorBase(text)
    if ('error' in parsed) throw new UsageError(`--mirror ${text}: ${parsed.error}`)
    return parsed.base
  })
  const { files, expiresAt } = await toSeal(positionals, values.expires)
  const sealed = await exportDrop(files, values.out, { password: values.password ?? process.env.SWARMDROP_PASSWORD, expiresAt, mirrors })
  const origin = linkOrigin(values.server ?? DEFAULT_SERVER)
  console.log(`${origin}/#${sealed.fragment}`)
  process.stderr.write(`Owner link (can stop sharing everywhere; keep it private): ${origin}/#${sealed.ownerFragment}\n`)
  const pieces = sealed.result.manifest.pieceIds.length
  process.stderr.write(
    `Wrote ${pieces} piece${pieces === 1 ? '' : 's'} and the manifest under ${printable(values.out)}/swarmdrop-v1/${sealed.result.cid}/\n`,
  )
  return EXIT.ok
}

/** Asks for a pin and reports its status; resolves once the pin nodes hold every piece, or the server has none. */
function watchPin(engine: Engine, cid: Cid): Promise<'pinned' | 'no-pin-nodes'> {
  return new Promise((resolve) => {
    engine.pins.events.on('pin-status', (s) => {
      if (s.cid !== cid) return
      if (s.nodes === 0) {
        process.stderr.write('This server has no pin nodes: the files stay available only while a peer has them.\n')
        return resolve('no-pin-nodes')
      }
      process.stderr.write(
        printable(`Pinned: ${s.complete} of ${s.replicas} pin node copies complete (${s.holders} fetching or holding).`) + '\n',
      )
      if (pinComplete(s)) resolve('pinned')
    })
    engine.pins.pin(cid)
  })
}

async function get(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    output: { type: 'string', short: 'o', default: '.' },
    password: { type: 'string' },
    store: { type: 'string' },
    'max-bytes': { type: 'string' },
    seed: { type: 'boolean' },
    timeout: { type: 'string' },
  })
  if (values.help) return help('get')
  if (positionals.length !== 1) throw new UsageError('give exactly one link')
  const link = positionals[0]
  const parsed = parseAnyLink(link)
  const password = values.password ?? process.env.SWARMDROP_PASSWORD
  if (isPasswordLink(parsed) && !password) throw new UsageError('this link needs a password: pass --password or set SWARMDROP_PASSWORD')
  const target = isPasswordLink(parsed)
    ? { cid: parsed.cid, secret: await secretFromPassword(password!, parsed.salt, parsed.kdf), mirrors: parsed.mirrors }
    : parsed
  const server = values.server ?? (/^https?:\/\//.test(link) ? linkOrigin(link.split('#')[0]) : DEFAULT_SERVER)
  const maxBytes = byteCount(values['max-bytes'])
  const timeoutMs = seconds(values.timeout, 'timeout') || undefined
  const storeDir = values.store ?? (await mkdtemp(join(tmpdir(), 'swarmdrop-get-')))
  let node: NodeEngine | undefined
  try {
    node = await connect({
      server,
      storeDir,
      maxBytes,
      connectTimeout: values['connect-timeout'],
      relayOnly: values['relay-only'],
      serverOptional: (target.mirrors?.length ?? 0) > 0,
    })
    const drop = await node.engine.open(target)
    const stopProgress = showProgress(drop)
    const started = Date.now()
    const end = await Promise.race([waitForEnd(drop, timeoutMs), untilStopped().then(() => null)])
    stopProgress()
    if (end === null) {
      console.error('swarmdrop get: stopped; nothing was written')
      return EXIT.interrupted
    }
    if (end.phase !== 'complete') {
      const kind = end.failure?.kind
      console.error(
        `swarmdrop get: ${end.failure ? printable(failureText(end.failure)) : `gave up after --timeout (${describeState(end)})`}`,
      )
      return kind === 'space' ? EXIT.noSpace : kind === 'wrong-secret' ? EXIT.wrongSecret : EXIT.failed
    }
    const secondsTaken = (Date.now() - started) / 1000
    process.stderr.write(
      `Verified ${formatBytes(end.totalBytes ?? 0)} in ${secondsTaken.toFixed(1)} s (${formatBytes((end.totalBytes ?? 0) / secondsTaken)}/s).\n`,
    )
    for (const path of await writeFiles(drop, end.files ?? [], values.output!)) console.log(printable(path))
    if (values.seed) {
      process.stderr.write('Seeding. Press Ctrl+C to stop.\n')
      await untilStopped()
    }
    return EXIT.ok
  } finally {
    await node?.close()
    if (!values.store) await rm(storeDir, { recursive: true, force: true })
  }
}

async function seed(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {})
  if (values.help) return help('seed')
  if (positionals.length > 1) throw new UsageError('give at most one store directory')
  const node = await connect({
    server: values.server ?? DEFAULT_SERVER,
    storeDir: positionals[0] ?? DEFAULT_STORE,
    connectTimeout: values['connect-timeout'],
    relayOnly: values['relay-only'],
  })
  await node.engine.restoreLibrary()
  const drops = (await node.engine.library()).filter((r) => r.seeding)
  process.stderr.write(`Seeding ${drops.length} drop${drops.length === 1 ? '' : 's'}. Press Ctrl+C to stop.\n`)
  await untilStopped()
  await node.close()
  return EXIT.ok
}

async function pin(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    store: { type: 'string' },
    token: { type: 'string' },
    'max-bytes': { type: 'string' },
    'max-age': { type: 'string' },
    'mirror-listen': { type: 'string' },
  })
  if (values.help) return help('pin')
  if (!values.store) throw new UsageError('--store DIR is required: where the pin node keeps pieces')
  const token = values.token ?? process.env.SWARMDROP_PIN_TOKEN
  if (!token) throw new UsageError('--token (or SWARMDROP_PIN_TOKEN) is required: the server’s --pin-token')
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`)
  const { maxBytes, maxAgeMs } = pinLimits(values['max-bytes'], values['max-age'])
  const server = values.server ?? DEFAULT_SERVER
  const node = await connect({
    server,
    storeDir: values.store,
    maxBytes,
    connectTimeout: values['connect-timeout'],
    relayOnly: values['relay-only'],
  })
  const pinNode = new PinNode(node.engine, {
    token,
    maxAgeMs,
    log: (message) => process.stderr.write(`${new Date().toISOString()} ${printable(message)}\n`),
  })
  const refused = new Promise<string>((resolve) =>
    node.engine.pinNode.events.on('error', ({ ref, message }) => ref === 'pin-holdings' && resolve(message)),
  )
  await pinNode.start()
  const mirror = values['mirror-listen'] ? await serveHoldings(node, values['mirror-listen']) : null
  const limits = `${maxBytes === undefined ? 'no size limit' : `at most ${formatBytes(maxBytes)}`}, ${maxAgeMs === undefined ? 'no age limit' : `pins kept ${maxAgeMs / 86_400_000} days`}`
  process.stderr.write(
    `Pin node running for ${server}, holding ${(await pinNode.holdings()).length} drops (${formatBytes(node.store.usedBytes)}; ${limits}).\n`,
  )
  const outcome = await Promise.race([untilStopped().then(() => null), refused])
  pinNode.stop()
  await mirror?.close()
  await node.close()
  if (outcome === null) return EXIT.ok
  console.error(`swarmdrop pin: the server refused this pin node: ${printable(outcome)}`)
  return EXIT.usage
}

/** A pin node's limits: the defaults unless given; 0 means none. */
function pinLimits(maxBytesText = DEFAULT_PIN_MAX_BYTES, maxAgeText = DEFAULT_PIN_MAX_AGE_DAYS): { maxBytes?: number; maxAgeMs?: number } {
  const maxBytes = byteCount(maxBytesText)
  if (!/^\d+(\.\d+)?$/.test(maxAgeText)) throw new UsageError('--max-age must be a number of days (0: no limit)')
  const maxAgeDays = Number(maxAgeText)
  return { maxBytes: maxBytes || undefined, maxAgeMs: maxAgeDays > 0 ? maxAgeDays * 86_400_000 : undefined }
}

function help(command: string): number {
  console.log(HELP[command])
  return EXIT.ok
}
