import { useEffect } from 'react'
import type { RootBranchSummary } from '../../../../preload/api'
import { useEChart } from '../../charts/useEChart'
import { formatNumber } from '../../format'
import { useResolvedTheme } from '../../hooks/useResolvedTheme'
import { ChartExportButtons } from '../binning/ChartExportButtons'
import { branchHistogramOption } from './branchHistogramOption'

/** The selected branch's histogram with its range, mean and spread. */
export function BranchHistogram({ summary, fileStem }: { summary: RootBranchSummary; fileStem: string }) {
  const theme = useResolvedTheme()
  const { containerRef, chartRef, ready } = useEChart()
  useEffect(() => {
    if (ready) chartRef.current?.setOption(branchHistogramOption(summary, theme), { notMerge: true })
  }, [ready, chartRef, summary, theme])

  const { request, histogram } = summary
  const weighted = request.weight !== undefined && request.weight !== ''
  const outside = histogram.underflow.entries + histogram.overflow.entries
  const low = histogram.edges[0] ?? 0
  const high = histogram.edges[histogram.edges.length - 1] ?? 0
  const stem = `${fileStem}-${request.tree}-${request.observable}`.replace(/[^\w.-]+/g, '_')
  return (
    <div className="root-histogram" data-testid="root-histogram" data-branch={request.observable}>
      <div className="panel-header">
        <h3 className="panel-title">
          {request.tree} · {request.observable}
        </h3>
        <ChartExportButtons chartRef={chartRef} stem={stem} label={`histogram of ${request.observable}`} />
      </div>
      <dl className="facts root-facts" aria-label={`Summary of ${request.observable}`}>
        <Fact label="Entries" value={summary.selected} detail={summary.selected === summary.entries ? undefined : `of ${formatNumber(summary.entries)}`} />
        {weighted && <Fact label="Σ weights" value={summary.sumw} detail={`± ${formatNumber(Math.sqrt(summary.sumw2))}`} />}
        <Fact label="Min" value={summary.min} />
        <Fact label="Max" value={summary.max} />
        <Fact label={weighted ? 'Weighted mean' : 'Mean'} value={summary.mean} />
        <Fact label="Std dev" value={summary.stdDev} />
      </dl>
      {summary.selected === 0 ? (
        <p className="root-empty" role="status">
          No entry passes the selection.
        </p>
      ) : (
        <div
          ref={containerRef}
          className="histogram root-histogram-chart"
          data-testid="root-histogram-chart"
          role="img"
          aria-label={`Histogram of ${request.observable} in tree ${request.tree}: ${histogram.sumw.length} bins from ${formatNumber(low)} to ${formatNumber(high)}`}
        />
      )}
      <p className="chart-note">
        {histogram.sumw.length} equal bins from {formatNumber(low)} to {formatNumber(high)}
        {request.range ? ' (the range you set)' : ' (the selected values’ range)'}, the last one closed; error bars √Σw².
        {weighted && <> Weight: <code>{request.weight}</code>.</>}
        {request.selection && <> Selection: <code>{request.selection}</code>.</>}
        {summary.nonFinite > 0 && <> {formatNumber(summary.nonFinite)} entries with NaN or ±∞ are left out.</>}
        {outside > 0 && (
          <>
            {' '}
            {formatNumber(outside)} entries lie outside the range ({formatNumber(histogram.underflow.entries)} below, {formatNumber(histogram.overflow.entries)} above).
          </>
        )}
      </p>
    </div>
  )
}

function Fact({ label, value, detail }: { label: string; value: number | null; detail?: string }) {
  return (
    <div className="fact fact-small">
      <dt>{label}</dt>
      <dd>
        {value === null ? '—' : formatNumber(value)}
        {detail && <span className="fact-detail"> {detail}</span>}
      </dd>
    </div>
  )
}
