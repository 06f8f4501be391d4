/** Summary statistics of timing samples (milliseconds). */

export interface Summary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
}

/** Nearest-rank percentile of ascending `sorted` values; `p` in (0, 1]. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] as number;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return {
    count: sorted.length,
    mean,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    min: sorted[0] as number,
    max: percentile(sorted, 1),
  };
}

/** Milliseconds between two process.hrtime.bigint() readings. */
export const elapsedMs = (start: bigint, end: bigint = process.hrtime.bigint()): number =>
  Number(end - start) / 1e6;

/** A duration for a human: 3 significant figures, in ms or µs. */
export function ms(value: number): string {
  if (value < 1) return `${(value * 1000).toPrecision(3)} µs`;
  return `${value < 100 ? value.toPrecision(3) : value.toFixed(0)} ms`;
}
