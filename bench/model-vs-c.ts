/**
 * Model against real code, access for access (bench/alloc-cycles.md, part 3): replays one trace
 * on the nds through each allocator given (a built-in name, optionally `name:key=value,...`, or
 * a C file with a shim exposing rsim_init/rsim_malloc/rsim_free[/rsim_realloc], built by the
 * C-allocator support) and prints, per call kind, the mean heap reads + writes and statics
 * reads + writes per call, from the bus counters around every alloc, free and realloc.
 *
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node bench/model-vs-c.ts --trace T --heap BYTES \
 *     [--cflags "-DNDEBUG"] ALLOC...
 *
 * Not run by `make bench` (not a *.bench.ts): the C sources it compares against are third-party
 * code that is not in the repository.
 */
import { loadDevice } from '../src/device';
import { loadTrace } from '../src/trace';
import { getFactory } from '../src/alloc';
import type { Allocator, AllocatorFactory, Params } from '../src/alloc';
import { prepareCAllocators } from '../src/wasm';
import { replay } from '../src/sim';
import { argOf } from './util';

interface Tally {
  n: number;
  hr: number;
  hw: number;
  sr: number;
  sw: number;
}

/** A factory whose allocators add the bus counters' change over each call to `acc`. */
function counting(f: AllocatorFactory, acc: Map<string, Tally>): AllocatorFactory {
  return {
    ...f,
    create(ctx) {
      const a: Allocator = f.create(ctx);
      const bus = ctx.bus;
      const wrap = <A extends unknown[], R>(kind: string, fn: (...args: A) => R) => (...args: A): R => {
        const r0 = bus.reads, w0 = bus.writes, s0 = bus.staticReads, t0 = bus.staticWrites;
        const r = fn.apply(a, args);
        let t = acc.get(kind);
        if (!t) acc.set(kind, (t = { n: 0, hr: 0, hw: 0, sr: 0, sw: 0 }));
        t.n++;
        t.hr += bus.reads - r0;
        t.hw += bus.writes - w0;
        t.sr += bus.staticReads - s0;
        t.sw += bus.staticWrites - t0;
        return r;
      };
      a.alloc = wrap('malloc', a.alloc);
      a.free = wrap('free', a.free);
      a.realloc = wrap('realloc', a.realloc);
      return a;
    },
  };
}

async function main(): Promise<void> {
  const tracePath = argOf('--trace');
  const heap = Number(argOf('--heap') ?? 134144);
  if (!tracePath) throw new Error('usage: model-vs-c.ts --trace T [--heap BYTES] [--cflags F] ALLOC...');
  const skip = new Set(['--trace', '--heap', '--cflags']);
  const specs = process.argv.slice(2).filter((x, i, all) => !skip.has(x) && !skip.has(all[i - 1] ?? ''));
  const dev = loadDevice('nds');
  const trace = await loadTrace(tracePath);
  const cs = specs.filter((s) => /\.c$/.test(s));
  if (cs.length) await prepareCAllocators(cs, argOf('--cflags') ?? '-DNDEBUG');
  console.log(`${trace.info.name}: ${trace.ops.n} ops, nds, heap ${heap} bytes; per call: heap reads + writes | statics reads + writes | total`);
  console.log('| allocator | op | calls | heap | statics | total |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const spec of specs) {
    const [name, kv] = spec.split(':') as [string, string | undefined];
    const params: Params = kv ? Object.fromEntries(kv.split(',').map((x) => x.split('=') as [string, string])) : {};
    const acc = new Map<string, Tally>();
    const r = replay(trace, { device: dev, allocator: name, factory: counting(getFactory(name), acc), params, heapSize: heap, whatIf: true, oom: 'fail', series: false });
    for (const [kind, t] of acc) {
      const m = (x: number) => (x / t.n).toFixed(2);
      console.log(`| ${spec.split('/').pop()} (${r.summary.ooms} OOMs) | ${kind} | ${t.n} | ${m(t.hr)} + ${m(t.hw)} | ${m(t.sr)} + ${m(t.sw)} | ${m(t.hr + t.hw + t.sr + t.sw)} |`);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
