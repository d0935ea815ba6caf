/**
 * Videos for the streaming tests, made by ffmpeg (Debian's): a test pattern
 * with noise, so that the file is as large as a real recording of its
 * bitrate, and a keyframe every second, so that a seek lands near its target.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestFile } from './fixtures.js'

export const WEBM_SECONDS = 60

/** A VP8/Opus WebM of WEBM_SECONDS at 2 Mbit/s (about 15 MB, 61 pieces of 256 KiB). */
export function makeWebm(name = 'lecture.webm'): TestFile {
  const path = join(mkdtempSync(join(tmpdir(), 'swarmdrop-media-')), name)
  // biome-ignore format: one ffmpeg option per line
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=25:duration=${WEBM_SECONDS}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:duration=${WEBM_SECONDS}`,
    '-vf', 'noise=alls=40:allf=t',
    '-c:v', 'libvpx', '-b:v', '2M', '-minrate', '2M', '-maxrate', '2M', '-g', '25', '-deadline', 'realtime', '-cpu-used', '8',
    '-c:a', 'libopus', '-b:a', '64k',
    path,
  ])
  const bytes = readFileSync(path)
  return { name, path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }
}
