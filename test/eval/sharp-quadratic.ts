// Quadratic losses 0.5·wᵀAw with a Hessian A chosen exactly, for the sharpness tests.
import { cat, dispose, tensor, type Tensor } from '../../src/index.js';
import type { Objective } from '../../src/eval/hessian.js';

/** A = Q·diag(eig)·Q with the Householder reflection Q = I − 2uuᵀ/uᵀu (Q = I when u is null). */
export function symmetricWithEigenvalues(eig: number[], u: number[] | null): number[][] {
  const n = eig.length;
  const uu = u === null ? 1 : u.reduce((s, x) => s + x * x, 0);
  const q = (i: number, j: number) =>
    (i === j ? 1 : 0) - (u === null ? 0 : (2 * (u[i] as number) * (u[j] as number)) / uu);
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let k = 0; k < n; k++) s += q(i, k) * (eig[k] as number) * q(k, j);
      return s;
    }),
  );
}

/**
 * 0.5·wᵀAw where w concatenates two float64 parameters (the first `split` entries, then the rest),
 * written as two terms 0.5·wᵀRw + 0.5·wᵀ(A−R)w so the HVP has to add terms up.
 */
export function quadratic(a: number[][], split: number): { objective: Objective; dispose(): void } {
  const n = a.length;
  const rest = n - split;
  // Fixed, arbitrary values: the Hessian of a quadratic does not depend on them.
  const p1 = tensor(
    Array.from({ length: split }, (_, i) => Math.sin(i + 1)),
    [split],
    { dtype: 'float64' },
  );
  const p2 = tensor(
    Array.from({ length: rest }, (_, i) => Math.cos(i + 1)),
    rest % 2 === 0 ? [2, rest / 2] : [rest],
    { dtype: 'float64' },
  );
  for (const p of [p1, p2]) p.requiresGrad = true;
  const r = a.map((row, i) => row.map((_, j) => Math.cos(i + j)));
  const mats = [r, a.map((row, i) => row.map((x, j) => x - (r[i]?.[j] as number)))].map((m) =>
    tensor(m.flat(), [n, n], { dtype: 'float64' }),
  );
  const objective: Objective = {
    params: [p1, p2],
    terms: 2,
    term: (i) => {
      const w = cat([p1, p2.flatten()]); // [n]
      return w
        .mul((mats[i] as Tensor).matmul(w))
        .sum()
        .mul(0.5);
    },
  };
  return { objective, dispose: () => dispose([p1, p2, mats]) };
}
