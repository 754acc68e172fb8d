/**
 * The allocator registry: an explicit map from name to factory. Add one line per allocator.
 */
import { SimError } from '../errors';
import type { MemoryBus } from '../bus';
import type { HeapSpan } from '../device';
import type { Allocator, AllocatorFactory, ParamSpace, Params, ParamValue } from './types';

export * from './types';

const FACTORIES: AllocatorFactory[] = [
  // registry: one line per allocator (keep this comment; helpers add lines below it)
  require('./dlmalloc').dlmallocFactory as AllocatorFactory,
  require('./uclibc').uclibcFactory as AllocatorFactory,
  require('./heap4').heap4Factory as AllocatorFactory,
  require('./heap5').heap5Factory as AllocatorFactory,
  require('./rmalloc').rmallocFactory as AllocatorFactory,
  require('./rmalloc-gen').rmallocGenFactory as AllocatorFactory,
  require('./umm').ummFactory as AllocatorFactory,
  require('./first-fit').firstFitFactory as AllocatorFactory,
  require('./next-fit').nextFitFactory as AllocatorFactory,
  require('./best-fit').bestFitFactory as AllocatorFactory,
  require('./buddy').buddyFactory as AllocatorFactory,
  require('./slab').slabFactory as AllocatorFactory,
  require('./tlsf').tlsfFactory as AllocatorFactory,
];

export const registry: ReadonlyMap<string, AllocatorFactory> = new Map(FACTORIES.map((f) => [f.name, f]));

export function allocatorNames(): string[] {
  return [...registry.keys()];
}

export function getFactory(name: string): AllocatorFactory {
  // C allocators (src/wasm): built by the CLI before any command runs, found here by name.
  const f = registry.get(name) ?? (require('../wasm') as typeof import('../wasm')).cAllocatorFactory(name);
  if (!f) throw new SimError('ALLOCATOR_UNKNOWN', `unknown allocator "${name}"; known: ${allocatorNames().join(', ')}`);
  return f;
}

/**
 * Resolves parameters with precedence flag > device profile > default, checking names and types.
 */
export function resolveParams(f: AllocatorFactory, fromDevice: Params | undefined, fromFlags: Params | undefined): Params {
  const out: Params = {};
  for (const p of f.params) out[p.name] = p.default;
  for (const [src, given] of [['device profile', fromDevice], ['command line', fromFlags]] as const) {
    if (!given) continue;
    for (const [k, v] of Object.entries(given)) {
      const spec = f.params.find((p) => p.name === k);
      if (!spec)
        throw new SimError(
          'ALLOCATOR_PARAM',
          `${src}: allocator ${f.name} has no parameter "${k}"${f.params.length ? `; it has: ${f.params.map((p) => p.name).join(', ')}` : ''}`,
        );
      out[k] = coerce(f.name, spec.name, spec.default, spec.choices, v, src);
    }
  }
  return out;
}

function coerce(alloc: string, name: string, def: ParamValue, choices: readonly string[] | undefined, v: ParamValue, src: string): ParamValue {
  const bad = (why: string): never => {
    throw new SimError('ALLOCATOR_PARAM', `${src}: ${alloc} parameter ${name}=${String(v)}: ${why}`);
  };
  if (typeof def === 'number') {
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n)) bad('expected a number');
    return n;
  }
  if (typeof def === 'boolean') {
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    return bad('expected true or false');
  }
  const s = String(v);
  if (choices && !choices.includes(s)) bad(`expected one of ${choices.join(', ')}`);
  return s;
}

/** Creates an allocator on `bus` over `heaps` (all of them if multi-heap, else the first). */
export function createAllocator(
  name: string,
  bus: MemoryBus,
  heaps: readonly HeapSpan[],
  alignment: number,
  params: Params,
): Allocator {
  const f = getFactory(name);
  return f.create({ bus, heaps: f.multiHeap ? heaps : heaps.slice(0, 1), alignment, params });
}

/** A parameter's tune space in one short phrase ("-" when it is not tuned). */
export function describeSpace(s: ParamSpace | undefined): string {
  if (!s) return '-';
  switch (s.kind) {
    case 'choice':
      return s.values.map(String).join('|');
    case 'int':
      return `${s.min}..${s.max}${s.step && s.step !== 1 ? ` step ${s.step}` : ''}`;
    case 'pow2':
      return `${s.min}..${s.max} (powers of 2)`;
    case 'sizeList':
      return `1-${s.maxCount} sizes in ${s.min}..${s.max}`;
  }
}
