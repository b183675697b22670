import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react'
import type { RootKey } from '../../../../preload/api'
import { fileStem } from '../../download'
import { formatBytes, formatNumber } from '../../format'
import { useStudio } from '../../store/context'
import { DEFAULT_ROOT_BINS, draftEdited, parseHistogramRange, treeOf, type RootBrowser as RootBrowserModel } from '../../store/root-files'
import { CloseIcon, FileIcon } from '../icons'
import { LoadingState } from '../LoadingState'
import { BranchHistogram } from './BranchHistogram'
import { NewStudyDraft } from './NewStudyDraft'
import './root-browser.css'

/** A dropped ROOT file: its trees, the branches of the selected tree, and the selected branch's histogram. */
export function RootBrowser({ browser }: { browser: RootBrowserModel }) {
  const closeBrowser = useStudio((s) => s.closeRootBrowser)
  const closeRef = useRef<HTMLButtonElement>(null)
  const edited = draftEdited(browser)
  // An edited draft is never dropped by a stray Escape or click beside the dialog.
  const close = useCallback(() => {
    if (!edited) closeBrowser()
  }, [edited, closeBrowser])
  const closeButton = () => {
    if (!edited || window.confirm('Close the ROOT browser and discard your edits to the drafted config?')) closeBrowser()
  }
  useEffect(() => {
    closeRef.current?.focus()
  }, [])
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') close()
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [close])

  const { contents } = browser
  return (
    <div className="modal-backdrop" onClick={close}>
      <div
        className="modal root-browser"
        role="dialog"
        aria-modal="true"
        aria-labelledby="root-browser-title"
        data-testid="root-browser"
        onClick={(event) => event.stopPropagation()}
      >
        <div className="modal-header">
          <h2 id="root-browser-title">
            <FileIcon width={18} height={18} aria-hidden="true" /> <span title={contents?.path}>{browser.fileName}</span>
            {contents && (
              <span className="fact-detail">
                {' '}
                {formatBytes(contents.sizeBytes)} · {plural(contents.keys.filter((k) => k.tree).length, 'tree')}
              </span>
            )}
          </h2>
          <button ref={closeRef} type="button" className="icon-button" aria-label="Close the ROOT browser" onClick={closeButton}>
            <CloseIcon />
          </button>
        </div>
        {browser.loading && <LoadingState label={browser.fileName} />}
        {browser.error && (
          <div className="root-error" role="alert" data-testid="root-error">
            <strong>Cannot open {browser.fileName}.</strong> {browser.error.message}
          </div>
        )}
        {contents && (contents.keys.length === 0 ? (
          <p className="root-empty" data-testid="root-empty">
            This file holds no keys: nothing to browse.
          </p>
        ) : browser.draft !== null ? (
          <NewStudyDraft browser={browser} />
        ) : (
          <ContentsView browser={browser} />
        ))}
      </div>
    </div>
  )
}

function plural(n: number, word: string, words = `${word}s`): string {
  return `${formatNumber(n)} ${n === 1 ? word : words}`
}

function ContentsView({ browser }: { browser: RootBrowserModel }) {
  const contents = browser.contents!
  const trees = contents.keys.filter((k) => k.tree !== null)
  const others = contents.keys.filter((k) => k.tree === null)
  return (
    <div className="root-layout">
      <nav className="root-trees" aria-label="Trees">
        <h3 className="panel-title">Trees</h3>
        {trees.length === 0 ? (
          <p className="root-empty" data-testid="root-no-trees">
            No TTree at the top level of this file.
          </p>
        ) : (
          <ul className="root-tree-list">
            {trees.map((key) => (
              <TreeButton key={key.name} rootKey={key} selected={key.name === browser.tree} />
            ))}
          </ul>
        )}
        {others.length > 0 && (
          <>
            <h3 className="panel-title root-others-title">Other keys</h3>
            <ul className="root-other-list">
              {others.map((key) => (
                <li key={key.name} data-testid="root-other-key">
                  <span className="root-key-name">{key.name}</span> <span className="root-type">{key.className}</span>
                  {key.note && <span className="root-note">{key.note}</span>}
                </li>
              ))}
            </ul>
          </>
        )}
      </nav>
      <section className="root-branches" aria-label="Branches">
        <BranchesTable browser={browser} />
      </section>
      <section className="root-detail" aria-label="Histogram">
        <HistogramPanel browser={browser} />
      </section>
    </div>
  )
}

