// Gradients beyond Tensor.backward(): torch.autograd.grad (with create_graph for double
// backward, e.g. Hessian-vector products) and grad-mode switches.
import { native } from './native.js';
import type { Tensor } from './tensor.js';

export interface GradOptions {
  gradOutputs?: Tensor[];
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/** d(outputs)/d(inputs), one tensor per input (null where unused and allowUnused). */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor[], o: GradOptions = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  return native.grad(
    outs,
    inputs,
    o.gradOutputs ?? null,
    o.retainGraph ?? null,
    o.createGraph ?? false,
    o.allowUnused ?? false,
  ) as (Tensor | null)[];
}

/** Runs fn with a native switch set to `on`, then puts back what the switch was (set returns that). */
function withSwitch<T>(set: (on: boolean) => boolean, on: boolean, fn: () => T): T {
  const prev = set(on);
  try {
    return fn();
  } finally {
    set(prev);
  }
}

const gradSwitch = (on: boolean): boolean => native.setGradEnabled(on);

/** Runs fn with gradient recording off (as torch.no_grad). fn must be synchronous. */
export const noGrad = <T>(fn: () => T): T => withSwitch(gradSwitch, false, fn);

/** Runs fn with gradient recording on, even inside noGrad. */
export const enableGrad = <T>(fn: () => T): T => withSwitch(gradSwitch, true, fn);

export const isGradEnabled = (): boolean => native.isGradEnabled();

/**
 * Runs fn with convolutions whose second derivatives use oneDNN's kernels (CPU). libtorch 1.13
 * differentiates a convolution's backward partly through a transposed convolution that has no
 * oneDNN kernel; for graphs that will be differentiated twice (Hessian-vector products) this
 * computes the same derivatives 1.5-2x faster, equal to float rounding. Graphs built inside fn
 * keep the behaviour; first-order training does not need it and keeps libtorch's path.
 */
export const withHessianConvolutions = <T>(fn: () => T): T =>
  withSwitch((on) => native.setHessianConvolutions(on), true, fn);

/**
 * Runs fn under autocast, as torch.autocast(device, dtype): convolutions, linear layers and
 * matrix products run in `dtype` (bfloat16 or float16) while the parameters stay float32 and
 * receive float32 gradients; ops that need the range (losses, reductions) stay in float32.
 * Run the backward pass outside. fn must be synchronous.
 * @example const loss = withAutocast('bfloat16', 'cpu', () => crossEntropy(model.forward(x), y)); loss.backward();
 */
export function withAutocast<T>(dtype: 'bfloat16' | 'float16', device: string, fn: () => T): T {
  const kind = device.startsWith('cuda') ? 'cuda' : 'cpu';
  const [enabled, prevDtype] = native.autocastEnter(kind, dtype);
  try {
    return fn();
  } finally {
    native.autocastExit(kind, enabled, prevDtype);
  }
}
