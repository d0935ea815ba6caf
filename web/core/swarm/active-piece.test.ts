import { describe, expect, it } from 'vitest'
import { REQUEST_BLOCK_BYTES as BLOCK } from '../wire/constants.js'
import { pseudoRandomBytes } from '../util/random.js'
import { ActivePiece } from './active-piece.js'

const LENGTH = 2 * BLOCK + 300 // three blocks, the last short

describe('ActivePiece', () => {
  it('assembles the piece byte-exact from blocks in any order and from several peers', () => {
    const sealed = pseudoRandomBytes(LENGTH, 1)
    const piece = new ActivePiece(5, LENGTH, 'a')
    expect(piece.blockCount).toBe(3)
    expect(piece.block(2)).toEqual({ offset: 2 * BLOCK, length: 300 })
    for (const [peer, b] of [
      ['b', 2],
      ['a', 0],
      ['b', 1],
    ] as const) {
      const { offset, length } = piece.block(b)
      expect(piece.receive(peer, offset, sealed.subarray(offset, offset + length))).toEqual([])
    }
    expect(piece.complete).toBe(true)
    expect(piece.data).toEqual(sealed)
    expect([...piece.sources].sort()).toEqual(['a', 'b'])
  })

  it('hands out free blocks in runs and skips what is asked or received', () => {
    const piece = new ActivePiece(0, LENGTH)
    expect(piece.freeBlock()).toBe(0)
    expect(piece.freeRun(0, 8)).toBe(3)
    piece.asked('a', 0, 1)
    expect(piece.freeBlock()).toBe(1)
    expect(piece.freeRun(1, 1)).toBe(1)
    piece.receive('x', 2 * BLOCK, new Uint8Array(300))
    expect(piece.freeRun(1, 8)).toBe(1) // block 2 is in already
  })

  it('refuses a block it cannot place: a second copy, an odd offset, one past the end, the wrong length', () => {
    const piece = new ActivePiece(0, LENGTH)
    piece.receive('a', 0, new Uint8Array(BLOCK).fill(1))
    expect(piece.receive('b', 0, new Uint8Array(BLOCK).fill(2))).toBeNull()
    expect(piece.receive('b', 5, new Uint8Array(BLOCK))).toBeNull()
    expect(piece.receive('b', 3 * BLOCK, new Uint8Array(10))).toBeNull()
    expect(piece.receive('b', BLOCK, new Uint8Array(BLOCK - 1))).toBeNull()
    expect(piece.receive('b', 2 * BLOCK, new Uint8Array(BLOCK))).toBeNull() // the short last block, sent long
    expect(piece.data.subarray(0, BLOCK).every((x) => x === 1)).toBe(true) // the first copy stands
    expect(piece.data.subarray(BLOCK).every((x) => x === 0)).toBe(true)
    expect([...piece.sources]).toEqual(['a'])
    expect(piece.freeBlock()).toBe(1)
  })

  it('in endgame, a block asked of two peers names the other to cancel when one delivers', () => {
    const piece = new ActivePiece(0, LENGTH, 'a')
    piece.asked('a', 0, 3)
    expect(piece.duplicableBlock('a', 2)).toBe(-1) // a has every block already
    expect(piece.duplicableBlock('b', 2)).toBe(0)
    piece.asked('b', 0, 1)
    expect(piece.duplicableBlock('c', 2)).toBe(1) // block 0 is at its limit of two
    expect(piece.receive('b', 0, new Uint8Array(BLOCK))).toEqual(['a'])
  })

  it('releases a peer that times out or leaves, and resets after a bad hash', () => {
    const piece = new ActivePiece(0, LENGTH, 'a')
    piece.asked('a', 0, 3)
    piece.releaseBlock('a', BLOCK)
    expect(piece.owner).toBeNull()
    expect(piece.freeBlock()).toBe(1)
    piece.owner = 'b'
    piece.release('a')
    expect(piece.owner).toBe('b')
    expect(piece.freeBlock()).toBe(0)
    for (let b = 0; b < 3; b++) piece.receive('b', piece.block(b).offset, new Uint8Array(piece.block(b).length))
    expect(piece.complete).toBe(true)
    piece.reset()
    expect(piece.complete).toBe(false)
    expect(piece.owner).toBeNull()
    expect(piece.sources.size).toBe(0)
    expect(piece.freeRun(0, 8)).toBe(3)
  })
})