function TreeButton({ rootKey, selected }: { rootKey: RootKey; selected: boolean }) {
  const selectTree = useStudio((s) => s.selectRootTree)
  return (
    <li>
      <button
        type="button"
        className={`root-tree-button${selected ? ' selected' : ''}`}
        aria-pressed={selected}
        data-testid="root-tree"
        data-tree={rootKey.name}
        onClick={() => selectTree(rootKey.name)}
      >
        <span className="root-key-name">{rootKey.name}</span>
        <span className="root-entries">{plural(rootKey.tree!.entries, 'entry', 'entries')}</span>
      </button>
      {rootKey.note && <span className="root-note">{rootKey.note}</span>}
    </li>
  )
}

function BranchesTable({ browser }: { browser: RootBrowserModel }) {
  const selectBranch = useStudio((s) => s.selectRootBranch)
  const tree = treeOf(browser)
  if (tree === null) return <p className="root-empty">Select a tree to list its branches.</p>
  const unreadable = tree.branches.filter((b) => !b.readable).length
  return (
    <>
      <h3 className="panel-title">
        Branches of {browser.tree} <span className="fact-detail">{tree.branches.length}</span>
      </h3>
      {tree.branches.length === 0 ? (
        <p className="root-empty">This tree has no branches.</p>
      ) : (
        <table className="data-table root-branch-table" data-testid="root-branches">
          <thead>
            <tr>
              <th scope="col">Branch</th>
              <th scope="col">Type</th>
            </tr>
          </thead>
          <tbody>
            {tree.branches.map((branch) => (
              <tr
                key={branch.name}
                className={`${branch.name === browser.branch ? 'selected' : ''}${branch.readable ? '' : ' root-unreadable'}`}
                data-testid="root-branch"
                data-branch={branch.name}
              >
                <th scope="row">
                  {branch.readable ? (
                    <button
                      type="button"
                      className="root-branch-button"
                      aria-pressed={branch.name === browser.branch}
                      aria-label={`Show the histogram of ${branch.name}`}
                      onClick={() => void selectBranch(branch.name)}
                    >
                      {branch.name}
                    </button>
                  ) : (
                    <span className="root-branch-name" title={branch.reason ?? undefined}>
                      {branch.name}
                    </span>
                  )}
                </th>
                <td>
                  <code className="root-type">{branch.typeName}</code>
                  {branch.reason && <span className="root-note">{branch.reason}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {unreadable > 0 && (
        <p className="chart-note">
          {plural(unreadable, 'branch', 'branches')} cannot be read: Histune reads flat numeric branches (one number per entry).
        </p>
      )}
    </>
  )
}

function HistogramPanel({ browser }: { browser: RootBrowserModel }) {
  const setSettings = useStudio((s) => s.setRootHistogramSettings)
  const startDraft = useStudio((s) => s.draftRootStudy)
  const [weight, setWeight] = useState(browser.settings.weight)
  const [selection, setSelection] = useState(browser.settings.selection)
  const [bins, setBins] = useState(String(browser.settings.bins))
  const [low, setLow] = useState(String(browser.settings.range?.[0] ?? ''))
  const [high, setHigh] = useState(String(browser.settings.range?.[1] ?? ''))
  /** The range's error shows once the user leaves a range field or applies, not while typing "-". */
  const [rangeChecked, setRangeChecked] = useState(false)
  // A new tree brings its own default weight; a new branch drops the range set for the last one.
  useEffect(() => setWeight(browser.settings.weight), [browser.settings.weight])
  useEffect(() => {
    setLow(String(browser.settings.range?.[0] ?? ''))
    setHigh(String(browser.settings.range?.[1] ?? ''))
    setRangeChecked(false)
  }, [browser.settings.range])

  const binCount = Number(bins)
  const binsValid = Number.isInteger(binCount) && binCount >= 1 && binCount <= 10_000
  const parsedRange = parseHistogramRange(low, high)
  const rangeError = rangeChecked && 'error' in parsedRange ? parsedRange.error : null
  const apply = (event: FormEvent) => {
    event.preventDefault()
    setRangeChecked(true)
    if (binsValid && 'range' in parsedRange) void setSettings({ weight, selection, bins: binCount, range: parsedRange.range })
  }
  const contents = browser.contents!
  const tree = treeOf(browser)
  const trees = contents.keys.filter((k) => k.tree !== null).map((k) => k.name)

  const draft = () => {
    const observable = browser.branch ?? tree?.branches.find((b) => b.readable)?.name ?? ''
    const signalTree = trees.find((t) => /sig/i.test(t)) ?? browser.tree ?? trees[0] ?? ''
    const dataTree = trees.find((t) => t !== signalTree && /data/i.test(t))
    const variation = /(_up|_down|_varied|variation|syst)/i
    const backgroundTrees = trees.filter((t) => t !== signalTree && t !== dataTree && !variation.test(t))
    void startDraft({
      file: contents.uploaded ? contents.fileName : contents.path,
      observable,
      signalTree,
      backgroundTrees: backgroundTrees.length > 0 ? backgroundTrees : trees.filter((t) => t !== signalTree).slice(0, 1),
      ...(dataTree ? { dataTree } : {}),
      ...(browser.settings.weight ? { weight: browser.settings.weight } : {}),
      ...(browser.settings.selection ? { selection: browser.settings.selection } : {}),
    })
  }

  return (
    <>
      <form className="root-settings" onSubmit={apply} aria-label="Histogram settings">
        <div className="field root-weight-field">
          <label htmlFor="root-weight">Weight</label>
          <input
            id="root-weight"
            value={weight}
            placeholder="1 (unweighted)"
            spellCheck={false}
            onChange={(e) => setWeight(e.target.value)}
            data-testid="root-weight"
          />
        </div>
        <div className="field root-selection-field">
          <label htmlFor="root-selection">Selection</label>
          <input
            id="root-selection"
            value={selection}
            placeholder="every entry, e.g. lep_charge > 0"
            spellCheck={false}
            onChange={(e) => setSelection(e.target.value)}
            data-testid="root-selection"
          />
        </div>
        <div className="root-settings-break" aria-hidden="true" />
        <div className="field root-bins-field">
          <label htmlFor="root-bins">Bins</label>
          <input
            id="root-bins"
            type="number"
            min={1}
            max={10_000}
            value={bins}
            aria-invalid={!binsValid}
            onChange={(e) => setBins(e.target.value)}
            data-testid="root-bins"
          />
        </div>
        <RangeField id="root-range-low" label="Low" value={low} onChange={setLow} onBlur={() => setRangeChecked(true)} invalid={rangeError !== null} />
        <RangeField id="root-range-high" label="High" value={high} onChange={setHigh} onBlur={() => setRangeChecked(true)} invalid={rangeError !== null} />
        <button type="submit" className="button button-ghost" disabled={!binsValid || browser.branch === null} data-testid="root-apply">
          Apply
        </button>
        {rangeError && (
          <p id="root-range-error" className="root-range-error" role="alert" data-testid="root-range-error">
            {rangeError}
          </p>
        )}
      </form>
      {browser.summaryError && (
        <div className="root-error" role="alert" data-testid="root-summary-error">
          {browser.summaryError.message}
        </div>
      )}
      {browser.branch === null ? (
        <div className="root-placeholder" data-testid="root-pick-branch">
          <p>Select a branch to see its histogram.</p>
          <p className="muted">
            Weight and selection are expressions of the tree’s branches (<code>0.7*weight</code>, <code>lep_charge &gt; 0 &amp;&amp; Entry$ % 2 == 0</code>), as in a study config. {DEFAULT_ROOT_BINS} bins over the selected values’ range unless you set another number or a low and high edge.
          </p>
        </div>
      ) : browser.summary && browser.summary.request.observable === browser.branch && browser.summary.request.tree === browser.tree ? (
        <div className={browser.summaryLoading ? 'root-stale' : undefined} aria-busy={browser.summaryLoading}>
          <BranchHistogram summary={browser.summary} fileStem={fileStem(browser.fileName)} />
        </div>
      ) : browser.summaryLoading ? (
        <LoadingState label={`${browser.tree} · ${browser.branch}`} />
      ) : null}
      <div className="root-actions">
        <p className="muted">Bin a branch of these trees for the best significance: draft a study config to edit and run.</p>
        <button type="button" className="button button-primary" onClick={draft} disabled={trees.length < 2} data-testid="root-new-study" title={trees.length < 2 ? 'A study needs a signal and a background tree' : undefined}>
          New ntuple study…
        </button>
      </div>
      {browser.draftError && (
        <div className="root-error" role="alert" data-testid="root-draft-error">
          {browser.draftError.message}
        </div>
      )}
    </>
  )
}

/** One edge of the histogram range: empty leaves the range to the selected values. */
function RangeField(props: { id: string; label: string; value: string; invalid: boolean; onChange(value: string): void; onBlur(): void }) {
  return (
    <div className="field root-range-field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        inputMode="decimal"
        value={props.value}
        placeholder="auto"
        spellCheck={false}
        aria-invalid={props.invalid}
        aria-describedby={props.invalid ? 'root-range-error' : undefined}
        onChange={(e) => props.onChange(e.target.value)}
        onBlur={props.onBlur}
        data-testid={props.id}
      />
    </div>
  )
}
