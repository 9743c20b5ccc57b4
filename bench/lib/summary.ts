/**
 * The closing table of a benchmark: one line per row that carries a target, with its limit
 * (the case's baseline), its ratio, the peers measured beside it and the verdict.
 */
import { type Case, isBusy, ratioOf } from './report.js'

function formatRate(value: number): string {
  return `${Math.round(value).toLocaleString('en-US')}/s`
}

/**
 * Prints a Markdown table of every targeted row: case, rate, limit, ratio, peers' ratios,
 * target and verdict; a case measured while other processes took CPU says so.
 *
 * @example
 * ```ts
 * printSummary(cases)
 * // | ES256 distinct, 1 at a time | 17,241/s | 17,652/s | 0.98x | fast-jwt 0.93x, jose 0.55x | >= 0.95x | met |
 * ```
 */
export function printSummary(cases: readonly Case[]): void {
  console.log('\n| case | rate | limit | ratio | peers (x limit) | target | verdict |')
  console.log('| --- | --- | --- | --- | --- | --- | --- |')
  for (const entry of cases) {
    const baseline = entry.rows.find((row) => row.baseline)
    for (const row of entry.rows) {
      if (row.target === undefined || baseline === undefined) continue
      const ratio = ratioOf(row, entry.rows)
      const peers = entry.rows
        .filter((other) => other !== row && !other.baseline)
        .map((other) => `${other.name} ${ratioOf(other, entry.rows).toFixed(2)}x`)
        .join(', ')
      const busy = entry.rows.some(isBusy) ? ' [busy machine]' : ''
      const verdict = ratio >= row.target.ratio ? 'met' : 'MISSED'
      console.log(
        `| ${entry.title} | ${formatRate(row.opsPerSec)} | ${formatRate(baseline.opsPerSec)} | ${ratio.toFixed(2)}x | ${peers} | >= ${row.target.ratio}x | ${verdict}${busy} |`,
      )
    }
  }
}
