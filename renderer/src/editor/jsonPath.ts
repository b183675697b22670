/**
 * JSON paths as the engine reports them (`channels[0].samples[1].data[3]`), and where they lie in
 * the editor's text: found through the JSON syntax tree, so positions survive any formatting.
 */
import { ensureSyntaxTree } from '@codemirror/language'
import type { EditorState } from '@codemirror/state'
import type { SyntaxNode } from '@lezer/common'

export type JsonPath = readonly (string | number)[]

const SEGMENT = /([^.[\]]+)|\[(\d+)\]/g

/** `channels[0].samples[1].name` → ['channels', 0, 'samples', 1, 'name']; a leading `$` is dropped. */
export function parseJsonPath(path: string): (string | number)[] {
  const out: (string | number)[] = []
  for (const match of path.replace(/^\$\.?/, '').matchAll(SEGMENT)) {
    if (match[2] !== undefined) out.push(Number(match[2]))
    else if (match[1] !== undefined) out.push(match[1])
  }
  return out
}

export function formatJsonPath(path: JsonPath): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('')
}

const VALUE_TYPES = new Set(['Object', 'Array', 'String', 'Number', 'True', 'False', 'Null'])

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = []
  for (let child = node.firstChild; child; child = child.nextSibling) out.push(child)
  return out
}

function propertyName(state: EditorState, property: SyntaxNode): string | null {
  const name = property.getChild('PropertyName')
  if (!name) return null
  const raw = state.sliceDoc(name.from, name.to)
  try {
    return JSON.parse(raw) as string
  } catch {
    return raw.replace(/^"|"$/g, '')
  }
}

function childAt(state: EditorState, node: SyntaxNode, segment: string | number): SyntaxNode | null {
  if (node.name === 'Object' && typeof segment === 'string') {
    for (const property of node.getChildren('Property')) {
      if (propertyName(state, property) !== segment) continue
      const value = children(property).find((c) => VALUE_TYPES.has(c.name))
      return value ?? property
    }
    return null
  }
  if (node.name === 'Array' && typeof segment === 'number') {
    return children(node).filter((c) => VALUE_TYPES.has(c.name))[segment] ?? null
  }
  return null
}

export interface JsonLocation {
  from: number
  to: number
  /** How many leading segments of the path were found (all of them when the value exists). */
  depth: number
}

/** Where a path's value lies in the text; the deepest existing ancestor when the value does not exist. */
export function locateJsonPath(state: EditorState, path: JsonPath): JsonLocation | null {
  const tree = ensureSyntaxTree(state, state.doc.length, 5000)
  if (!tree) return null
  let node: SyntaxNode | null = tree.topNode.getChild('Object') ?? tree.topNode.getChild('Array')
  if (!node) return null
  let depth = 0
  for (const segment of path) {
    const next = childAt(state, node, segment)
    if (!next) break
    node = next
    depth++
  }
  return { from: node.from, to: node.to, depth }
}

/** The path of the innermost value at a position in the text (for following the cursor in the tree). */
export function jsonPathAt(state: EditorState, pos: number): (string | number)[] {
  const tree = ensureSyntaxTree(state, state.doc.length, 5000)
  if (!tree) return []
  const path: (string | number)[] = []
  for (let node: SyntaxNode | null = tree.resolveInner(pos, 1); node; node = node.parent) {
    const parent: SyntaxNode | null = node.parent
    if (!parent) break
    if (parent.name === 'Property' && VALUE_TYPES.has(node.name)) {
      const name = propertyName(state, parent)
      if (name !== null) path.unshift(name)
    } else if (parent.name === 'Array' && VALUE_TYPES.has(node.name)) {
      const from = node.from // syntax nodes are made afresh on each walk: compare positions
      path.unshift(children(parent).filter((c) => VALUE_TYPES.has(c.name)).findIndex((c) => c.from === from))
    }
  }
  return path
}

/** The value at a path of parsed JSON, or undefined. */
export function getIn(value: unknown, path: JsonPath): unknown {
  let current = value
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string | number, unknown>)[segment]
  }
  return current
}

/** A copy of `value` with `path` set to `next`, creating objects along the way. */
export function setIn(value: unknown, path: JsonPath, next: unknown): unknown {
  if (path.length === 0) return next
  const [head, ...rest] = path
  if (typeof head === 'number') {
    const array = Array.isArray(value) ? [...(value as unknown[])] : []
    array[head] = setIn(array[head], rest, next)
    return array
  }
  const object = value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {}
  object[head!] = setIn(object[head!], rest, next)
  return object
}

/** The indentation unit of a JSON text (its first indented line), two spaces when it has none. */
export function detectIndent(text: string): string {
  const match = /\n([ \t]+)\S/.exec(text)
  return match ? match[1]! : '  '
}

/**
 * A value as JSON text to put where a value starts at `lineIndent`: objects and arrays of objects
 * spread over lines in the text's own indentation, short arrays of numbers and scalars on one line.
 */
export function formatJsonValue(value: unknown, indent: string, lineIndent: string): string {
  const flat = JSON.stringify(value)
  if (value === null || typeof value !== 'object' || (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object') && flat.length <= 80)) {
    return flat
  }
  return JSON.stringify(value, null, indent).split('\n').join(`\n${lineIndent}`)
}

/** Character offset of the first character of a 1-based line. */
export function lineStart(state: EditorState, line: number): { from: number; to: number } {
  const clamped = Math.min(Math.max(1, line), state.doc.lines)
  const l = state.doc.line(clamped)
  return { from: l.from, to: l.to }
}
