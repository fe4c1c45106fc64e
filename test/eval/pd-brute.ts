// Plain-JS reference implementations of the k-NN vote and the prediction-depth definition,
// written straight from their documented rules, for the tests to compare against.

/** k-NN by exhaustive search: neighbours by (distance, index), vote by (count, -summed distance, -class). */
export function bruteKnn(
  query: number[][],
  support: number[][],
  labels: number[],
  k: number,
  exclude: number[] | null = null,
): number[] {
  return query.map((qv, qi) => {
    const cand = support
      .map((sv, j) => ({ j, d: Math.sqrt(sv.reduce((acc, x, t) => acc + (x - (qv[t] as number)) ** 2, 0)) }))
      .filter(({ j }) => exclude === null || exclude[qi] !== j)
      .sort((a, b) => a.d - b.d || a.j - b.j)
      .slice(0, k);
    const tally = new Map<number, { n: number; sum: number }>();
    for (const { j, d } of cand) {
      const c = labels[j] as number;
      const t = tally.get(c) ?? { n: 0, sum: 0 };
      t.n += 1;
      t.sum += d;
      tally.set(c, t);
    }
    const ranked = [...tally.entries()].sort(([ca, a], [cb, b]) => b.n - a.n || a.sum - b.sum || ca - cb);
    return ranked[0]?.[0] as number;
  });
}

/** Depth straight from the definition: the smallest L whose probe and every later probe agree with the final prediction. */
export function bruteDepth(probePreds: number[][], finalPred: number[]): number[] {
  const p = probePreds.length;
  return finalPred.map((f, i) => {
    for (let l = 0; l < p; l++) {
      let all = true;
      for (let m = l; m < p; m++) if (probePreds[m]?.[i] !== f) all = false;
      if (all) return l;
    }
    return p;
  });
}
