/**
 * Fits the server's cost model by least squares: CPU µs/s = idle + a·publishes/s + b·deliveries/s + c·bytes/s +
 * d·patternChecks/s over runs or capacity steps. Pure.
 *
 * Why a term may be left out ("folded"): within one shape deliveries and output bytes are fixed multiples of
 * publishes, so the data cannot say how the cost splits between them. The fit adds terms in a fixed order (idle,
 * publish, delivery, byte, pattern check) and takes one only when its column is not (nearly) a combination of the
 * ones already taken; its cost then stays inside those, which predicts exactly for shapes like the data's and is
 * named as an extrapolation for others. A coefficient that comes out negative (CPU cannot fall as work grows; it
 * happens when noise outweighs a small term) is folded the same way and the rest refitted.
 */
import { COST_TERMS, type CostModel, type CostPoint, type CostTerm } from '../core/capacity-model.js';

/** A column whose part not explained by the terms already taken is below this share of its size is dependent. */
const DEPENDENCE_TOLERANCE = 0.03;

/** The value of `term` in point `p` (idle: 1 per second). */
export function termValue(p: CostPoint, term: CostTerm): number {
  switch (term) {
    case 'idle': return 1;
    case 'publish': return p.publishesPerS;
    case 'delivery': return p.deliveriesPerS;
    case 'byte': return p.outputBytesPerS;
    case 'patternCheck': return p.patternChecksPerS;
  }
}

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, v, i) => s + v * b[i], 0);
const norm = (a: readonly number[]): number => Math.sqrt(dot(a, a));

/** The terms whose columns are independent (modified Gram–Schmidt, in COST_TERMS order). */
function independentTerms(columns: Map<CostTerm, number[]>, candidates: readonly CostTerm[]): CostTerm[] {
  const basis: number[][] = [];
  const taken: CostTerm[] = [];
  for (const term of candidates) {
    const col = columns.get(term)!;
    const size = norm(col);
    if (size === 0) continue;
    const rest = [...col];
    for (const q of basis) {
      const k = dot(rest, q);
      for (let i = 0; i < rest.length; i++) rest[i] -= k * q[i];
    }
    const left = norm(rest);
    if (left / size <= DEPENDENCE_TOLERANCE) continue;
    basis.push(rest.map((v) => v / left));
    taken.push(term);
  }
  return taken;
}

/** Inverse of a small symmetric positive-definite matrix (Gauss–Jordan with partial pivoting), or null if singular. */
export function invert(m: readonly number[][]): number[][] | null {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) pivot = r;
    if (Math.abs(a[pivot][c]) < 1e-12) return null;
    [a[c], a[pivot]] = [a[pivot], a[c]];
    const p = a[c][c];
    for (let j = 0; j < 2 * n; j++) a[c][j] /= p;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r][c];
      if (f !== 0) for (let j = 0; j < 2 * n; j++) a[r][j] -= f * a[c][j];
    }
  }
  return a.map((row) => row.slice(n));
}

interface Solved {
  beta: number[];
  /** (XᵀX)⁻¹ in the original units. */
  inverse: number[][];
  rss: number;
}

/**
 * Least squares of y on the columns, each point weighted by 1 / y (relative residuals: the CPU's noise grows with it);
 * columns scaled to unit RMS for conditioning, results in original units. `rss` is the weighted (relative) one.
 */
function solve(columns: number[][], y: readonly number[]): Solved | null {
  const n = y.length;
  const w = y.map((v) => (v > 0 ? 1 / v : 0));
  const scale = columns.map((c) => norm(c.map((v, i) => v * w[i])) / Math.sqrt(n) || 1);
  const xs = columns.map((c, j) => c.map((v, i) => (v * w[i]) / scale[j]));
  const yw = y.map((v, i) => v * w[i]);
  const xtx = xs.map((a) => xs.map((b) => dot(a, b)));
  const inv = invert(xtx);
  if (!inv) return null;
  const xty = xs.map((a) => dot(a, yw));
  const betaScaled = inv.map((row) => dot(row, xty));
  const beta = betaScaled.map((b, j) => b / scale[j]);
  let rss = 0;
  for (let i = 0; i < n; i++) {
    let fit = 0;
    for (let j = 0; j < columns.length; j++) fit += beta[j] * columns[j][i];
    rss += ((y[i] - fit) * w[i]) ** 2;
  }
  const inverse = inv.map((row, j) => row.map((v, k) => v / (scale[j] * scale[k])));
  return { beta, inverse, rss };
}

/** Why a model cannot be fitted. */
export class FitError extends Error {}

/**
 * Fits the model to `points` (at least one). Throws FitError when no term can be fitted (every point without CPU
 * or traffic). `fittedFrom` says what the points are, for the report.
 */
