// k-nearest-neighbour classification of embeddings, batched on the tensor engine: one cdist
// and one topk per chunk of queries, then the (cheap) vote in JS, which makes every tie rule
// exact and easy to state.
//
// Neighbours: the k support points nearest by Euclidean distance; among equal distances the
// smaller support index comes first (so the neighbour set is always well defined).
// Vote: the class with the most neighbours; a tie in count goes to the tied class whose
// neighbours have the smaller summed distance (summed in neighbour order), then to the smaller
// class index.
import { arange, cdist, full, noGrad, tensor, tidy, where, type Tensor } from '../backend/index.js';
import { ConfigError } from '../errors.js';

/** Options of knnPredict. */
export interface KnnOptions {
  /** Number of neighbours that vote. */
  k: number;
  /** Queries are the support set: query i never counts support point i (leave-one-out). */
  leaveOneOut?: boolean;
  /** Per query, one support index to leave out (-1 for none); the general form of leaveOneOut. */
  exclude?: ArrayLike<number>;
  /** Queries per cdist block; default keeps a block near 16M distances (64 MB in float32). */
  chunkSize?: number;
}

/** Labels as plain numbers, whether given as a tensor or an array. */
export function labelArray(labels: Tensor | ArrayLike<number>): Int32Array {
  return labels instanceof Int32Array
    ? labels
    : Int32Array.from(isTensor(labels) ? labels.toNumbers() : Array.from(labels));
}
const isTensor = (v: unknown): v is Tensor => typeof (v as Tensor).toNumbers === 'function';

/**
 * The k-NN prediction for every row of `query` [Q, D] against `support` [S, D] with labels [S]
 * (both tensors on the same device, any float dtype). Ties are decided on the distances cdist
 * computes in that dtype, so two float32 distances that differ only in the last bits are not tied.
 * @example const pred = knnPredict(testEmb, trainEmb, trainLabels, { k: 30 }) // Int32Array [Q]
 */
export function knnPredict(
  query: Tensor,
  support: Tensor,
  supportLabels: Tensor | ArrayLike<number>,
  o: KnnOptions,
): Int32Array {
  const [q, d] = query.shape as [number, number];
  const [s, d2] = support.shape as [number, number];
  const labels = labelArray(supportLabels);
  if (query.ndim !== 2 || support.ndim !== 2 || d !== d2) {
    throw new RangeError(
      `knnPredict: query [Q, D] and support [S, D] must share D; got [${query.shape.join(', ')}] and [${support.shape.join(', ')}]`,
    );
  }
  if (labels.length !== s) throw new RangeError(`knnPredict: ${s} support points but ${labels.length} labels`);
  if (o.leaveOneOut && q !== s)
    throw new RangeError(
      `knnPredict: leaveOneOut needs the queries to be the support set; got ${q} queries, ${s} support points`,
    );
  const exclude =
    o.exclude !== undefined
      ? Int32Array.from(Array.from(o.exclude))
      : o.leaveOneOut
        ? Int32Array.from({ length: q }, (_, i) => i)
        : null;
  if (exclude !== null && exclude.length !== q)
    throw new RangeError(`knnPredict: exclude has ${exclude.length} entries for ${q} queries`);
  const usable = s - (exclude !== null ? 1 : 0);
  if (!Number.isInteger(o.k) || o.k < 1 || o.k > usable) {
    throw new ConfigError(
      `k-NN: k must be an integer in 1..${usable} (the support points a query can use); got ${o.k}`,
      'use a smaller k or a larger support set',
    );
  }
  const numClasses = labels.reduce((m, l) => Math.max(m, l + 1), 0);
  const chunk = o.chunkSize ?? Math.max(1, Math.floor((1 << 24) / Math.max(1, s)));
  // One extra neighbour tells whether the k-th distance is tied with a point outside the top k.
  const kk = Math.min(o.k + 1, s);
  const out = new Int32Array(q);
  const vote = new Voter(numClasses);
  noGrad(() => {
    for (let start = 0; start < q; start += chunk) {
      const n = Math.min(chunk, q - start);
      tidy(() => {
        let dist = cdist(query.narrow(0, start, n), support); // [n, S]
        if (exclude !== null) {
          const ex = tensor(Array.from(exclude.subarray(start, start + n)), [n, 1], {
            dtype: 'int64',
            device: query.device,
          });
          const hit = arange(0, s, 1, { device: query.device }).unsqueeze(0).eq(ex); // [n, S]
          dist = where(hit, full([], Infinity, { dtype: dist.dtype, device: dist.device }), dist);
        }
        const [vals, idx] = dist.topk(kk, 1, false, true);
        const dv = vals.to({ dtype: 'float64', device: 'cpu' }).toArray() as Float64Array;
        const iv = idx.to({ dtype: 'int32', device: 'cpu' }).toArray() as Int32Array;
        for (let r = 0; r < n; r++) {
          let nd = Array.from(dv.subarray(r * kk, r * kk + o.k));
          let ni = Array.from(iv.subarray(r * kk, r * kk + o.k));
          if (kk > o.k && dv[r * kk + o.k] === nd[o.k - 1]) {
            // Rare: a tie straddles the k-th place, and topk picks among tied points arbitrarily.
            [nd, ni] = nearestExact(dist.narrow(0, r, 1), o.k);
          }
          out[start + r] = vote.decide(nd, ni, labels);
        }
      });
    }
  });
  return out;
}

/** The k nearest of one distance row by (distance, index), read in full: the slow, exact path. */
function nearestExact(row: Tensor, k: number): [number[], number[]] {
  const d = row.to({ dtype: 'float64', device: 'cpu' }).toArray() as Float64Array;
  const order = Array.from(d.keys())
    .sort((a, b) => (d[a] as number) - (d[b] as number) || a - b)
    .slice(0, k);
  return [order.map((j) => d[j] as number), order];
}

/** The majority vote with the documented tie rules; reuses its count buffers across queries. */
class Voter {
  private readonly count: Int32Array;
  private readonly distSum: Float64Array;
  constructor(numClasses: number) {
    this.count = new Int32Array(numClasses);
    this.distSum = new Float64Array(numClasses);
  }
  decide(dists: number[], idx: number[], labels: Int32Array): number {
    // Canonical neighbour order (distance, index), so summed distances never depend on topk's order.
    const order = idx
      .map((_, i) => i)
      .sort((a, b) => (dists[a] as number) - (dists[b] as number) || (idx[a] as number) - (idx[b] as number));
    const touched: number[] = [];
    for (const i of order) {
      const c = labels[idx[i] as number] as number;
      if (this.count[c] === 0) touched.push(c);
      this.count[c]! += 1;
      this.distSum[c]! += dists[i] as number;
    }
    let best = -1;
    for (const c of touched) {
      if (best < 0) {
        best = c;
        continue;
      }
      const dc = (this.count[c] as number) - (this.count[best] as number);
      const ds = (this.distSum[c] as number) - (this.distSum[best] as number);
      if (dc > 0 || (dc === 0 && (ds < 0 || (ds === 0 && c < best)))) best = c;
    }
    for (const c of touched) {
      this.count[c] = 0;
      this.distSum[c] = 0;
    }
    return best;
  }
}
