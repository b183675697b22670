import { useEffect, useId, useState, type ReactNode } from 'react'
import type { ParameterSummary } from '../../../../preload/api'
import { getIn } from '../../editor/jsonPath'
import type { PyhfParameterConfig } from '../../editor/pyhf'
import { formatNumber, sum } from '../../format'
import type { WorkspaceEditorActions } from '../../store/workspace-editor'
import type { StructureNode } from './structure'

type Edits = Pick<WorkspaceEditorActions, 'renameSample' | 'setPoi' | 'setParameter'>

/** A text field that commits on Enter or when it loses focus (one undo step per commit). */
function Field({ label, value, onCommit, disabled, inputMode }: { label: string; value: string; onCommit: (value: string) => void; disabled: boolean; inputMode?: 'decimal' }) {
  const id = useId()
  const [draft, setDraft] = useState(value)
  useEffect(() => setDraft(value), [value])
  const commit = () => {
    if (draft !== value) onCommit(draft)
  }
  return (
    <div className="inspector-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={draft}
        disabled={disabled}
        inputMode={inputMode}
        spellCheck={false}
        onChange={(e) => setDraft(e.currentTarget.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault()
            commit()
          } else if (e.key === 'Escape') setDraft(value)
        }}
      />
    </div>
  )
}

const numbersIn = (text: string): number[] | null => {
  const parts = text.split(/[,\s]+/).filter(Boolean)
  const values = parts.map(Number)
  return values.length > 0 && values.every(Number.isFinite) ? values : null
}

function ParameterForm({ node, config, model, edits, disabled, onProblem }: {
  node: StructureNode
  config: PyhfParameterConfig | undefined
  model: ParameterSummary | undefined
  edits: Edits
  disabled: boolean
  onProblem: (message: string | null) => void
}) {
  const name = node.parameter!
  const inits = config?.inits ?? model?.inits ?? []
  const bounds = config?.bounds ?? model?.bounds ?? []
  const fixed = config?.fixed ?? model?.fixed ?? false
  const n = model?.n ?? Math.max(inits.length, bounds.length, 1)
  const fixedId = useId()
  const set = (changes: Parameters<Edits['setParameter']>[2]) => {
    onProblem(null)
    edits.setParameter(node.measurement!, name, changes)
  }
  const setBound = (side: 0 | 1, text: string) => {
    const value = Number(text)
    if (text.trim() === '' || !Number.isFinite(value)) return onProblem(`The ${side === 0 ? 'lower' : 'upper'} bound must be a number.`)
    const current: [number, number][] = bounds.length > 0 ? bounds.map((b) => [b[0], b[1]]) : Array.from({ length: n }, () => [0, 0])
    const next = current.map((b) => (side === 0 ? [value, b[1]] : [b[0], value]) as [number, number])
    if (next.some(([lo, hi]) => lo > hi)) return onProblem('The lower bound must not exceed the upper bound.')
    set({ bounds: next })
  }
  return (
    <>
      <p className="inspector-note">
        {model ? `${model.modifierType}, ${n === 1 ? 'one component' : `${n} components`}` : 'not a parameter of the model'}
        {config ? ' · configured in this measurement' : ' · pyhf defaults (an edit adds a config entry)'}
      </p>
      <Field
        label={n === 1 ? 'Initial value' : 'Initial values (comma-separated)'}
        value={inits.join(', ')}
        disabled={disabled}
        inputMode="decimal"
        onCommit={(text) => {
          const values = numbersIn(text)
          if (!values || (values.length !== n && values.length !== 1)) return onProblem(`Give ${n === 1 ? 'a number' : `${n} numbers (or one for all)`}.`)
          set({ inits: values.length === n ? values : Array.from({ length: n }, () => values[0]!) })
        }}
      />
      <div className="inspector-pair">
        <Field label="Lower bound" value={bounds[0] ? String(bounds[0][0]) : ''} disabled={disabled} inputMode="decimal" onCommit={(t) => setBound(0, t)} />
        <Field label="Upper bound" value={bounds[0] ? String(bounds[0][1]) : ''} disabled={disabled} inputMode="decimal" onCommit={(t) => setBound(1, t)} />
      </div>
      <div className="inspector-check">
        <input id={fixedId} type="checkbox" checked={fixed} disabled={disabled} onChange={(e) => set({ fixed: e.currentTarget.checked })} />
        <label htmlFor={fixedId}>Fixed in fits</label>
      </div>
    </>
  )
}

/** Details of the selected tree node, with the simple structured edits the tree offers. */
export function NodeInspector({
  node,
  json,
  parameters,
  edits,
  editable,
}: {
  node: StructureNode | null
  json: unknown
  parameters: readonly ParameterSummary[]
  edits: Edits
  editable: boolean
}) {
  const [problem, setProblem] = useState<string | null>(null)
  useEffect(() => setProblem(null), [node?.key])
  if (!node) return <p className="inspector-empty muted">Select a node to see and edit it; the JSON view shows where it is.</p>
  const disabled = !editable
  let body: ReactNode = null
  if (node.kind === 'sample') {
    const data = (getIn(json, [...node.path, 'data']) as number[] | undefined) ?? []
    body = (
      <>
        <Field label="Sample name" value={node.label} disabled={disabled} onCommit={(name) => (name.trim() ? edits.renameSample(node.channel!, node.sample!, name.trim()) : setProblem('A sample needs a name.'))} />
        <p className="inspector-note">
          {data.length} bins, total yield {formatNumber(sum(data.filter((x) => typeof x === 'number')))}
        </p>
      </>
    )
  } else if (node.kind === 'measurement') {
    const poi = String(getIn(json, [...node.path, 'config', 'poi']) ?? '')
    body = <Field label="Parameter of interest" value={poi} disabled={disabled} onCommit={(value) => edits.setPoi(node.measurement!, value.trim())} />
  } else if (node.kind === 'parameter') {
    const config = node.path.length === 5 ? (getIn(json, node.path) as PyhfParameterConfig | undefined) : undefined
    body = (
      <ParameterForm
        node={node}
        config={config}
        model={parameters.find((p) => p.name === node.parameter)}
        edits={edits}
        disabled={disabled}
        onProblem={setProblem}
      />
    )
  } else {
    body = <p className="inspector-note">{node.detail}</p>
  }
  return (
    <section className="inspector" aria-label={`Selected: ${node.label}`} data-testid="node-inspector">
      <h3 className="inspector-title">
        <span className={`tree-kind tree-kind-${node.kind}`} aria-hidden="true" />
        {node.label}
        <span className="inspector-kind">{node.kind}</span>
      </h3>
      {body}
      {!editable && <p className="inspector-note">Fix the JSON syntax to edit here.</p>}
      {problem && (
        <p className="inspector-problem" role="alert">
          {problem}
        </p>
      )}
    </section>
  )
}
