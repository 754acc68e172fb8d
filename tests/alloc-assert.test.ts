/**
 * Step assertions (src/alloc/assert.ts): with AllocatorContext.check they catch misuse at the
 * step that meets it and check() reports it; without, they are not evaluated and the simulated
 * cycles of an operation are the same either way.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getFactory, resolveParams, type Allocator } from '../src/alloc';
import { MemoryBus } from '../src/bus';
import { heapSpans, loadDevice } from '../src/device';

function make(name: string, check: boolean): { bus: MemoryBus; a: Allocator } {
  const dev = loadDevice('nds');
  const heaps = heapSpans(dev, 64 * 1024, true);
  const bus = new MemoryBus(dev, heaps);
  const f = getFactory(name);
  return { bus, a: f.create({ bus, heaps, alignment: dev.alignment, params: resolveParams(f, dev.allocators?.[name], {}), check }) };
}

for (const [name, step] of [['dlmalloc', 'dispose'], ['slab', 'free']] as const) {
  test(`${name}: a double free is reported by the ${step} step under check`, () => {
    const { a } = make(name, true);
    const p = a.alloc(40);
    a.alloc(40);
    a.free(p);
    assert.equal(a.check(), []);
    try {
      a.free(p);
    } catch {
      // the allocator may also fail on the corrupted state; the assertion came first
    }
    const v = a.check();
    assert.ok(v.some((m) => m.startsWith(`${name} assertion: ${step}`)), v.join('\n'));
  });

  test(`${name}: assertions off or on, the same cycles`, () => {
    const run = (check: boolean) => {
      const { bus, a } = make(name, check);
      const hs = [10, 100, 1000, 24, 3000].map((n) => a.alloc(n));
      a.free(hs[1]!);
      a.free(hs[3]!);
      a.realloc(hs[0]!, 500);
      a.alloc(90);
      return bus.cycles;
    };
    assert.is(run(true), run(false));
  });
}

test.run();
