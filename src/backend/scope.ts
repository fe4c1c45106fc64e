// Deterministic tensor lifetime: tidy() disposes every tensor created inside it except what
// it returns or what was keep()-ed. Tensors made outside any scope are the caller's to
// dispose (the GC frees them too, eventually, and V8 is told their size).
import { native } from './native.js';

export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];

/** Registers a new tensor with the innermost open scope. Called by the Tensor constructor. */
export function track(t: Disposable): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Takes a tensor out of every open scope, so no tidy() disposes it. */
export function keep<T extends Disposable>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function isDisposable(v: unknown): v is Disposable {
  return typeof v === 'object' && v !== null && typeof (v as Disposable).dispose === 'function' && 'isDisposed' in v;
}

/** Every tensor reachable in a result: a tensor, or arrays and plain objects of them. */
function collect(v: unknown, out: Set<Disposable>, depth = 0): void {
  if (depth > 8 || v === null || typeof v !== 'object') return;
  if (isDisposable(v)) {
    out.add(v);
    return;
  }
  if (Array.isArray(v)) {
    for (const x of v) collect(x, out, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(v) === Object.prototype || v instanceof Map) {
    for (const x of v instanceof Map ? v.values() : Object.values(v)) collect(x, out, depth + 1);
  }
}

/**
 * Runs fn and disposes the tensors it created, except those in its result, which move to
 * the enclosing scope. fn must be synchronous.
 * @example const loss = tidy(() => crossEntropy(model.forward(x), y));
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new Error(
      'tidy() needs a synchronous function: tensors created after an await cannot be tracked. Use tidy() inside the async code instead.',
    );
  }
  const out = new Set<Disposable>();
  collect(result, out);
  for (const t of scope) {
    if (out.has(t)) track(t);
    else t.dispose();
  }
  return result;
}

/** Disposes every tensor in a value (a tensor, or arrays and plain objects of them). */
export function dispose(v: unknown): void {
  const all = new Set<Disposable>();
  collect(v, all);
  for (const t of all) t.dispose();
}

/** Number of tensor handles alive right now (created and not yet disposed or collected). */
export function liveTensors(): number {
  return native.liveTensors();
}
