/**
 * Server load benchmark (issue 6): N WebSocket peers against Swarmdrop's
 * server, bittorrent-tracker's WebSocket server (the anchor) and a bare `ws`
 * forwarder (the ceiling), in one run. The server runs on core 0, this load
 * generator on core 1. Loopback only; every loop is bounded.
 *
 *   npm run bench -- load            1,000 and 10,000 peers, then as many as the fd limit allows
 *   npm run bench -- load --quick    200 peers
 *
 * Then the scale-out part (load-cluster.ts): two processes sharing Redis against one.
 */
import { type ChildProcess, spawn, execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { cidFromDigest } from '../format/cid.js'
import { SIGNAL_PROTOCOL_VERSION } from '../protocol/signal.js'
import WebSocket from 'ws'
import { LOAD_SERVER_FLAGS, cpuSeconds, table } from './lib.js'
import { rssBytes } from './browser-metrics.js'
import { clusterBench } from './load-cluster.js'

interface Target {
  name: string
  command: string[]
  /** Returns this client's id once connected. */
  hello(ws: WebSocket, inbox: Inbox): Promise<string>
  announce?(ws: WebSocket, id: string, swarm: string): void
  isAnnounceReply?(m: Record<string, unknown>): boolean
  forward(ws: WebSocket, from: string, to: string, swarm: string, stamp: number): void
  stampOf(m: Record<string, unknown>): number | undefined
}

type Inbox = { next(): Promise<Record<string, unknown>> }

const cidFor = (swarm: string) => cidFromDigest(createHash('sha256').update(swarm).digest())
const hash20 = (swarm: string) => swarm.padEnd(20, '_').slice(0, 20)

const TARGETS: Target[] = [
  {
    name: 'swarmdrop',
    command: ['node', '--import', 'tsx', 'signal-server/main.ts', '--port', '0', ...LOAD_SERVER_FLAGS],
    async hello(ws, inbox) {
      const id = String((await inbox.next()).id)
      ws.send(JSON.stringify({ type: 'hello', protocol: SIGNAL_PROTOCOL_VERSION }))
      return id
    },
    announce: (ws, _id, swarm) => ws.send(JSON.stringify({ type: 'announce', cid: cidFor(swarm) })),
    isAnnounceReply: (m) => m.type === 'peers',
    forward: (ws, _from, to, swarm, stamp) => ws.send(JSON.stringify({ type: 'signal', to, cid: cidFor(swarm), data: { t: stamp } })),
    stampOf: (m) => (m.type === 'signal' ? ((m.data as { t?: number }).t ?? undefined) : undefined),
  },
  {
    name: 'bittorrent-tracker',
    command: ['node', 'bench/targets/bittorrent-tracker.mjs'],
    async hello() {
      return randomBytes(10).toString('hex')
    },
    announce: (ws, id, swarm) =>
      ws.send(
        JSON.stringify({
          action: 'announce',
          info_hash: hash20(swarm),
          peer_id: id,
          numwant: 0,
          uploaded: 0,
          downloaded: 0,
          left: 0,
          event: 'started',
        }),
      ),
    isAnnounceReply: (m) => m.action === 'announce' && m.interval !== undefined,
    forward: (ws, from, to, swarm, stamp) =>
      ws.send(
        JSON.stringify({
          action: 'announce',
          info_hash: hash20(swarm),
          peer_id: from,
          to_peer_id: to,
          answer: { type: 'answer', sdp: String(stamp) },
          offer_id: 'x',
        }),
      ),
    stampOf: (m) => (m.answer ? Number((m.answer as { sdp: string }).sdp) : undefined),
  },
  {
    name: 'bare ws forwarder',
    command: ['node', 'bench/targets/bare-forwarder.mjs'],
    async hello(ws, inbox) {
      const id = String((await inbox.next()).id)
      ws.send(JSON.stringify({ type: 'hello', protocol: SIGNAL_PROTOCOL_VERSION }))
      return id
    },
    forward: (ws, _from, to, _swarm, stamp) => ws.send(JSON.stringify({ to, data: { t: stamp } })),
    stampOf: (m) => (m.data as { t?: number } | undefined)?.t ?? undefined,
  },
]

async function startTarget(target: Target): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn('taskset', ['-c', '0', ...target.command], { stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`${target.name} did not start`)), 20_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d
      const m = /listening on (\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1].replace(/^http/, 'ws') + (target.name === 'swarmdrop' ? '/ws' : ''))
      }
    })
  })
  return { url, child }
}

interface Client {
  ws: WebSocket
  id: string
  inbox: Inbox
  onMessage?: (m: Record<string, unknown>) => void
}

