// Seeds for independent random streams, derived from (seed, purpose, generation, epoch, …),
// so adding draws in one place never shifts another, and a resumed run can rebuild any
// stream from its coordinates alone.

const MASK64 = (1n << 64n) - 1n;

function splitmix64(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/**
 * A 53-bit seed for the stream named by `parts` under `seed`.
 * @example new Generator(deriveSeed(0, 'shuffle', generation, epoch))
 */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  let h = splitmix64(BigInt(Math.trunc(seed)) & MASK64);
  for (const p of parts) {
    if (typeof p === 'number') {
      h = splitmix64(h ^ (BigInt(Math.trunc(p)) & MASK64));
    } else {
      for (let i = 0; i < p.length; i++) h = splitmix64(h ^ BigInt(p.charCodeAt(i)));
      h = splitmix64(h ^ 0xffn);
    }
  }
  return Number(h & ((1n << 53n) - 1n));
}
