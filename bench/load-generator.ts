/**
 * One load-generator process for the scale-out benchmark (load-cluster.ts):
 * one process holds at most ~20,000 sockets (the descriptor limit), so the
 * load is spread over several of these. Started with `fork`; it obeys one
 * command at a time over IPC and answers each (GeneratorCommand → GeneratorReply).
 * Its sockets speak Swarmdrop's signaling protocol to loopback servers only.
 */
import { createHash } from 'node:crypto'
import WebSocket from 'ws'
import { cidFromDigest } from '../format/cid.js'
import { SIGNAL_PROTOCOL_VERSION } from '../protocol/signal.js'

export type GeneratorCommand =
  /** Opens one socket per URL (socket i to urls[i]) and greets the server. */
  | { op: 'connect'; urls: string[] }
  /** Socket i announces swarm swarms[i]; answered once every one has its peer list, or after timeoutMs. */
  | { op: 'announce'; swarms: string[]; timeoutMs: number }
  /** Resets the count of received signals; the reply comes once `count` arrived, or after timeoutMs. */
  | { op: 'expect'; count: number; timeoutMs: number }
  /** `rounds` times, every [socket, to, swarm] sends a signal to peer `to` in `swarm`. */
  | { op: 'forward'; sends: [number, string, string][]; rounds: number }
  | { op: 'close' }

export type GeneratorReply =
  /** Each socket's peer id, or null where it could not connect. */
  | { op: 'connected'; ids: (string | null)[] }
  | { op: 'announced'; replies: number }
  | { op: 'expecting' }
  | { op: 'received'; count: number }
  | { op: 'sent' }

const CONNECT_BATCH = 250
const CONNECT_TIMEOUT_MS = 20_000

const cidFor = (swarm: string) => cidFromDigest(createHash('sha256').update(swarm).digest())

interface Socket {
  ws: WebSocket
  id: string
}

const sockets: (Socket | null)[] = []
let onPeers: () => void = () => {}
let onSignal: () => void = () => {}

function open(url: string): Promise<Socket> {
  if (!/^ws:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`not a loopback URL: ${url}`)
  const ws = new WebSocket(url, { perMessageDeflate: false })
  return new Promise<Socket>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate()
      reject(new Error('no welcome'))
    }, CONNECT_TIMEOUT_MS)
    ws.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type?: string; id?: string }
      if (m.type === 'welcome') {
        clearTimeout(timer)
        ws.send(JSON.stringify({ type: 'hello', protocol: SIGNAL_PROTOCOL_VERSION }))
        resolve({ ws, id: String(m.id) })
      } else if (m.type === 'peers') onPeers()
      else if (m.type === 'signal') onSignal()
    })
  })
}

/** `reached` resolves once `done()` holds when `check` is called, or after timeoutMs. */
function until(done: () => boolean, timeoutMs: number): { check(): void; reached: Promise<void> } {
  let check = () => {}
  const reached = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs)
    check = () => {
      if (!done()) return
      clearTimeout(timer)
      resolve()
    }
  })
  check()
  return { check, reached }
}

async function obey(command: GeneratorCommand): Promise<GeneratorReply | null> {
  switch (command.op) {
    case 'connect': {
      for (let i = 0; i < command.urls.length; i += CONNECT_BATCH) {
        const batch = await Promise.allSettled(command.urls.slice(i, i + CONNECT_BATCH).map(open))
        for (const r of batch) sockets.push(r.status === 'fulfilled' ? r.value : null)
      }
      return { op: 'connected', ids: sockets.map((s) => s?.id ?? null) }
    }
    case 'announce': {
      let replies = 0
      const wanted = command.swarms.filter((_, i) => sockets[i]).length
      const { check, reached } = until(() => replies >= wanted, command.timeoutMs)
      onPeers = () => {
        replies++
        check()
      }
      command.swarms.forEach((swarm, i) => sockets[i]?.ws.send(JSON.stringify({ type: 'announce', cid: cidFor(swarm) })))
      await reached
      return { op: 'announced', replies }
    }
    case 'expect': {
      let count = 0
      const { check, reached } = until(() => count >= command.count, command.timeoutMs)
      onSignal = () => {
        count++
        check()
      }
      process.send!({ op: 'expecting' } satisfies GeneratorReply)
      await reached
      return { op: 'received', count }
    }
    case 'forward': {
      const frames = command.sends.map(([from, to, swarm]) => {
        const frame = JSON.stringify({ type: 'signal', to, cid: cidFor(swarm), data: { t: -1 } })
        return [sockets[from], frame] as const
      })
      for (let round = 0; round < command.rounds; round++) for (const [socket, frame] of frames) socket?.ws.send(frame)
      return { op: 'sent' }
    }
    case 'close':
      for (const s of sockets) s?.ws.terminate()
      process.disconnect()
      return null
  }
}

// Commands for the counting (expect) run alongside the others, so each is handled as it comes.
process.on('message', (command: GeneratorCommand) => {
  void obey(command).then((reply) => reply && process.send!(reply))
})
