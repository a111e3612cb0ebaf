/**
 * Latency percentiles of a mixture of log-normal distributions: a period's
 * requests come from slices with different medians (a regression switching on
 * mid-period), and CloudWatch's p99 is a percentile of all of them together.
 */

/** Abramowitz-Stegun 7.1.26 approximation of erf (|error| < 1.5e-7). */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-ax * ax);
  return sign * y;
}

export interface LogNormalComponent {
  /** Number of requests drawn from this component. */
  weight: number;
  /** ln(median). */
  mu: number;
  sigma: number;
}

function mixtureCdf(parts: readonly LogNormalComponent[], total: number, x: number): number {
  if (x <= 0) return 0;
  let acc = 0;
  for (const p of parts) {
    acc += p.weight * 0.5 * (1 + erf((Math.log(x) - p.mu) / (p.sigma * Math.SQRT2)));
  }
  return acc / total;
}

/** The q-quantile (0<q<1) of the mixture, or undefined when it has no weight. */
export function mixtureQuantile(
  parts: readonly LogNormalComponent[],
  q: number,
): number | undefined {
  const live = parts.filter((p) => p.weight > 0);
  const total = live.reduce((a, p) => a + p.weight, 0);
  if (total === 0) return undefined;
  let lo = Math.min(...live.map((p) => p.mu - 8 * p.sigma));
  let hi = Math.max(...live.map((p) => p.mu + 8 * p.sigma));
  // Bisection in log space: 60 halvings are far below any threshold's precision.
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (mixtureCdf(live, total, Math.exp(mid)) < q) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

/** The mean of the mixture. */
export function mixtureMean(parts: readonly LogNormalComponent[]): number | undefined {
  const total = parts.reduce((a, p) => a + p.weight, 0);
  if (total === 0) return undefined;
  return parts.reduce((a, p) => a + p.weight * Math.exp(p.mu + (p.sigma * p.sigma) / 2), 0) / total;
}
