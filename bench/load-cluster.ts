/**
 * Scale-out part of the server load benchmark: two Swarmdrop server processes
 * sharing one real Redis against one process (in memory, and with Redis), the
 * load spread over several load-generator processes (load-generator.ts), all
 * in one run and on loopback only.
 *
 * Pairs of peers in swarms of ten forward signals; a quarter of the pairs go
 * from server A to B, a quarter from B to A (those cross Redis), a quarter
 * stay on A and a quarter on B. With one server the same pairs all stay on it.
 * Placement on the two cores: one server → core 0, generators and Redis →
 * core 1; two servers → core 0 and core 1, generators and Redis unpinned.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { startRedis } from '../signal-server/redis-fixture.js'
import type { GeneratorCommand, GeneratorReply } from './load-generator.js'
import { LOAD_SERVER_FLAGS, cpuSeconds, table } from './lib.js'

interface Setup {
  name: string
  servers: 1 | 2
  redis: boolean
}

const SETUPS: Setup[] = [
  { name: '1 process', servers: 1, redis: false },
  { name: '1 process + Redis', servers: 1, redis: true },
  { name: '2 processes + Redis', servers: 2, redis: true },
]

/** Cores per role, by number of servers (see the module comment). */
const PLACEMENT = {
  1: { servers: ['0'], others: '1' },
  2: { servers: ['0', '1'], others: '0,1' },
} as const

const SERVER_FLAGS = ['--port', '0', '--host', '127.0.0.1', ...LOAD_SERVER_FLAGS]
const START_TIMEOUT_MS = 20_000
const PHASE_TIMEOUT_MS = 60_000
/** Connecting thousands of sockets on a busy machine: each batch is bounded in the generator, this bounds them all. */
const CONNECT_TIMEOUT_MS = 600_000

interface Process {
  name: string
  child: ChildProcess
  pid: number
}

function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' })
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

async function startServer(name: string, core: string, redisUrl?: string): Promise<Process & { url: string }> {
  const args = ['-c', core, 'node', '--import', 'tsx', 'signal-server/main.ts', ...SERVER_FLAGS, ...(redisUrl ? ['--redis', redisUrl] : [])]
  const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`${name} did not start`)), START_TIMEOUT_MS)
    child.once('exit', () => reject(new Error(`${name} exited at start`)))
    child.stdout!.on('data', (d: Buffer) => {
      out += d
      const m = /listening on http:\/\/(127\.0\.0\.1:\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(`ws://${m[1]}/ws`)
      }
    })
  })
  return { name, child, pid: child.pid!, url } // taskset execs the server in its own process
}

/** A load-generator process: send it commands, wait for the reply of a given kind. */
class Generator {
  readonly #replies: GeneratorReply[] = []
  readonly #waiters: { op: GeneratorReply['op']; resolve(r: GeneratorReply): void }[] = []
  private constructor(readonly process: Process) {
    process.child.on('message', (reply: GeneratorReply) => {
      const i = this.#waiters.findIndex((w) => w.op === reply.op)
      if (i >= 0) this.#waiters.splice(i, 1)[0].resolve(reply)
      else this.#replies.push(reply)
    })
  }

  static start(name: string, cpus: string): Generator {
    const child = fork('bench/load-generator.ts', [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    pin(child.pid!, cpus)
    return new Generator({ name, child, pid: child.pid! })
  }

  send(command: GeneratorCommand): void {
    this.process.child.send(command)
  }

  /** The next reply of kind `op`; fails after `timeoutMs` (a generator bounds each phase itself; this is the backstop). */
  reply<K extends GeneratorReply['op']>(op: K, timeoutMs = PHASE_TIMEOUT_MS + 10_000): Promise<Extract<GeneratorReply, { op: K }>> {
    const i = this.#replies.findIndex((r) => r.op === op)
    if (i >= 0) return Promise.resolve(this.#replies.splice(i, 1)[0] as Extract<GeneratorReply, { op: K }>)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.process.name}: no ${op} reply`)), timeoutMs)
      this.#waiters.push({
        op,
        resolve: (r) => {
          clearTimeout(timer)
          resolve(r as Extract<GeneratorReply, { op: K }>)
        },
      })
    })
  }

  async close(): Promise<void> {
    const done = exited(this.process.child)
    this.send({ op: 'close' })
    const timer = setTimeout(() => this.process.child.kill('SIGKILL'), 10_000)
    await done
    clearTimeout(timer)
  }
}