async function connect(target: Target, url: string): Promise<Client> {
  const ws = new WebSocket(url, { perMessageDeflate: false })
  const queue: Record<string, unknown>[] = []
  const waiters: ((m: Record<string, unknown>) => void)[] = []
  const client: Client = { ws, id: '', inbox: { next: () => new Promise((r) => (queue.length ? r(queue.shift()!) : waiters.push(r))) } }
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as Record<string, unknown>
    if (client.onMessage) return client.onMessage(m)
    const w = waiters.shift()
    if (w) w(m)
    else queue.push(m)
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  client.id = await target.hello(ws, client.inbox)
  return client
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

async function run(target: Target, peers: number) {
  const { url, child } = await startTarget(target)
  const serverPid = child.pid! // taskset execs the server in its own process
  const baseRss = rssBytes(serverPid)
  const clients: Client[] = []
  const started = performance.now()
  for (let i = 0; i < peers; i += 250) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(250, peers - i) }, () => connect(target, url)))
    for (const r of batch) if (r.status === 'fulfilled') clients.push(r.value)
  }
  const connectSeconds = (performance.now() - started) / 1000
  await new Promise((r) => setTimeout(r, 500))
  const rssPer1k = ((rssBytes(serverPid) - baseRss) / Math.max(1, clients.length)) * 1000
  const result: Record<string, string | number> = {
    server: target.name,
    peers: peers,
    held: clients.length,
    'connect s': connectSeconds.toFixed(1),
    'RSS MB/1k': (rssPer1k / 1e6).toFixed(2),
  }

  // Announces: every peer joins a swarm of 10 once; rate over the whole burst.
  if (target.announce) {
    let replies = 0
    const done = new Promise<void>((resolve) => {
      for (const c of clients) {
        c.onMessage = (m) => {
          if (target.isAnnounceReply!(m) && ++replies === clients.length) resolve()
        }
      }
    })
    const t0 = performance.now()
    clients.forEach((c, i) => target.announce!(c.ws, c.id, `s${Math.floor(i / 10)}`))
    await Promise.race([done, new Promise((r) => setTimeout(r, 60_000))])
    result['announces/s'] = Math.round(replies / ((performance.now() - t0) / 1000))
  } else result['announces/s'] = '—'

  // Forwarding: pairs within a swarm; first a burst for throughput, then a paced run for latency.
  const pairs = Math.min(500, Math.floor(clients.length / 2))
  const latencies: number[] = []
  let received = 0
  for (let p = 0; p < pairs; p++) {
    const to = clients[2 * p + 1]
    to.onMessage = (m) => {
      const stamp = target.stampOf(m)
      if (stamp === undefined) return
      received++
      if (stamp > 0) latencies.push(performance.now() - stamp)
    }
  }
  const send = (stamp: number) => {
    for (let p = 0; p < pairs; p++) {
      const a = clients[2 * p]
      const b = clients[2 * p + 1]
      target.forward(a.ws, a.id, b.id, `s${Math.floor((2 * p) / 10)}`, stamp)
    }
  }
  const burst = 40
  const cpu0 = cpuSeconds(serverPid)
  const t1 = performance.now()
  for (let i = 0; i < burst; i++) send(-1)
  const want = burst * pairs
  for (let waited = 0; received < want && waited < 30_000; waited += 20) await new Promise((r) => setTimeout(r, 20))
  const burstSeconds = (performance.now() - t1) / 1000
  result['fwd msgs/s'] = Math.round(received / burstSeconds)
  result['server CPU s'] = (cpuSeconds(serverPid) - cpu0).toFixed(1)
  // Paced: 2,000 messages per second for 3 s.
  received = 0
  for (let tick = 0; tick < 30; tick++) {
    const perTick = Math.max(1, Math.round(200 / pairs))
    for (let k = 0; k < perTick; k++) send(performance.now())
    await new Promise((r) => setTimeout(r, 100))
  }
  await new Promise((r) => setTimeout(r, 500))
  latencies.sort((a, b) => a - b)
  result['p50 ms'] = latencies.length ? percentile(latencies, 50).toFixed(1) : '—'
  result['p99 ms'] = latencies.length ? percentile(latencies, 99).toFixed(1) : '—'

  for (const c of clients) c.ws.terminate()
  child.kill('SIGKILL')
  await new Promise((r) => setTimeout(r, 300))
  return result
}

export async function loadBench(quick: boolean): Promise<void> {
  execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' })
  const levels = quick ? [200] : [1000, 10_000, 19_000]
  const rows: Record<string, string | number>[] = []
  for (const peers of levels) for (const target of TARGETS) rows.push(await run(target, peers))
  console.log('\nServer load: server on core 0, load generator on core 1, loopback\n')
  console.log(table(rows))
  for (const peers of levels) {
    const [sd, bt, bare] = TARGETS.map((t) => rows.find((r) => r.server === t.name && r.peers === peers)!)
    const ratio = (a: unknown, b: unknown) => (Number(a) && Number(b) ? (Number(a) / Number(b)).toFixed(2) + '×' : '—')
    console.log(
      `${peers} peers: announces/s ${ratio(sd['announces/s'], bt['announces/s'])} of bittorrent-tracker; ` +
        `forwarded msgs/s ${ratio(sd['fwd msgs/s'], bt['fwd msgs/s'])} of bittorrent-tracker, ${ratio(sd['fwd msgs/s'], bare['fwd msgs/s'])} of the bare forwarder`,
    )
  }
  await clusterBench(quick)
}
