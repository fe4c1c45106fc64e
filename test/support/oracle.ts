// The PyTorch oracle for differential tests: spawns Debian's python (which has torch 1.13)
// on test/oracle/ops.py once per batch of cases, and compares arrays with a tolerance.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's python3-torch; the first python3 on PATH may not have torch. */
export const PYTHON = '/usr/bin/python3';

export type Num = number | string; // non-finite numbers and -0 travel as 'nan', 'inf', '-inf', '-0'

/** `layout` (4-D tensors only): [dense in NCHW order, dense in NHWC (channels_last) order]. */
export interface OracleTensor {
  shape: number[];
  dtype: string;
  data: number[];
  layout?: [boolean, boolean];
}
export interface OracleInput {
  shape: number[];
  dtype: string;
  data: number[];
  requiresGrad?: boolean;
  memoryFormat?: 'channels_last';
}
export interface OracleCase {
  op: string;
  inputs: OracleInput[];
  params?: Record<string, unknown>;
  /** Upstream gradient for outputs[0]; grads are d sum(outputs[0] * gradOut) / d input. */
  gradOut?: { shape: number[]; data: number[] };
}
export interface OracleResult {
  outputs: OracleTensor[];
  /** One slot per input: null where the input does not require grad (or got no gradient). */
  grads?: (OracleTensor | null)[];
  error?: string;
}

/**
 * The repository root. The compiled helper lives at dist/test/support/oracle.js, three levels
 * below it; rather than trusting the depth, walk up to the folder holding the oracle script.
 */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'test', 'oracle', 'ops.py')) && existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`cannot find test/oracle/ops.py above ${fileURLToPath(import.meta.url)}`);
}

export const ORACLE_SCRIPT = join(repoRoot(), 'test', 'oracle', 'ops.py');

// JSON.stringify writes -0 as 0 and NaN/±Infinity as null, so those travel as strings.
const encNum = (v: number): Num =>
  Object.is(v, -0) ? '-0' : Number.isFinite(v) ? v : Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
const decNum = (v: Num): number =>
  typeof v === 'number'
    ? v
    : v === 'nan'
      ? NaN
      : v === 'inf'
        ? Infinity
        : v === '-inf'
          ? -Infinity
          : v === '-0'
            ? -0
            : NaN;

/** Plain numbers from any typed array (bigints and bools included), for the request. */
export function numbers(a: ArrayLike<number | bigint>): number[] {
  return Array.from(a, (v) => Number(v));
}

/** Params may hold special numbers too (e.g. a scalar operand of -0). */
function encodeParams(v: unknown): unknown {
  if (typeof v === 'number') return encNum(v);
  if (Array.isArray(v)) return v.map(encodeParams);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeParams(x)]));
  return v;
}

function encodeCase(c: OracleCase): unknown {
  return {
    op: c.op,
    params: encodeParams(c.params ?? {}),
    inputs: c.inputs.map((i) => ({ ...i, data: i.data.map(encNum) })),
    ...(c.gradOut ? { gradOut: { shape: c.gradOut.shape, data: c.gradOut.data.map(encNum) } } : {}),
  };
}

function decodeTensor(t: { shape: number[]; dtype: string; data: Num[] }): OracleTensor {
  return { shape: t.shape, dtype: t.dtype, data: t.data.map(decNum) };
}

/** Runs every case in one python process; results are in the cases' order. */
export function runOracle(cases: OracleCase[]): Promise<OracleResult[]> {
  return new Promise((resolve, reject) => {
    const py = spawn(PYTHON, [ORACLE_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    py.stdout.on('data', (b: Buffer) => out.push(b));
    py.stderr.on('data', (b: Buffer) => err.push(b));
    py.on('error', (e) => reject(new Error(`cannot run ${PYTHON} ${ORACLE_SCRIPT}: ${e.message}`)));
    py.on('close', (code) => {
      const stderr = Buffer.concat(err).toString();
      if (code !== 0) {
        reject(new Error(`oracle exited with code ${code}:\n${stderr}`));
        return;
      }
      try {
        const raw = JSON.parse(Buffer.concat(out).toString()) as {
          outputs?: { shape: number[]; dtype: string; data: Num[] }[];
          grads?: ({ shape: number[]; dtype: string; data: Num[] } | null)[];
          error?: string;
        }[];
        if (raw.length !== cases.length) throw new Error(`oracle answered ${raw.length} cases for ${cases.length}`);
        resolve(
          raw.map((r) => ({
            outputs: (r.outputs ?? []).map(decodeTensor),
            ...(r.grads ? { grads: r.grads.map((g) => (g ? decodeTensor(g) : null)) } : {}),
            ...(r.error !== undefined ? { error: r.error } : {}),
          })),
        );
      } catch (e) {
        reject(new Error(`oracle output is not valid: ${(e as Error).message}\n${stderr}`));
      }
    });
    py.stdin.on('error', () => {
      /* reported through 'close' */
    });
    py.stdin.end(JSON.stringify(cases.map(encodeCase)));
  });
}

export interface Tolerance {
  rtol: number;
  atol: number;
}

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| elementwise (NaN matches NaN,
 * infinities must match exactly; with rtol = atol = 0, -0 and +0 must match too). On failure the message names the worst element: its
 * index, both values, and how far past the tolerance it is.
 */
export function assertClose(
  actual: ArrayLike<number | bigint>,
  expected: ArrayLike<number | bigint>,
  tol: Tolerance,
  label: string,
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: ${actual.length} elements, expected ${expected.length}`);
  }
  let worst = -1;
  let worstExcess = 0;
  let worstErr = 0;
  let bad = 0;
  const exact = tol.rtol === 0 && tol.atol === 0;
  for (let i = 0; i < actual.length; i++) {
    const a = Number(actual[i]);
    const e = Number(expected[i]);
    let err: number;
    let excess: number;
    if (exact && a === 0 && e === 0) {
      // an exact comparison also tells -0 from +0 (they differ in bits, and in 1/x)
      err = Object.is(a, e) ? 0 : Infinity;
      excess = err;
    } else if (Number.isNaN(e) || Number.isNaN(a) || !Number.isFinite(e) || !Number.isFinite(a)) {
      const same = Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e));
      err = same ? 0 : Infinity;
      excess = same ? 0 : Infinity;
    } else {
      err = Math.abs(a - e);
      const allowed = tol.atol + tol.rtol * Math.abs(e);
      excess = err > allowed ? (allowed > 0 ? err / allowed : Infinity) : 0;
    }
    if (excess > 0) {
      bad++;
      if (worst < 0 || excess > worstExcess || (excess === worstExcess && err > worstErr)) {
        worst = i;
        worstExcess = excess;
        worstErr = err;
      }
    }
  }
  if (bad > 0) {
    const a = Number(actual[worst]);
    const e = Number(expected[worst]);
    const fmt = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
    throw new Error(
      `${label}: ${bad}/${actual.length} elements outside rtol=${tol.rtol} atol=${tol.atol}; ` +
        `worst at [${worst}]: got ${fmt(a)}, expected ${fmt(e)} (|diff| ${Math.abs(a - e)}, ${worstExcess.toPrecision(3)}x the tolerance)`,
    );
  }
}

/** The largest |actual - expected| (for reporting how close an exact comparison came). */
export function maxAbsDiff(actual: ArrayLike<number | bigint>, expected: ArrayLike<number | bigint>): number {
  let m = 0;
  for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
    const a = Number(actual[i]);
    const e = Number(expected[i]);
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    m = Math.max(m, Math.abs(a - e));
  }
  return m;
}
