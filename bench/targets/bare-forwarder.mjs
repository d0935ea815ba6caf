// The ceiling for the load benchmark: a bare `ws` forwarder of a few lines (parse, add the sender, re-serialise, send).
import { WebSocketServer } from 'ws'
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
const clients = new Map()
let next = 0
wss.on('connection', (ws) => {
  const id = String(next++)
  clients.set(id, ws)
  ws.send(JSON.stringify({ type: 'welcome', id }))
  ws.on('message', (data) => {
    const m = JSON.parse(data)
    clients.get(m.to)?.send(JSON.stringify({ from: id, data: m.data }))
  })
  ws.on('close', () => clients.delete(id))
})
wss.on('listening', () => console.log(`listening on ws://127.0.0.1:${wss.address().port}`))
