// bittorrent-tracker ships no types; the benchmark uses only its WebSocket server.
declare module 'bittorrent-tracker/server' {
  export default class Server {
    constructor(options: { udp: boolean; http: boolean; ws: boolean; stats: boolean })
    http?: import('node:http').Server
    listen(port: number, host: string, callback: () => void): void
    close(callback: () => void): void
  }
}
