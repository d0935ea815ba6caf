import { describe, expect, it } from 'vitest'
import { ConfigError, helpText, loadConfig } from './config.js'

describe('server configuration', () => {
  it('reads --trust-proxy as a number of trusted hops: off is 0, on is 1', () => {
    expect(loadConfig([], {})!.trustProxy).toBe(0)
    expect(loadConfig([], { TRUST_PROXY: 'on' })!.trustProxy).toBe(1)
    expect(loadConfig(['--trust-proxy=2'], { TRUST_PROXY: 'on' })!.trustProxy).toBe(2)
    expect(loadConfig(['--trust-proxy=off'], { TRUST_PROXY: '3' })!.trustProxy).toBe(0)
    for (const bad of ['yes', '-1', '1.5', '11']) expect(() => loadConfig([`--trust-proxy=${bad}`], {})).toThrow(ConfigError)
  })

  it('has safe defaults for the new limits, each settable by flag over variable, and lists them in --help', () => {
    expect(loadConfig([], {})).toMatchObject({ metricsToken: '', maxRevokesPerHour: 60, maxUnsharedTombstones: 10_000 })
    expect(
      loadConfig(['--max-revokes-per-hour=5'], { MAX_REVOKES_PER_HOUR: '7', METRICS_TOKEN: 't', MAX_UNSHARED_TOMBSTONES: '9' }),
    ).toMatchObject({
      maxRevokesPerHour: 5,
      metricsToken: 't',
      maxUnsharedTombstones: 9,
    })
    const help = helpText()
    for (const name of [
      '--metrics-token',
      'METRICS_TOKEN',
      '--max-revokes-per-hour',
      '--max-unshared-tombstones',
      '--relay-budget-per-ip',
      'RELAY_BUDGET_PER_IP',
    ]) {
      expect(help).toContain(name)
    }
  })
})
