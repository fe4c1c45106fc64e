// Module: owns named parameters, buffers and child modules in registration order, so that
// names and order match torch's named_parameters()/state_dict() one to one.
import { keep, noGrad, type MemoryFormat, type Tensor } from '../backend/index.js';

export abstract class Module {
  training = true;
  private readonly ownParams = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  protected param(name: string, t: Tensor): Tensor {
    keep(t).requiresGrad = true;
    this.ownParams.set(name, t);
    return t;
  }
  protected buffer(name: string, t: Tensor): Tensor {
    this.ownBuffers.set(name, keep(t));
    return t;
  }
  protected child<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /** [name, parameter] in torch's named_parameters() order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this.ownParams) out.push([prefix + n, p]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** [name, tensor] in torch's state_dict() order: each module's parameters, then its buffers, then its children. */
  stateEntries(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this.ownParams) out.push([prefix + n, p]);
    for (const [n, b] of this.ownBuffers) out.push([prefix + n, b]);
    for (const [n, m] of this.children) out.push(...m.stateEntries(`${prefix}${n}.`));
    return out;
  }

  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix.replace(/\.$/, ''), this]];
    for (const [n, m] of this.children) out.push(...m.namedModules(`${prefix}${n}.`));
    return out;
  }

  /** The module that directly owns each parameter, by full parameter name. */
  parameterOwners(): Map<string, Module> {
    const out = new Map<string, Module>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [n] of m.ownParams) out.set(prefix ? `${prefix}.${n}` : n, m);
    }
    return out;
  }

  train(on = true): this {
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /** Sets every gradient to none (torch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Copies values into this module's tensors by name; names and shapes must match exactly. */
  loadState(entries: Map<string, Tensor>): void {
    const own = this.stateEntries();
    const missing = own.filter(([n]) => !entries.has(n)).map(([n]) => n);
    const extra = [...entries.keys()].filter((n) => !own.some(([m]) => m === n));
    if (missing.length > 0 || extra.length > 0) {
      throw new Error(
        `state does not match the model: missing ${missing.slice(0, 5).join(', ') || 'none'}; unexpected ${extra.slice(0, 5).join(', ') || 'none'}`,
      );
    }
    noGrad(() => {
      for (const [n, t] of own) {
        const src = entries.get(n) as Tensor;
        if (src.shape.join(',') !== t.shape.join(',')) {
          throw new Error(`state entry ${n}: expected shape [${t.shape.join(',')}], got [${src.shape.join(',')}]`);
        }
        t.copy_(src);
      }
    });
  }

  /**
   * Lays every 4-d parameter and buffer (the conv weights) out in `format`, as torch's
   * module.to(memory_format=…); names, shapes, values and saved checkpoints stay the same.
   */
  setMemoryFormat(format: MemoryFormat): this {
    for (const [, t] of this.stateEntries()) if (t.ndim === 4) t.setMemoryFormat_(format);
    return this;
  }

  /** Frees every parameter and buffer. */
  dispose(): void {
    for (const [, t] of this.stateEntries()) t.dispose();
  }
}
