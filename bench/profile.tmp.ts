import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestServer } from '../e2e/server.ts'
import { MIB, download, launch, randomFile, share } from './lib.ts'
import { BrowserProbe } from './browser-metrics.ts'

const size = 256 * MIB
const dir = mkdtempSync(join(tmpdir(), 'prof-'))
const file = randomFile(join(dir, 'p.bin'), size)
const server = await startTestServer()
const browser = await launch()
const probe = await BrowserProbe.attach(browser)
const a = await browser.newContext({ permissions: ['camera', 'microphone'], acceptDownloads: true })
const b = await browser.newContext({ permissions: ['camera', 'microphone'], acceptDownloads: true })
const pa = await a.newPage(); await pa.goto(server.url + '/')
const link = await share(pa, file)
const pb = await b.newPage(); await pb.goto(server.url + '/')
const ca = await a.newCDPSession(pa); const cb = await b.newCDPSession(pb)
for (const c of [ca, cb]) { await c.send('Profiler.enable'); await c.send('Profiler.setSamplingInterval', { interval: 500 }); await c.send('Profiler.start') }
const before = await probe.processes()
const secs = await download(pb, link)
const after = await probe.processes()
console.log('seconds', secs, 'MiB/s', 256 / secs)
for (const p of after) { const q = before.find((x) => x.id === p.id); console.log(p.type, p.id, (p.cpuTime - (q?.cpuTime ?? 0)).toFixed(2)) }
for (const [name, c] of [['sender', ca], ['receiver', cb]] as const) {
  const { profile } = (await c.send('Profiler.stop')) as any
  const self = new Map<string, number>()
  const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]))
  const counts = new Map<number, number>()
  for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1)
  let total = 0
  for (const [id, n] of counts) { const node = byId.get(id); const key = `${node.callFrame.functionName || '(anon)'} ${node.callFrame.url.split('/').pop()}:${node.callFrame.lineNumber}`; self.set(key, (self.get(key) ?? 0) + n); total += n }
  console.log(`\n${name} top self time (${total} samples)`)
  for (const [k, v] of [...self].sort((x, y) => y[1] - x[1]).slice(0, 18)) console.log(((100 * v) / total).toFixed(1).padStart(5), '%', k)
}
await browser.close(); await server.stop()