export function fitCostModel(points: readonly CostPoint[], fittedFrom: string): CostModel {
  const usable = points.filter((p) => Number.isFinite(p.cpuUsPerS) && p.cpuUsPerS > 0 && p.windowMs > 0);
  if (usable.length === 0) throw new FitError('no point has server CPU and a window to fit');
  const y = usable.map((p) => p.cpuUsPerS);
  const columns = new Map(COST_TERMS.map((t) => [t, usable.map((p) => termValue(p, t))] as const));
  // With a single point the idle cost cannot be told from the rest: fit what it cost per publish and say so.
  let terms = independentTerms(columns, usable.length === 1 ? COST_TERMS.filter((t) => t !== 'idle') : COST_TERMS).slice(0, usable.length);
  let solved: Solved | null = null;
  for (;;) {
    if (terms.length === 0) throw new FitError('the points carry no traffic to fit a cost to (nothing published?)');
    solved = solve(terms.map((t) => columns.get(t)!), y);
    if (!solved) {
      terms = terms.slice(0, -1);
      continue;
    }
    // The most negative per-unit cost (by its size against its uncertainty) goes first; idle may be anything ≥ 0 too.
    const s = solved;
    const negative = terms.map((t, j) => ({ t, j, z: s.beta[j] / Math.sqrt(Math.max(s.inverse[j][j], 1e-300)) })).filter((x) => s.beta[x.j] < 0);
    if (negative.length === 0) break;
    negative.sort((a, b) => a.z - b.z);
    terms = terms.filter((t) => t !== negative[0].t);
  }
  const n = usable.length;
  const dof = n - terms.length;
  const sigma2 = dof > 0 ? solved.rss / dof : null;
  const coefficients = Object.fromEntries(COST_TERMS.map((t) => [t, 0])) as Record<CostTerm, number>;
  const standardErrors: Partial<Record<CostTerm, number>> = {};
  terms.forEach((t, j) => {
    coefficients[t] = solved.beta[j];
    if (sigma2 !== null) standardErrors[t] = Math.sqrt(sigma2 * solved.inverse[j][j]);
  });
  const covariance = solved.inverse.map((row) => row.map((v) => (sigma2 === null ? 0 : v * sigma2)));
  // R² of the weighted fit: against the relative spread of the CPU about its (weighted) mean.
  const meanY = n / y.reduce((a, v) => a + 1 / v, 0);
  const tss = y.reduce((a, v) => a + ((v - meanY) / v) ** 2, 0);
  let maxRel = 0;
  for (const p of usable) {
    const fit = terms.reduce((s, t) => s + coefficients[t] * termValue(p, t), 0);
    if (p.cpuUsPerS > 0) maxRel = Math.max(maxRel, Math.abs(p.cpuUsPerS - fit) / p.cpuUsPerS);
  }
  const present = COST_TERMS.filter((t) => norm(columns.get(t)!) > 0);
  const roundTrip = roundTripOverhead(usable, coefficients.idle);
  return {
    ...(roundTrip ? { roundTrip } : {}),
    coefficients,
    standardErrors,
    fitted: terms,
    folded: present.filter((t) => !terms.includes(t)),
    covariance,
    relativeResidualSd: sigma2 === null ? null : Math.sqrt(sigma2),
    degreesOfFreedom: dof,
    r2: n >= 2 && tss > 0 ? 1 - solved.rss / tss : null,
    maxRelativeResidual: maxRel,
    publishModes: [...new Set(usable.map((p) => p.publishMode))],
    points: [...usable],
    fittedFrom,
  };
}

/**
 * The fixed part of an awaited PUBLISH's round trip (see RoundTripOverhead): per 'await' point, its median round trip
 * less the server CPU per publish ((CPU − idle) / publishes), the median of those; null without such points.
 */
export function roundTripOverhead(points: readonly CostPoint[], idleUsPerS: number): CostModel['roundTrip'] | null {
  const o = points
    .filter((p) => p.publishMode === 'await' && p.publishRoundTripP50Us !== undefined && p.publishesPerS > 0)
    .map((p) => p.publishRoundTripP50Us! - Math.max(0, p.cpuUsPerS - idleUsPerS) / p.publishesPerS)
    .sort((a, b) => a - b);
  if (o.length === 0) return null;
  const median = o.length % 2 === 1 ? o[(o.length - 1) / 2] : (o[o.length / 2 - 1] + o[o.length / 2]) / 2;
  const m = o.reduce((a, b) => a + b, 0) / o.length;
  const sd = o.length > 1 ? Math.sqrt(o.reduce((a, v) => a + (v - m) ** 2, 0) / (o.length - 1)) : 0;
  return { us: Math.max(0, median), seUs: sd / Math.sqrt(o.length), points: o.length };
}

/** CPU µs/s the model predicts for a point's rates. */
export function predictCpu(model: CostModel, p: CostPoint): number {
  return COST_TERMS.reduce((s, t) => s + model.coefficients[t] * termValue(p, t), 0);
}
