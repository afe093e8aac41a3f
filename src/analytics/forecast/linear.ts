/**
 * Ordinary least squares on an evenly spaced series: the baseline the seasonal forecast is judged
 * against, the fallback for short histories, and the slope behind `trends`.
 */
export interface LinearFit {
  intercept: number;
  slope: number;
  /** Residual standard deviation (n - 2 degrees of freedom; 0 when n <= 2). */
  sigma: number;
  n: number;
}

export function fitLinear(y: number[]): LinearFit {
  const n = y.length;
  if (n === 0) return { intercept: 0, slope: 0, sigma: 0, n };
  const meanX = (n - 1) / 2;
  const meanY = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  y.forEach((v, x) => {
    sxy += (x - meanX) * (v - meanY);
    sxx += (x - meanX) * (x - meanX);
  });
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = meanY - slope * meanX;
  let sse = 0;
  y.forEach((v, x) => {
    const r = v - (intercept + slope * x);
    sse += r * r;
  });
  return { intercept, slope, sigma: n > 2 ? Math.sqrt(sse / (n - 2)) : 0, n };
}

/** Value of the fitted line at index x (0-based, may lie beyond the data). */
export function linearAt(fit: LinearFit, x: number): number {
  return fit.intercept + fit.slope * x;
}
