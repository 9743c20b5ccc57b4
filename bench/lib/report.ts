/**
 * Prints benchmark rows as a table, each with its ratio to the baseline row measured in
 * the same run, and the target a row must meet, if any.
 */

/** One measured implementation within a case. */
export interface Row {
  name: string
  opsPerSec: number
  /** The row every ratio of the case is taken against. */
  baseline?: boolean
  /** Least acceptable ratio to the baseline, with its label. */
  target?: { ratio: number; label: string }
  /** Cores other processes kept busy meanwhile, when the platform tells. */
  othersBusy?: number | undefined
}

/** A case: one alg, token mix and concurrency, with its rows. */
export interface Case {
  title: string
  rows: Row[]
  /** The ratio column's heading. Default `x raw`. */
  ratioLabel?: string
}

const NAME_WIDTH = 34
/** Cores taken by other processes from which a row is flagged as measured on a busy machine. */
const BUSY_CORES = 0.1

/** True for a row measured while other processes took CPU. */
export function isBusy(row: Row): boolean {
  return row.othersBusy !== undefined && row.othersBusy >= BUSY_CORES
}

/** The flag of a row measured while other processes took CPU. */
function busyNote(row: Row): string {
  return isBusy(row) ? `  (other processes: ${row.othersBusy!.toFixed(2)} cores)` : ''
}

function formatOps(value: number): string {
  return Math.round(value).toLocaleString('en-US').padStart(12)
}

/** The ratio of a row to its case's baseline. */
export function ratioOf(row: Row, rows: readonly Row[]): number {
  const baseline = rows.find((candidate) => candidate.baseline)
  return baseline === undefined ? Number.NaN : row.opsPerSec / baseline.opsPerSec
}

/** Prints one case as a table. */
export function printCase(entry: Case): void {
  console.log(`\n${entry.title}`)
  console.log(`  ${'implementation'.padEnd(NAME_WIDTH)}${'ops/s'.padStart(12)}${(entry.ratioLabel ?? 'x raw').padStart(9)}  target`)
  for (const row of entry.rows) {
    const ratio = ratioOf(row, entry.rows)
    let target = ''
    if (row.target !== undefined) {
      const met = ratio >= row.target.ratio
      target = `${row.target.label}: >= ${row.target.ratio}x ${met ? 'met' : 'MISSED'}`
    }
    const name = row.baseline ? `${row.name} (baseline)` : row.name
    console.log(
      `  ${name.padEnd(NAME_WIDTH)}${formatOps(row.opsPerSec)}${`${ratio.toFixed(2)}x`.padStart(9)}  ${target}${busyNote(row)}`,
    )
  }
}

/** Prints every row that carries a target, met or not, as a closing summary. */
export function printTargets(cases: readonly Case[], baseline = 'raw node:crypto'): void {
  console.log(`\nTargets (ratio to ${baseline} of the same case):`)
  for (const entry of cases) {
    for (const row of entry.rows) {
      if (row.target === undefined) continue
      const ratio = ratioOf(row, entry.rows)
      const verdict = ratio >= row.target.ratio ? 'met   ' : 'MISSED'
      const busy = entry.rows.some((other) => busyNote(other) !== '') ? ' [busy machine]' : ''
      console.log(
        `  ${verdict} ${entry.title.padEnd(36)} ${ratio.toFixed(2)}x (${row.target.label} >= ${row.target.ratio}x)${busy}`,
      )
    }
  }
}
