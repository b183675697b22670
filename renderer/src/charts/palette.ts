import type { WorkspaceSummary } from '../../../preload/api'

/** M. Petroff's colour-blind-safe 10-colour sequence (arXiv:2107.02270), as adopted by CMS. */
export const SAMPLE_PALETTE = [
  '#3f90da',
  '#ffa90e',
  '#bd1f01',
  '#94a4a2',
  '#832db6',
  '#a96b59',
  '#e76300',
  '#b9ac70',
  '#717581',
  '#92dadd',
] as const

/** One colour per sample name, the same in every channel, in order of first appearance. */
export function sampleColors(summary: WorkspaceSummary): Map<string, string> {
  const colors = new Map<string, string>()
  const ordered = [...summary.samples, ...summary.channels.flatMap((c) => c.samples)]
  for (const sample of ordered) {
    if (!colors.has(sample.name)) {
      colors.set(sample.name, SAMPLE_PALETTE[colors.size % SAMPLE_PALETTE.length] as string)
    }
  }
  return colors
}
