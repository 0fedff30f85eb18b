/** A cumulative histogram with fixed upper bounds (Prometheus `le`, OTLP explicit bounds). */
export interface Histogram {
  bounds: readonly number[];
  /** Per bucket, not cumulative: `counts[i]` for values <= bounds[i]; the last for the rest. */
  counts: number[];
  count: number;
  sum: number;
  min: number;
  max: number;
}

export function createHistogram(bounds: readonly number[]): Histogram {
  return {
    bounds,
    counts: new Array(bounds.length + 1).fill(0),
    count: 0,
    sum: 0,
    min: Infinity,
    max: -Infinity,
  };
}

export function observe(h: Histogram, value: number): void {
  let i = 0;
  while (i < h.bounds.length && value > h.bounds[i]) i++;
  h.counts[i]++;
  h.count++;
  h.sum += value;
  if (value < h.min) h.min = value;
  if (value > h.max) h.max = value;
}
