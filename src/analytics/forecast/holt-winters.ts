/**
 * Additive Holt-Winters (level + trend + seasonal) with parameters fitted by minimising the
 * one-step-ahead squared error, and prediction intervals from the method's own variance formula
 * (Hyndman & Athanasopoulos, "Forecasting: Principles and Practice", 2nd ed., table 7.8, class 3 ETS(A,A,A)).
 *
 * Forecasts are statistical estimates, so they use floating point; amounts reported to users are
 * rounded when they are turned into money strings, never summed back into ledgers.
 */
export interface HoltWintersParams {
  alpha: number;
  beta: number;
  gamma: number;
}

export interface HoltWintersFit extends HoltWintersParams {
  level: number;
  trend: number;
  /** Seasonal components, indexed by position in the season of the NEXT observation onwards. */
  season: number[];
  period: number;
  /** Standard deviation of the one-step-ahead errors. */
  sigma: number;
  sse: number;
  n: number;
}

interface Run {
  sse: number;
  count: number;
  level: number;
  trend: number;
  season: number[];
}

function initialState(y: number[], m: number) {
  // Level: mean of the first season; trend: mean per-step change between the first two seasons.
  const first = y.slice(0, m);
  const second = y.slice(m, 2 * m);
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const level = mean(first);
  const trend = (mean(second) - level) / m;
  const season = first.map((v, i) => v - (level + (i - (m - 1) / 2) * trend));
  return { level, trend, season };
}

function runFilter(y: number[], m: number, p: HoltWintersParams): Run {
  const init = initialState(y, m);
  let { level, trend } = init;
  const season = [...init.season];
  let sse = 0;
  let count = 0;
  // Re-anchor the level at the end of the first season so the filter starts at observation m.
  level = level + ((m - 1) / 2) * trend;
  for (let t = m; t < y.length; t += 1) {
    const s = season[t % m] as number;
    const forecast = level + trend + s;
    const actual = y[t] as number;
    const error = actual - forecast;
    sse += error * error;
    count += 1;
    const prevLevel = level;
    level = p.alpha * (actual - s) + (1 - p.alpha) * (level + trend);
    trend = p.beta * (level - prevLevel) + (1 - p.beta) * trend;
    season[t % m] = p.gamma * (actual - prevLevel - trend) + (1 - p.gamma) * s;
  }
  // Rotate so that index 0 is the season of observation y.length.
  const rotated = season.map((_, i) => season[(y.length + i) % m] as number);
  return { sse, count, level, trend, season: rotated };
}

const GRID = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9];
const TREND_GRID = [0.01, 0.05, 0.1, 0.2, 0.4];

/** Fits additive Holt-Winters; needs at least two full seasons of history. */
export function fitHoltWinters(y: number[], period: number): HoltWintersFit {
  if (y.length < 2 * period) {
    throw new RangeError(`Holt-Winters needs at least ${2 * period} observations, got ${y.length}`);
  }
  let best: { p: HoltWintersParams; run: Run } | undefined;
  for (const alpha of GRID) {
    for (const beta of TREND_GRID) {
      for (const gamma of GRID) {
        const p = { alpha, beta, gamma };
        const run = runFilter(y, period, p);
        if (!best || run.sse < best.run.sse) best = { p, run };
      }
    }
  }
  const { p, run } = best as { p: HoltWintersParams; run: Run };
  const dof = Math.max(1, run.count - 3);
  return {
    ...p,
    level: run.level,
    trend: run.trend,
    season: run.season,
    period,
    sigma: Math.sqrt(run.sse / dof),
    sse: run.sse,
    n: y.length,
  };
}

export interface PointForecast {
  step: number;
  value: number;
  lower: number;
  upper: number;
}

/** Forecasts h steps ahead with intervals at the given normal quantile (1.96 for 95%). */
export function forecastHoltWinters(fit: HoltWintersFit, horizon: number, z = 1.96): PointForecast[] {
  const out: PointForecast[] = [];
  for (let h = 1; h <= horizon; h += 1) {
    const value = fit.level + h * fit.trend + (fit.season[(h - 1) % fit.period] as number);
    // Variance multiplier for ETS(A,A,A): 1 + sum_{j=1}^{h-1} (alpha(1 + j beta) + gamma d_j)^2
    let multiplier = 1;
    for (let j = 1; j < h; j += 1) {
      const seasonal = j % fit.period === 0 ? fit.gamma : 0;
      const c = fit.alpha * (1 + j * fit.beta) + seasonal;
      multiplier += c * c;
    }
    const half = z * fit.sigma * Math.sqrt(multiplier);
    out.push({ step: h, value, lower: value - half, upper: value + half });
  }
  return out;
}
