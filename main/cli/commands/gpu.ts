import { Option, type Command } from 'commander'

import * as gpu from '../../engine/gpu'
import type { GpuSelfCheck } from '../../engine/gpu'
import { fail, print } from '../run'

const fmt = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : Number(x).toPrecision(digits))

const rate = (x: number | { error: string } | null): string => (x === null ? 'n/a' : typeof x === 'number' ? x.toFixed(0) : `failed (${x.error})`)

function human(r: GpuSelfCheck): string {
  const lines = [`adapters: ${r.adapters.length}`]
  for (const a of r.adapters) lines.push(`  ${a.name} (${a.backend}, ${a.device_type}, ${a.f64 ? 'f64' : 'no f64'})`)
  lines.push(`selected: ${r.selected ? `${r.selected.name} (${r.selected.backend})` : 'none, running on the CPU'}`)
  if (r.note) lines.push(`note: ${r.note}`)
  lines.push(`f64: ${r.f64 ? 'yes' : 'no'}`)
  lines.push(`max_rel_diff: ${r.max_rel_diff === null ? 'n/a (no GPU)' : fmt(r.max_rel_diff)}`)
  for (const c of r.checks) {
    if (c.error) lines.push(`  ${c.precision}: FAILED: ${c.error}`)
    else lines.push(`  ${c.precision}: NLL ${fmt(c.max_rel_diff_nll)}, gradient ${fmt(c.max_rel_diff_grad)}, fits ${c.fits_converged}/${c.fits} converged, |ΔNLL| ≤ ${fmt(c.fits_max_abs_diff_nll)}${c.ok ? '' : '  OUT OF BOUNDS'}`)
  }
  const f = r.fits_per_second
  lines.push(`fits/s (${f.fits} toy fits of a ${r.model.n_pars}-parameter model): cpu ${rate(f.cpu)}, gpu ${rate(f.gpu)}`)
  for (const p of r.plans) lines.push(`  batch ${p.batch}: ${p.backend.kind}${p.backend.precision ? `-${p.backend.precision}` : ''} (${p.reason})`)
  lines.push(r.ok ? 'ok' : `NOT ok${r.error ? `: ${r.error}` : ''}`)
  return lines.join('\n')
}

export function registerGpu(program: Command): void {
  program
    .command('gpu')
    .description('list the Vulkan adapters, check the GPU path against the CPU engine on a small model and show fits/s')
    .addOption(new Option('--device <device>', 'force a side (default: $HISTUNE_BACKEND, else auto)').choices([...gpu.GPU_DEVICES]))
    .option('--json', 'print the report as JSON')
    .action(async (opts: { device?: gpu.GpuDevice; json?: boolean }) => {
      try {
        const r = await gpu.selfCheck(opts.device)
        print(opts.json === true, r, () => human(r))
        // No GPU is not a failure (the CPU runs the work); a GPU result out of its bound is.
        if (!r.ok) process.exitCode = 1
      } catch (error) {
        fail(error, opts.json === true)
      }
    })
}
