/**
 * Files on disk in and out of drops: sources for ingest (a folder becomes its
 * files with paths relative to the folder's parent, as a browser's folder
 * picker gives them), and writing a finished drop's files under a directory.
 */
import { lstat, mkdir, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import type { SourceFile } from '../web/core/chunking/source.js'
import type { Drop } from '../web/core/drop.js'
import type { FileSpan } from '../web/core/content/metadata.js'
import { UsageError } from './exit-codes.js'

/** One source per regular file; folders are walked (symlinks are not followed). */
export async function sourcesFor(paths: readonly string[]): Promise<SourceFile[]> {
  const out: SourceFile[] = []
  for (const given of paths) {
    const root = resolve(given)
    const info = await stat(root).catch(() => null)
    if (!info) throw new UsageError(`${given}: no such file or folder`)
    if (info.isFile()) out.push(await fileSource(root, basename(root)))
    else if (info.isDirectory()) await walk(root, dirname(root), out)
    else throw new UsageError(`${given}: not a regular file or folder`)
  }
  if (out.length === 0) throw new UsageError('nothing to share: the folders are empty')
  return out
}

async function walk(dir: string, base: string, out: SourceFile[]): Promise<void> {
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) await walk(path, base, out)
    else if (entry.isFile()) out.push(await fileSource(path, relative(base, path).split(sep).join('/')))
  }
}

async function fileSource(path: string, relativePath: string): Promise<SourceFile> {
  const { size } = await stat(path)
  return {
    path: relativePath,
    size,
    type: '',
    async read(start, end) {
      const handle = await open(path, 'r')
      try {
        const buffer = new Uint8Array(end - start)
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, start)
        return buffer.subarray(0, bytesRead)
      } finally {
        await handle.close()
      }
    },
  }
}

/**
 * Writes each file of a complete drop under `outDir`, decrypting a piece
 * at a time into a temporary name renamed at the end. Paths were validated
 * when the file list was decoded (relative, no `..`); they are checked again
 * against `outDir` here. Existing files are not overwritten.
 */
export async function writeFiles(drop: Drop, files: readonly FileSpan[], outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true })
  const root = await realpath(outDir)
  const written: string[] = []
  for (const file of files) {
    const target = resolve(root, file.path)
    if (!isInside(root, target) || target === root) throw new Error(`refusing to write outside ${outDir}: ${file.path}`)
    if (await lstat(target).catch(() => null)) throw new UsageError(`${target} already exists; choose another directory with -o`)
    // A folder already there may be a symlink leading elsewhere: check where it really is, before creating anything in it.
    if (!isInside(root, await realpath(await deepestExisting(dirname(target))))) {
      throw new Error(`refusing to write through a link out of ${outDir}: ${file.path}`)
    }
    await mkdir(dirname(target), { recursive: true })
    const temp = `${target}.swarmdrop-partial`
    const handle = await open(temp, 'wx') // never through an existing file or link
    try {
      for await (const bytes of drop.readFile(file)) await handle.write(bytes)
      await handle.close()
      await rename(temp, target)
    } catch (err) {
      await handle.close().catch(() => {})
      await rm(temp, { force: true })
      throw err
    }
    written.push(target)
  }
  return written
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep)
}

/** `path`, or its nearest ancestor that exists. */
async function deepestExisting(path: string): Promise<string> {
  for (let p = path; ; p = dirname(p)) {
    if (await lstat(p).catch(() => null)) return p
    if (dirname(p) === p) return p
  }
}
