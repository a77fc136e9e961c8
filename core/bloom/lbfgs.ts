/**
 * Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, alg. 7.4/7.5) with a
 * backtracking Armijo line search. Full-batch and deterministic: the same data and options give
 * the same weights bit for bit, which the model version hash relies on.
 */

export interface LbfgsOptions {
  maxIterations: number;
  /** Stop when the relative decrease of the objective falls below this. */
  tolerance: number;
  memory: number;
}

export type Objective = (x: Float64Array, grad: Float64Array) => number;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 1) s += a[i]! * b[i]!;
  return s;
}

export function minimize(f: Objective, x0: Float64Array, opts: LbfgsOptions): { x: Float64Array; value: number; iterations: number } {
  const n = x0.length;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  let fx = f(x, g);
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rhoList: number[] = [];
  const dir = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  let iter = 0;
  for (; iter < opts.maxIterations; iter += 1) {
    // Two-loop recursion: dir = -H·g.
    dir.set(g);
    const alpha: number[] = new Array(sList.length);
    for (let i = sList.length - 1; i >= 0; i -= 1) {
      alpha[i] = rhoList[i]! * dot(sList[i]!, dir);
      const y = yList[i]!;
      const a = alpha[i]!;
      for (let j = 0; j < n; j += 1) dir[j]! -= a * y[j]!;
    }
    if (sList.length > 0) {
      const last = sList.length - 1;
      const gamma = dot(sList[last]!, yList[last]!) / dot(yList[last]!, yList[last]!);
      for (let j = 0; j < n; j += 1) dir[j]! *= gamma;
    } else {
      const gnorm = Math.sqrt(dot(g, g)) || 1;
      for (let j = 0; j < n; j += 1) dir[j]! /= gnorm;
    }
    for (let i = 0; i < sList.length; i += 1) {
      const beta = rhoList[i]! * dot(yList[i]!, dir);
      const s = sList[i]!;
      const d = alpha[i]! - beta;
      for (let j = 0; j < n; j += 1) dir[j]! += d * s[j]!;
    }
    for (let j = 0; j < n; j += 1) dir[j] = -dir[j]!;

    let slope = dot(g, dir);
    if (slope >= 0) {
      // Not a descent direction (curvature information went stale): restart from steepest descent.
      sList.length = 0;
      yList.length = 0;
      rhoList.length = 0;
      for (let j = 0; j < n; j += 1) dir[j] = -g[j]!;
      slope = -dot(g, g);
    }
    let step = 1;
    let fNew = Infinity;
    for (let tries = 0; tries < 40; tries += 1) {
      for (let j = 0; j < n; j += 1) xNew[j] = x[j]! + step * dir[j]!;
      fNew = f(xNew, gNew);
      if (fNew <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNew < fx)) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let j = 0; j < n; j += 1) {
      s[j] = xNew[j]! - x[j]!;
      y[j] = gNew[j]! - g[j]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      sList.push(s);
      yList.push(y);
      rhoList.push(1 / sy);
      if (sList.length > opts.memory) {
        sList.shift();
        yList.shift();
        rhoList.shift();
      }
    }
    const decrease = (fx - fNew) / Math.max(Math.abs(fx), 1e-12);
    x.set(xNew);
    g.set(gNew);
    fx = fNew;
    if (decrease < opts.tolerance) {
      iter += 1;
      break;
    }
  }
  return { x, value: fx, iterations: iter };
}
