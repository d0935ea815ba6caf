/**
 * File names safe to write on every system. A drop's paths come from another
 * person; a name may hide what a file is, break a terminal, or be written as
 * something else (or nowhere) on Windows and macOS.
 *
 * Receivers refuse: `checkFileList` runs when a file list is decoded
 * (metadata.ts), so a drop with one bad name is not opened at all, with a
 * message naming the rule; the page, the zip and the CLI never see such a name.
 * Senders rename: `makeNamesSafe` is applied to what the browser or the CLI
 * is asked to share, in one way, and the sender is told what was renamed;
 * so every drop Swarmdrop makes passes the receiver's check.
 *
 * Each part of a path (between "/") must:
 * - not be empty, "." or ".."; be at most 255 characters, the path at most 4096;
 * - be valid Unicode (no lone surrogate);
 * - hold no control character (C0 U+0000–001F, DEL, C1 U+0080–009F, U+2028–2029):
 *   ESC drives terminals, CR/LF forge lines;
 * - hold no bidirectional control (U+061C, U+200E–200F, U+202A–202E, U+2066–2069):
 *   `invoice\u202Efdp.exe` shows as "invoiceexe.pdf";
 * - hold none of `\ : * ? " < > |` (Windows refuses them; `\` is its separator,
 *   `:` opens an NTFS stream);
 * - not end with a dot or a space (Windows drops them, so two names become one);
 * - not be a Windows device name: CON, PRN, AUX, NUL, COM0–9, LPT0–9 (also with
 *   ¹²³), in any case, with or without extensions (`aux.txt`, `NUL.tar.gz`).
 * Across the list: no two paths may be equal after NFC normalisation and case
 * folding (`Café` in NFC and NFD, `a.txt` and `A.TXT`: one file on macOS and
 * Windows), and no path may be both a file and a folder (`a` and `a/b`).
 *
 * Renaming (senders): every forbidden character becomes "_", trailing dots and
 * spaces are removed, a device name gets a "_" in front, an empty part becomes
 * "_"; of paths that then collide, the first in sorted (UTF-16) order keeps
 * its name and the others get " (2)", " (3)"… before the extension, so one
 * folder gets the same names whichever client lists it. Over-long names are
 * refused, not cut.
 */
import { MAX_PATH_CHARS, MAX_SEGMENT_CHARS } from '../../../format/limits.js'
import { InvalidManifestError } from '../../../format/errors.js'
import { BIDI_CONTROL, CONTROL_CHAR, LONE_SURROGATE, printable } from '../util/printable.js'

const WINDOWS_FORBIDDEN = /[\\:*?"<>|]/
const TRAILING_DOT_OR_SPACE = /[. ]+$/
const DEVICE_NAME = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i
/** Every character the renaming replaces. */
const UNSAFE_CHARS = new RegExp([LONE_SURROGATE, CONTROL_CHAR, BIDI_CONTROL, WINDOWS_FORBIDDEN].map((r) => r.source).join('|'), 'g')

/** The name Windows resolves a part to a device by: before the first dot, trailing spaces ignored. */
function isDeviceName(part: string): boolean {
  const dot = part.indexOf('.')
  return DEVICE_NAME.test((dot < 0 ? part : part.slice(0, dot)).trimEnd())
}

function codePoint(c: string): string {
  return `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`
}

/** What is wrong with one part of a path, or null. */
function partProblem(part: string): string | null {
  if (part === '') return 'has an empty part (a leading, doubled or trailing "/")'
  if (part === '.' || part === '..') return `has a "${part}" part`
  if (part.length > MAX_SEGMENT_CHARS) return `has a part longer than ${MAX_SEGMENT_CHARS} characters`
  if (LONE_SURROGATE.test(part)) return 'is not valid Unicode'
  let m = CONTROL_CHAR.exec(part)
  if (m) return `contains a control character (${codePoint(m[0])})`
  m = BIDI_CONTROL.exec(part)
  if (m) return `contains a bidirectional control (${codePoint(m[0])}), which can disguise what the file is`
  m = WINDOWS_FORBIDDEN.exec(part)
  if (m) return `contains "${m[0]}", which Windows does not allow in names`
  if (TRAILING_DOT_OR_SPACE.test(part)) return 'ends with a dot or a space, which Windows drops'
  if (isDeviceName(part)) return 'is a device name on Windows (CON, PRN, AUX, NUL, COM1, LPT1…)'
  return null
}

/** A path for a message: escaped, and cut if long. */
export function quoteName(path: string): string {
  return `"${printable(path.length > 80 ? `${path.slice(0, 80)}…` : path)}"`
}

/** Throws InvalidManifestError, naming the problem, unless `path` is a safe relative path. */
export function checkPath(path: string): void {
  if (typeof path !== 'string' || path.length === 0) throw new InvalidManifestError('a file has an empty name')
  if (path.length > MAX_PATH_CHARS) throw new InvalidManifestError(`a file path is longer than ${MAX_PATH_CHARS} characters`)
  for (const part of path.split('/')) {
    const problem = partProblem(part)
    if (problem) throw new InvalidManifestError(`unsafe file name ${quoteName(path)}: it ${problem}`)
  }
}

/** Equal keys: one file on a case-insensitive, normalising file system (macOS, Windows). */
function foldKey(part: string): string {
  return part.normalize('NFC').toUpperCase().toLowerCase()
}

interface Folder {
  /** The part as listed, to tell the same folder from one that differs only in case. */
  readonly name: string
  readonly path: string
  /** Folded part → a file's path or a folder. */
  readonly children: Map<string, Folder | string>
}

/**
 * Throws InvalidManifestError unless every path is safe (checkPath), no two are
 * one file once folded, and none is both a file and a folder. Linear in the
 * list's size: a tree of folded parts, not a set of every prefix.
 */
export function checkFileList(paths: readonly string[]): void {
  const root: Folder = { name: '', path: '', children: new Map() }
  for (const path of paths) {
    checkPath(path)
    const parts = path.split('/')
    let folder = root
    let end = -1
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]
      end += 1 + part.length
      const key = foldKey(part)
      const there = folder.children.get(key)
      if (i === parts.length - 1) {
        if (there === undefined) folder.children.set(key, path)
        else if (there === path) throw new InvalidManifestError(`duplicate file ${quoteName(path)}: listed twice`)
        else if (typeof there === 'string')
          throw new InvalidManifestError(`the files ${quoteName(there)} and ${quoteName(path)} differ only in letter case or Unicode form`)
        else throw new InvalidManifestError(`${quoteName(path)} is both a file and a folder`)
      } else if (typeof there === 'string') {
        throw new InvalidManifestError(`${quoteName(there)} is both a file and a folder`)
      } else if (there === undefined) {
        const child: Folder = { name: part, path: path.slice(0, end), children: new Map() }
        folder.children.set(key, child)
        folder = child
      } else if (there.name !== part) {
        throw new InvalidManifestError(
          `the folders ${quoteName(there.path)} and ${quoteName(path.slice(0, end))} differ only in letter case or Unicode form`,
        )
      } else {
        folder = there
      }
    }
  }
}

