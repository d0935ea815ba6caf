/**
 * `swarmdrop mirrors <owner link> [--add URL]… [--remove URL]…`: reads the
 * drop's published mirror list and, given changes, publishes the new one
 * (web/core/mirror/published.ts): signed with the key the owner link's
 * revoke secret derives, checked by the server against the manifest. The
 * link stays the same; whoever opens it from now on also fetches from the
 * published mirrors. The manifest (which the server wants with the list)
 * comes from wherever the drop is: a peer, the link's mirrors, the mirrors
 * published already, or the ones being added (the owner says they hold it).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Drop } from '../web/core/drop.js'
import { failureText } from '../web/ui/drop-text.js'
import { parseLink } from '../web/core/content/link.js'
import { printable } from '../web/core/util/printable.js'
import type { Manifest } from '../format/manifest.js'
import { parseMirrorBase } from '../format/mirror-base.js'
import { InvalidMirrorListError } from '../format/errors.js'
import { EXIT, UsageError } from './exit-codes.js'
import { connect, linkOrigin, parse, seconds } from './command-kit.js'
import type { NodeEngine } from './node-engine.js'
import { DEFAULT_SERVER, HELP } from './usage.js'

export async function mirrorsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    add: { type: 'string', multiple: true },
    remove: { type: 'string', multiple: true },
    timeout: { type: 'string', default: '30' },
  })
  if (values.help) {
    console.log(HELP.mirrors)
    return EXIT.ok
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one owner link')
  const link = positionals[0]
  const target = parseLink(link)
  if (!target.revokeSecret) {
    throw new UsageError('this is not an owner link: publishing mirrors takes the owner link (with “.r.”) that share and export print')
  }
  const add = bases(values.add, 'add')
  const remove = bases(values.remove, 'remove')
  const timeoutMs = seconds(values.timeout, 'timeout') || 30_000
  const server = values.server ?? (/^https?:\/\//.test(link) ? linkOrigin(link.split('#')[0]) : DEFAULT_SERVER)
  const storeDir = await mkdtemp(join(tmpdir(), 'swarmdrop-mirrors-'))
  let node: NodeEngine | undefined
  try {
    node = await connect({ server, storeDir, connectTimeout: values['connect-timeout'], relayOnly: values['relay-only'] })
    const { engine } = node
    const drop = await engine.open({ ...target, mirrors: [...new Set([...(target.mirrors ?? []), ...add])] })
    const manifest = await manifestOf(drop, timeoutMs)
    const current = await engine.mirrorLists.current(target.cid, manifest).catch((err) => {
      if (!(err instanceof InvalidMirrorListError)) throw err
      process.stderr.write(`The server's mirror list is not this drop owner's (${printable(err.message)}): it is replaced.\n`)
      return null
    })
    const before = current?.mirrors ?? []
    if (add.length === 0 && remove.length === 0) {
      for (const mirror of before) console.log(printable(mirror))
      process.stderr.write(before.length === 0 ? 'No mirrors are published for this drop.\n' : publishedText(before.length, current!.seq))
      return EXIT.ok
    }
    for (const mirror of remove) if (!before.includes(mirror)) process.stderr.write(`Not in the published list: ${printable(mirror)}\n`)
    const next = [...new Set([...before, ...add])].filter((m) => !remove.includes(m))
    const published = await engine.mirrorLists.publish(target.cid, next)
    for (const mirror of published.mirrors) console.log(printable(mirror))
    process.stderr.write(`${publishedText(published.mirrors.length, published.seq)}The link stays the same.\n`)
    return EXIT.ok
  } finally {
    await node?.close()
    await rm(storeDir, { recursive: true, force: true })
  }
}

function publishedText(count: number, seq: number): string {
  return `${count} mirror${count === 1 ? '' : 's'} published for this drop (list number ${seq}). `
}

function bases(texts: string[] | undefined, option: string): string[] {
  return (texts ?? []).map((text) => {
    const parsed = parseMirrorBase(text)
    if ('error' in parsed) throw new UsageError(`--${option} ${text}: ${parsed.error}`)
    return parsed.base
  })
}

/** The drop's manifest once it is here; the download it started for that stops. */
function manifestOf(drop: Drop, timeoutMs: number): Promise<Manifest> {
  return new Promise((resolve, reject) => {
    const offs: (() => void)[] = []
    const end = (err: Error | null) => {
      clearTimeout(timer)
      offs.forEach((off) => off())
      const manifest = drop.swarm.manifest
      drop.swarm.stopDownloading()
      if (manifest) resolve(manifest)
      else reject(err)
    }
    const timer = setTimeout(
      () =>
        end(
          new Error(
            `the drop's manifest did not arrive in ${timeoutMs / 1000} s: name a mirror that holds the drop with --add, or keep a peer online`,
          ),
        ),
      timeoutMs,
    )
    const failed = () => end(new Error(drop.state.failure ? failureText(drop.state.failure) : 'the drop stopped'))
    if (drop.swarm.manifest) return end(null)
    if (drop.state.failure) return failed()
    offs.push(drop.swarm.events.on('manifest', () => end(null)))
    for (const event of ['failed', 'expired', 'revoked'] as const) offs.push(drop.events.on(event, failed))
  })
}
