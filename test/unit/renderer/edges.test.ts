import { describe, expect, it } from 'vitest'
import { addEdge, keyboardStep, moveEdge, removeEdge, sameEdges, snapToGrid } from '../../../renderer/src/store/edges'

const free = { range: [0, 1] as const, grid: null }
const grid = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]
const gridded = { range: [0, 1] as const, grid }

describe('bin edges', () => {
  it('snaps to the nearest grid point', () => {
    expect(snapToGrid(0.26, grid)).toBe(0.3)
    expect(snapToGrid(0.24, grid)).toBe(0.2)
    expect(snapToGrid(-3, grid)).toBe(0)
    expect(snapToGrid(7, grid)).toBe(1)
  })

  it('moves an edge freely between its neighbours', () => {
    expect(moveEdge([0, 0.25, 0.5, 1], 1, 0.3, free)).toEqual([0, 0.3, 0.5, 1])
  })

  it('never lets an edge cross or reach a neighbour', () => {
    const moved = moveEdge([0, 0.25, 0.5, 1], 1, 0.9, free)
    expect(moved[1]).toBeLessThan(0.5)
    expect(moved[1]).toBeGreaterThan(0.49)
    const back = moveEdge([0, 0.25, 0.5, 1], 2, 0.1, free)
    expect(back[2]).toBeGreaterThan(0.25)
    expect(back[2]).toBeLessThan(0.26)
  })

  it('keeps the outer edges inside the range', () => {
    expect(moveEdge([0.2, 0.5, 1], 0, -4, free)).toEqual([0, 0.5, 1])
    expect(moveEdge([0, 0.5, 0.8], 2, 1.7, free)).toEqual([0, 0.5, 1])
  })

  it('snaps a moved edge to the grid and stops at the last free grid point before a neighbour', () => {
    expect(moveEdge([0, 0.3, 0.6, 1], 1, 0.44, gridded)).toEqual([0, 0.4, 0.6, 1])
    expect(moveEdge([0, 0.3, 0.6, 1], 1, 0.97, gridded)).toEqual([0, 0.5, 0.6, 1])
  })

  it('leaves the edges untouched when a grid edge has nowhere to go', () => {
    const edges = [0, 0.1, 0.2]
    expect(moveEdge(edges, 1, 0.5, gridded)).toBe(edges)
  })

  it('adds an edge in order, snapped, and ignores one on an existing edge', () => {
    expect(addEdge([0, 0.5, 1], 0.23, gridded)).toEqual([0, 0.2, 0.5, 1])
    expect(addEdge([0, 0.5, 1], 0.74, free)).toEqual([0, 0.5, 0.74, 1])
    const edges = [0, 0.5, 1]
    expect(addEdge(edges, 0.52, gridded)).toBe(edges)
  })

  it('removes an edge but keeps at least one bin', () => {
    expect(removeEdge([0, 0.5, 1], 1)).toEqual([0, 1])
    const single = [0, 1]
    expect(removeEdge(single, 0)).toBe(single)
  })

  it('nudges by one grid cell, or by 1/200 of the range without a grid', () => {
    expect(keyboardStep([0, 0.3, 1], 1, 1, gridded)).toBe(0.4)
    expect(keyboardStep([0, 0.3, 1], 1, -1, gridded)).toBe(0.2)
    expect(keyboardStep([0, 0.3, 1], 1, 1, free)).toBeCloseTo(0.305)
  })

  it('compares edges per channel', () => {
    expect(sameEdges({ SR: [0, 1] }, { SR: [0, 1] })).toBe(true)
    expect(sameEdges({ SR: [0, 1] }, { SR: [0, 0.5, 1] })).toBe(false)
    expect(sameEdges({ SR: [0, 1] }, { CR: [0, 1] })).toBe(false)
  })
})
