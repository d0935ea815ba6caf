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

  constructor(live: { peers: () => number; swarms: () => number }) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 })
    new Gauge({ name: 'swarmdrop_peers', help: 'Connected peers.', registers, collect: function () { this.set(live.peers()) } })
    new Gauge({ name: 'swarmdrop_swarms', help: 'Swarms with at least one peer.', registers, collect: function () { this.set(live.swarms()) } })
    this.connections = new Counter({ name: 'swarmdrop_connections_total', help: 'WebSocket connections accepted.', registers })
    this.connectionsRefused = new Counter({
      name: 'swarmdrop_connections_refused_total',
      help: 'WebSocket connections refused, by reason.',
      labelNames: ['reason'],
      registers,
    })
    this.announces = new Counter({ name: 'swarmdrop_announces_total', help: 'Announce messages handled.', registers })
    this.lookups = new Counter({ name: 'swarmdrop_lookups_total', help: 'Lookup messages handled.', registers })
    this.signals = new Counter({ name: 'swarmdrop_signals_total', help: 'WebRTC signals forwarded.', registers })
    this.relayedBytes = new Counter({ name: 'swarmdrop_relayed_bytes_total', help: 'Bytes relayed between peers.', registers })
    this.rejected = new Counter({
      name: 'swarmdrop_rejected_messages_total',
      help: 'Messages rejected, by reason (the error code sent back).',
      labelNames: ['reason'],
      registers,
    })
  }
}
