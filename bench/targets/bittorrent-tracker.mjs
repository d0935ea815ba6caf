// The anchor for the load benchmark: bittorrent-tracker's WebSocket server, as WebTorrent uses it.
import Server from 'bittorrent-tracker/server'
const server = new Server({ udp: false, http: false, ws: true, stats: false })
server.on('warning', () => {})
server.on('error', () => {})
server.listen(0, '127.0.0.1', () => console.log(`listening on ws://127.0.0.1:${server.http.address().port}`))