/** Which server peer `c` connects to: pair p = c / 2; kinds by p % 4: A→B, A→A, B→A, B→B (sender first). */
function serverOf(c: number, servers: number): number {
  if (servers === 1) return 0
  const kind = Math.floor(c / 2) % 4
  const sender = c % 2 === 0
  return kind === 0 ? (sender ? 0 : 1) : kind === 1 ? 0 : kind === 2 ? (sender ? 1 : 0) : 1
}

const swarmOf = (c: number) => `s${Math.floor(c / 10)}`
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0]

const cpuAll = (pids: number[]) => pids.map(cpuSeconds)
/** CPU seconds of each process since `before` (from cpuAll) was taken. */
const cpuSince = (pids: number[], before: number[]) => pids.map((pid, i) => cpuSeconds(pid) - before[i])

async function run(setup: Setup, peers: number, generatorCount: number, pairsMax: number, rounds: number) {
  const placement = PLACEMENT[setup.servers]
  const redis = setup.redis ? await startRedis() : undefined
  if (redis) pin(redis.pid, placement.others)
  const servers: (Process & { url: string })[] = []
  const generators: Generator[] = []
  try {
    for (let s = 0; s < setup.servers; s++) servers.push(await startServer(`server ${'AB'[s]}`, placement.servers[s], redis?.url))
    for (let g = 0; g < generatorCount; g++) generators.push(Generator.start(`generator ${g}`, placement.others))
    const genOf = (c: number) => c % generatorCount
    const localOf = (c: number) => Math.floor(c / generatorCount)
    const clientsOf = (g: number) => Array.from({ length: Math.ceil((peers - g) / generatorCount) }, (_, k) => k * generatorCount + g)

    const t0 = performance.now()
    generators.forEach((gen, g) => gen.send({ op: 'connect', urls: clientsOf(g).map((c) => servers[serverOf(c, setup.servers)].url) }))
    const connected = await Promise.all(generators.map((gen) => gen.reply('connected', CONNECT_TIMEOUT_MS)))
    const ids = Array.from({ length: peers }, (_, c) => connected[genOf(c)].ids[localOf(c)])
    const connectSeconds = (performance.now() - t0) / 1000
    const held = ids.filter((id) => id !== null).length

    // Servers first, then Redis, then the generators: the slices below rely on this order.
    const measured = [...servers.map((s) => s.pid), ...(redis ? [redis.pid] : []), ...generators.map((g) => g.process.pid)]
    const cpu0 = cpuAll(measured)
    const t1 = performance.now()
    generators.forEach((gen, g) => gen.send({ op: 'announce', swarms: clientsOf(g).map(swarmOf), timeoutMs: PHASE_TIMEOUT_MS }))
    const announced = (await Promise.all(generators.map((gen) => gen.reply('announced')))).reduce((n, r) => n + r.replies, 0)
    const announceSeconds = (performance.now() - t1) / 1000
    const announceCpu = cpuSince(measured, cpu0)

    // Forwarding burst: every pair with both ends connected sends `rounds` signals, sender → receiver.
    const sends: [number, string, string][][] = generators.map(() => [])
    const expected = generators.map(() => 0)
    let pairs = 0
    for (let p = 0; p < Math.floor(peers / 2) && pairs < pairsMax; p++) {
      const [from, to] = [2 * p, 2 * p + 1]
      if (ids[from] === null || ids[to] === null) continue
      sends[genOf(from)].push([localOf(from), ids[to]!, swarmOf(from)])
      expected[genOf(to)] += rounds
      pairs++
    }
    generators.forEach((gen, g) => gen.send({ op: 'expect', count: expected[g], timeoutMs: PHASE_TIMEOUT_MS }))
    await Promise.all(generators.map((gen) => gen.reply('expecting')))
    const cpu1 = cpuAll(measured)
    const t2 = performance.now()
    generators.forEach((gen, g) => gen.send({ op: 'forward', sends: sends[g], rounds }))
    const received = (await Promise.all(generators.map((gen) => gen.reply('received')))).reduce((n, r) => n + r.count, 0)
    const forwardSeconds = (performance.now() - t2) / 1000
    const forwardCpu = cpuSince(measured, cpu1)
    const load = loadAverage()
    await Promise.all(generators.map((gen) => gen.reply('sent')))

    const base = { setup: setup.name, peers, held, 'connect s': connectSeconds.toFixed(1) }
    return {
      announce: { ...base, ...phase(announced, announceSeconds, announceCpu, servers.length, redis !== undefined), lost: held - announced },
      forward: {
        ...base,
        ...phase(received, forwardSeconds, forwardCpu, servers.length, redis !== undefined),
        lost: pairs * rounds - received,
        load,
      },
    }
  } finally {
    await Promise.all(generators.map((g) => g.close()))
    for (const s of servers) s.child.kill('SIGKILL')
    await Promise.all(servers.map((s) => exited(s.child)))
    await redis?.stop()
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

/** One phase's figures; `cpu` lists the servers, then Redis (if any), then the generators. */
function phase(count: number, seconds: number, cpu: number[], servers: number, redis: boolean) {
  const serverCpu = cpu.slice(0, servers)
  return {
    'per s': Math.round(count / seconds),
    'per server CPU s': sum(serverCpu) > 0 ? Math.round(count / sum(serverCpu)) : 0, // 0: too short to measure
    'server CPU s': serverCpu.map((x) => x.toFixed(1)).join(' + '),
    'Redis CPU s': redis ? cpu[servers].toFixed(1) : '—',
    'generators CPU s': sum(cpu.slice(servers + (redis ? 1 : 0))).toFixed(1),
    'cores busy': (sum(cpu) / seconds).toFixed(2),
  }
}

export async function clusterBench(quick: boolean): Promise<void> {
  const levels = quick ? [200] : [2_000, 16_000]
  const generatorCount = quick ? 2 : 4
  const pairsMax = quick ? 100 : 2_000
  const rounds = quick ? 10 : 40
  const rows: Awaited<ReturnType<typeof run>>[] = []
  for (const peers of levels) for (const setup of SETUPS) rows.push(await run(setup, peers, generatorCount, pairsMax, rounds))
  console.log(
    `\nServer scale-out: ${generatorCount} load-generator processes; one server on core 0 with generators and Redis on core 1, ` +
      `two servers on cores 0 and 1 with generators and Redis unpinned. Cores busy: CPU seconds of all these processes per second.\n`,
  )
  console.log('Announces: every peer joins a swarm of ten at once (its members spread over both servers)\n')
  console.log(table(rows.map((r) => r.announce)))
  console.log(`\nForwarding: ≤ ${pairsMax} pairs × ${rounds} signals as fast as they go; ¼ A→B, ¼ B→A (through Redis), ¼ A→A, ¼ B→B\n`)
  console.log(table(rows.map((r) => r.forward)))
  const ratio = (a: number, b: number) => (a && b ? (a / b).toFixed(2) + '×' : '—')
  for (const peers of levels) {
    const [one, oneRedis, two] = SETUPS.map((s) => rows.find((r) => r.announce.setup === s.name && r.announce.peers === peers)!)
    const line = (kind: 'announce' | 'forward') =>
      `${ratio(two[kind]['per s'], one[kind]['per s'])} (${ratio(two[kind]['per s'], oneRedis[kind]['per s'])}; ` +
      `per server CPU second ${ratio(two[kind]['per server CPU s'], one[kind]['per server CPU s'])})`
    console.log(
      `${peers} peers, 2 processes + Redis vs 1 process (vs 1 process + Redis): announces/s ${line('announce')}, ` +
        `forwarded msgs/s ${line('forward')}; target ≥ 1.8×`,
    )
  }
}
