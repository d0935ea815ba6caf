/**
 * Ending what a test launched, by PID: a browser driver and everything it
 * started (the browser, its web and network processes). The tree is read
 * from /proc before anything is killed, since a child whose parent dies is
 * re-parented and could no longer be found.
 */
import { readdirSync, readFileSync } from 'node:fs'

function parentOf(pid: number): number | null {
  try {
    // The command name (field 2) is in parentheses and may hold spaces: read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return null // gone already
  }
}

/** `root` and all its descendants, parents first. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    const parent = parentOf(pid)
    if (parent !== null) children.set(parent, [...(children.get(parent) ?? []), pid])
  }
  const tree = [root]
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []))
  return tree
}

/** SIGKILLs `root` and its descendants; those already gone are skipped. */
export function killTree(root: number): void {
  for (const pid of processTree(root)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // exited meanwhile
    }
  }
}
