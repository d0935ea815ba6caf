/**
 * The page's main-thread tasks with their wall time and their thread's CPU
 * time, from a Chromium trace ('toplevel': one event per task, with `dur`
 * and `tdur`) over a window of a transfer. On a shared two-core machine a
 * task's wall time counts the time its thread waited for a core; its
 * thread time is what the task itself cost. The window keeps the trace's
 * size (every thread of every process) independent of the file's.
 */
import type { Browser, Page } from '@playwright/test'

const LONG_US = 50_000

interface TraceEvent {
  name: string
  ph: string
  pid: number
  tid: number
  ts: number
  dur?: number
  tdur?: number
  args?: { name?: string; src_func?: string; src_file?: string }
}

export interface TaskTimes {
  seconds: number
  tasks: number
  overWall: number
  overThread: number
  longestWallMs: number
  longestThreadMs: number
  /** Tasks of 50 ms thread time or more, by where they were posted from (Chromium's source). */
  longByOrigin: { origin: string; tasks: number; longestThreadMs: number }[]
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Traces `windowMs` of the transfer from `afterMs` in (less if `done` settles first); undefined if it settled before. */
export async function traceWindow(browser: Browser, page: Page, done: Promise<unknown>, afterMs: number, windowMs: number) {
  const finished = done.then(
    () => true,
    () => true,
  )
  if (await Promise.race([finished, pause(afterMs).then(() => false)])) return undefined
  await browser.startTracing(page, { categories: ['toplevel'] })
  const started = Date.now()
  await Promise.race([finished, pause(windowMs)])
  const seconds = (Date.now() - started) / 1000
  const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] }
  return { events: trace.traceEvents, seconds }
}

/** The main thread of `pids` (the page's renderers) with the most tasks: the page's. */
export function taskTimes(trace: { events: TraceEvent[]; seconds: number }, pids: Set<number>): TaskTimes | undefined {
  const mains = new Set(
    trace.events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && pids.has(e.pid))
      .map((e) => `${e.pid}:${e.tid}`),
  )
  const byThread = new Map<string, TraceEvent[]>()
  for (const e of trace.events) {
    const key = `${e.pid}:${e.tid}`
    if (e.ph !== 'X' || e.name !== 'ThreadControllerImpl::RunTask' || !mains.has(key)) continue
    const list = byThread.get(key)
    if (list) list.push(e)
    else byThread.set(key, [e])
  }
  const all = [...byThread.values()].sort((a, b) => b.length - a.length)[0]
  if (!all) return undefined
  // A task run inside another (a nested run loop) is part of it.
  const tasks: TraceEvent[] = []
  for (const t of all.sort((a, b) => a.ts - b.ts)) {
    const last = tasks.at(-1)
    if (!last || t.ts >= last.ts + (last.dur ?? 0)) tasks.push(t)
  }
  const origins = new Map<string, { tasks: number; longestThreadMs: number }>()
  for (const t of tasks.filter((t) => (t.tdur ?? 0) >= LONG_US)) {
    const origin = `${t.args?.src_func?.split('(')[0].split(' ').at(-1) ?? '?'} (${t.args?.src_file?.split('/').at(-1) ?? '?'})`
    const o = origins.get(origin) ?? { tasks: 0, longestThreadMs: 0 }
    origins.set(origin, { tasks: o.tasks + 1, longestThreadMs: Math.max(o.longestThreadMs, (t.tdur ?? 0) / 1000) })
  }
  return {
    seconds: trace.seconds,
    tasks: tasks.length,
    overWall: tasks.filter((t) => (t.dur ?? 0) >= LONG_US).length,
    overThread: tasks.filter((t) => (t.tdur ?? 0) >= LONG_US).length,
    longestWallMs: Math.max(0, ...tasks.map((t) => (t.dur ?? 0) / 1000)),
    longestThreadMs: Math.max(0, ...tasks.map((t) => (t.tdur ?? 0) / 1000)),
    longByOrigin: [...origins].map(([origin, o]) => ({ origin, ...o })).sort((a, b) => b.tasks - a.tasks),
  }
}
