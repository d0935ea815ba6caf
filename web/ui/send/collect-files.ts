/**
 * Turns what the user dropped or picked into SourceFiles with relative paths.
 * Dropped folders are walked through the File and Directory Entries API.
 */
import { type SourceFile, blobSource } from '../../core/chunking/source.js'

function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => {
    const out: FileSystemEntry[] = []
    // readEntries returns at most ~100 entries per call; call until it returns none.
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) return resolve(out)
        out.push(...batch)
        next()
      }, reject)
    next()
  })
}

async function walk(entry: FileSystemEntry, prefix: string, out: SourceFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject))
    out.push(blobSource(file, path))
  } else if (entry.isDirectory) {
    for (const child of await readAll((entry as FileSystemDirectoryEntry).createReader())) await walk(child, path, out)
  }
}

export async function filesFromDrop(data: DataTransfer): Promise<SourceFile[]> {
  const entries = [...data.items].map((item) => item.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e)
  if (entries.length === 0) return [...data.files].map((f) => blobSource(f))
  const out: SourceFile[] = []
  for (const entry of entries) await walk(entry, '', out)
  return out
}

export function filesFromInput(list: FileList): SourceFile[] {
  return [...list].map((f) => blobSource(f, f.webkitRelativePath || f.name))
}
