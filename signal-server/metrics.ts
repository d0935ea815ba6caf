/**
 * Prometheus metrics at GET /metrics: what an operator watches. A registry per
 * server (not prom-client's global one) so tests can run several servers.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'

export class Metrics {
  readonly registry = new Registry()
  readonly connections: Counter
  readonly connectionsRefused: Counter<'reason'>
  readonly announces: Counter
  readonly lookups: Counter
  readonly signals: Counter
  readonly relayedBytes: Counter
  readonly rejected: Counter<'reason'>

  constructor(live: { peers: () => number; swarms: () => number; pinNodes: () => number }) {
    const registers = [this.registry]
    const counter = <L extends string = never>(name: string, help: string, labelNames: L[] = []) =>
      new Counter<L>({ name: `swarmdrop_${name}`, help, labelNames, registers })
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name: `swarmdrop_${name}`,
        help,
        registers,
        collect: function () {
          this.set(read())
        },
      })
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 })
    gauge('peers', 'Connected peers.', live.peers)
    gauge('swarms', 'Swarms with at least one peer.', live.swarms)
    gauge('pin_nodes', 'Pin nodes connected.', live.pinNodes)
    this.connections = counter('connections_total', 'WebSocket connections accepted.')
    this.connectionsRefused = counter('connections_refused_total', 'WebSocket connections refused, by reason.', ['reason'])
    this.announces = counter('announces_total', 'Announce messages handled.')
    this.lookups = counter('lookups_total', 'Lookup messages handled.')
    this.signals = counter('signals_total', 'WebRTC signals forwarded.')
    this.relayedBytes = counter('relayed_bytes_total', 'Bytes relayed between peers.')
    this.rejected = counter('rejected_messages_total', 'Messages rejected, by reason (the error code sent back).', ['reason'])
  }
}