export interface Rename {
  readonly from: string
  readonly to: string
}

interface SafeFolder {
  readonly name: string
  /** Part as given → the folder it was renamed to, so a folder's files stay together. */
  readonly folders: Map<string, SafeFolder>
  /** Folded names in use here → the next " (n)" to try. */
  readonly taken: Map<string, number>
}

function newFolder(name: string): SafeFolder {
  return { name, folders: new Map(), taken: new Map() }
}

/** One part, safe: forbidden characters → "_", no trailing dots or spaces, not empty, not a device name. */
function safePart(part: string): string {
  const name = part.replace(UNSAFE_CHARS, '_').replace(TRAILING_DOT_OR_SPACE, '')
  if (name === '') return '_'
  return isDeviceName(name) ? `_${name}` : name
}

/** `name`, or "name (2).ext", "name (3).ext"… whichever is free in `folder`; marks it taken. */
function claim(folder: SafeFolder, name: string): string {
  const key = foldKey(name)
  let free = name
  let n = folder.taken.get(key)
  if (n !== undefined) {
    const dot = name.lastIndexOf('.')
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, '']
    do free = `${stem} (${n++})${ext}`
    while (folder.taken.has(foldKey(free)))
  }
  folder.taken.set(key, n ?? 2)
  folder.taken.set(foldKey(free), 2)
  return free
}

/**
 * The sender's side: each file with a path that passes checkFileList, renamed
 * as the header says where needed, in the order given; and what was renamed.
 */
export function makeNamesSafe<T extends { readonly path: string }>(files: readonly T[]): { files: T[]; renamed: Rename[] } {
  const root = newFolder('')
  const safeFiles = [...files]
  const sorted = files.map((_, i) => i).sort((a, b) => (files[a].path < files[b].path ? -1 : files[a].path > files[b].path ? 1 : 0))
  for (const i of sorted) {
    const file = files[i]
    const parts = file.path.split('/')
    let folder = root
    const safe = parts.map((part, depth) => {
      if (depth === parts.length - 1) return claim(folder, safePart(part))
      let child = folder.folders.get(part)
      if (!child) {
        child = newFolder(claim(folder, safePart(part)))
        folder.folders.set(part, child)
      }
      folder = child
      return child.name
    })
    const path = safe.join('/')
    if (path !== file.path) safeFiles[i] = { ...file, path }
  }
  const renamed = files.flatMap((file, i) => (safeFiles[i] === file ? [] : [{ from: file.path, to: safeFiles[i].path }]))
  return { files: safeFiles, renamed }
}
