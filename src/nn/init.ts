// Weight initialisers, in place and seeded, matching torch.nn.init.
import { noGrad, normal, uniform, type Generator, type Tensor } from '../backend/index.js';

/** fan_in of a conv weight [out, in, kh, kw] or a linear weight [out, in]. */
export function fanIn(shape: number[]): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

function fill(t: Tensor, src: Tensor): void {
  noGrad(() => t.copy_(src));
  src.dispose();
}

/** kaiming_normal_(mode='fan_in', nonlinearity='relu'): N(0, 2/fan_in). */
export function kaimingNormal(t: Tensor, gen?: Generator): void {
  const std = Math.sqrt(2 / fanIn(t.shape));
  fill(
    t,
    normal(
      t.shape,
      0,
      std,
      gen ? { generator: gen, dtype: t.dtype, device: t.device } : { dtype: t.dtype, device: t.device },
    ),
  );
}

/** U(±1/√fan_in): torch's default Linear/Conv init, i.e. kaiming_uniform_(a=√5), and its bias init. */
export function uniformFanIn(t: Tensor, fan: number, gen?: Generator): void {
  const b = 1 / Math.sqrt(fan);
  fill(
    t,
    uniform(
      t.shape,
      -b,
      b,
      gen ? { generator: gen, dtype: t.dtype, device: t.device } : { dtype: t.dtype, device: t.device },
    ),
  );
}
