/**
 * The streaming benchmark's test video, made with Debian's ffmpeg: a WebM
 * (VP8 + Opus) at a constant 2 Mbit/s whose picture is noisy on every frame,
 * so it stays that size (the bare test pattern compresses to almost
 * nothing). A keyframe every second, so a seek decodes at most one second
 * before the point it lands on. The index (Cues) sits at the end of the
 * file, where ffmpeg writes it and where most WebM files have it.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'

export const FFMPEG = '/usr/bin/ffmpeg'
export const FRAMES_PER_SECOND = 30

export interface TestVideo {
  path: string
  bytes: number
  seconds: number
}

export function makeTestVideo(dir: string, seconds: number): TestVideo {
  if (!existsSync(FFMPEG)) throw new Error(`${FFMPEG} is missing: npm run bench installs it as root (apt-get install ffmpeg)`)
  const path = join(dir, `stream-${seconds}s.webm`)
  // biome-ignore format: one ffmpeg option and its value per line
  execFileSync(FFMPEG, [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=${FRAMES_PER_SECOND}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(seconds),
    '-vf', 'noise=alls=30:allf=t',
    '-c:v', 'libvpx', '-b:v', '2M', '-minrate', '2M', '-maxrate', '2M',
    '-deadline', 'realtime', '-cpu-used', '8', '-threads', '2',
    '-g', String(FRAMES_PER_SECOND),
    '-c:a', 'libopus', '-b:a', '64k',
    path,
  ], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 })
  return { path, bytes: statSync(path).size, seconds }
}

/**
 * Installs Debian's ffmpeg if it is missing, as root where apt-get exists
 * (as npm test installs the browsers): outside the benchmarks' network
 * namespace, which has no way to Debian's mirrors. Elsewhere the benchmark
 * says what to install.
 */
export function ensureFfmpeg(): void {
  if (existsSync(FFMPEG) || process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return
  console.log("Installing ffmpeg from Debian's packages for the streaming benchmark…")
  const options = { stdio: 'inherit' as const, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }
  execFileSync('apt-get', ['update', '-qq'], options)
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'ffmpeg'], options)
}
