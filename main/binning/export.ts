/** Bin edges written as the fitting frameworks' configs take them. */

/** Edges without float noise from sums of widths: 12 significant digits, the way a person writes them. */
const clean = (edges: readonly number[]): string[] => edges.map((e) => String(Number(e.toPrecision(12))))

/** TRExFitter's Region block: `Binning: 200,300,400,500,600`. */
export const trexfitterBinning = (edges: readonly number[]): string => `Binning: ${clean(edges).join(',')}`

/** cabinetry's Regions entry (YAML): `Binning: [200, 300, 400, 500, 600]`. */
export const cabinetryBinning = (edges: readonly number[]): string => `Binning: [${clean(edges).join(', ')}]`

export interface BinningExports {
  trexfitter: Record<string, string>
  cabinetry: Record<string, string>
}

/** Both syntaxes for every channel (a TRExFitter Region / cabinetry region each). */
export function binningExports(edges: Record<string, readonly number[]>): BinningExports {
  const per = (format: (e: readonly number[]) => string): Record<string, string> =>
    Object.fromEntries(Object.entries(edges).map(([channel, e]) => [channel, format(e)]))
  return { trexfitter: per(trexfitterBinning), cabinetry: per(cabinetryBinning) }
}
