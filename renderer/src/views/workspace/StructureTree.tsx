import { useRef, type KeyboardEvent } from 'react'
import { flatten, type StructureNode } from './structure'

/**
 * The workspace as a tree (WAI-ARIA tree pattern): arrows move and open/close, Enter or a click
 * selects, and the JSON view reveals the selected value.
 */
export function StructureTree({
  nodes,
  expanded,
  selected,
  onToggle,
  onSelect,
}: {
  nodes: readonly StructureNode[]
  expanded: ReadonlySet<string>
  selected: string | null
  onToggle: (key: string, open: boolean) => void
  onSelect: (node: StructureNode) => void
}) {
  const treeRef = useRef<HTMLUListElement>(null)
  const visible = flatten(nodes, expanded)
  const focusKey = selected !== null && visible.some((n) => n.key === selected) ? selected : visible[0]?.key

  const focus = (key: string | undefined) => {
    if (key === undefined) return
    const items = treeRef.current?.querySelectorAll<HTMLElement>('[role="treeitem"]') ?? []
    Array.from(items).find((item) => item.dataset.key === key)?.focus()
  }

  const parentOf = (key: string): StructureNode | undefined =>
    visible.find((n) => n.children.some((c) => c.key === key))

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const key = (event.target as HTMLElement).closest<HTMLElement>('[role="treeitem"]')?.dataset.key
    const index = visible.findIndex((n) => n.key === key)
    const current = visible[index]
    if (!current) return
    const open = expanded.has(current.key)
    switch (event.key) {
      case 'ArrowDown':
        focus(visible[index + 1]?.key)
        break
      case 'ArrowUp':
        focus(visible[index - 1]?.key)
        break
      case 'ArrowRight':
        if (current.children.length === 0) return
        if (!open) onToggle(current.key, true)
        else focus(current.children[0]?.key)
        break
      case 'ArrowLeft':
        if (open) onToggle(current.key, false)
        else focus(parentOf(current.key)?.key)
        break
      case 'Home':
        focus(visible[0]?.key)
        break
      case 'End':
        focus(visible[visible.length - 1]?.key)
        break
      case 'Enter':
      case ' ':
        onSelect(current)
        break
      default:
        return
    }
    event.preventDefault()
    event.stopPropagation()
  }

  const render = (list: readonly StructureNode[], level: number) =>
    list.map((n) => {
      const hasChildren = n.children.length > 0
      const open = expanded.has(n.key)
      return (
        <li
          key={n.key}
          role="treeitem"
          aria-level={level}
          aria-expanded={hasChildren ? open : undefined}
          aria-selected={n.key === selected}
          aria-label={`${n.label}${n.detail ? `, ${n.detail}` : ''}`}
          tabIndex={n.key === focusKey ? 0 : -1}
          data-key={n.key}
          data-kind={n.kind}
          data-testid="tree-node"
          className="tree-item"
          onClick={(event) => {
            event.stopPropagation()
            onSelect(n)
          }}
        >
          <div className={`tree-row${n.key === selected ? ' selected' : ''}`} style={{ paddingLeft: `${(level - 1) * 14 + 4}px` }}>
            {hasChildren ? (
              <span
                className={`tree-twisty${open ? ' open' : ''}`}
                aria-hidden="true"
                onClick={(event) => {
                  event.stopPropagation()
                  onToggle(n.key, !open)
                }}
              />
            ) : (
              <span className="tree-twisty leaf" aria-hidden="true" />
            )}
            <span className={`tree-kind tree-kind-${n.kind}`} aria-hidden="true" />
            <span className="tree-label">{n.label}</span>
            {n.detail && <span className="tree-detail">{n.detail}</span>}
          </div>
          {hasChildren && open && (
            <ul role="group" className="tree-group">
              {render(n.children, level + 1)}
            </ul>
          )}
        </li>
      )
    })

  return (
    <ul ref={treeRef} role="tree" aria-label="Workspace structure" className="structure-tree" onKeyDown={onKeyDown}>
      {render(nodes, 1)}
    </ul>
  )
}
