/**
 * `rmalloc-sim soak [-a A ...] --ops N --seed S [--heap H] [--device D]`: long seeded random
 * runs under the engine's integrity check (src/sim/soak.ts): what each op touched after every
 * op, the whole heap every --check-every ops (default DEFAULT_CHECK_EVERY) and at the end. One line per
 * allocator; a violation prints the op, the segment and the allocator's blocks around it, and
 * exits 1. The same seed gives the same ops: the printed command reproduces a run.
 */
import type { Argv, CommandModule } from 'yargs';
import { allocatorNames, getFactory } from '../alloc';
import { heapSpans, loadDevice } from '../device';
import { SimError } from '../errors';
import { DEFAULT_CHECK_EVERY, soakAsync, SEGMENT_OPS, type SoakResult, type SoakSegment } from '../sim';
import { parseSize } from '../util';
import { handler } from './common';
import { deviceOption, parseCheckEvery } from './options';

interface Args {
  device: string;
  allocator?: string[];
  ops: string;
  seed?: string;
  heap: string;
  'check-every'?: number;
  json?: boolean;
}

/** `10M`, `250k`, `1000000` as an op count. */
export function parseOps(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(v.trim());
  const mult = m ? ({ '': 1, k: 1e3, m: 1e6, g: 1e9 } as Record<string, number>)[m[2]!.toLowerCase()]! : NaN;
  const n = m ? Math.round(Number(m[1]) * mult) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new SimError('USAGE', `--ops: "${v}" is not a positive op count (e.g. 100000, 250k, 10M)`);
  return n;
}

function line(r: SoakResult): string {
  const s = (r.wallMs / 1000).toFixed(1);
  const rate = r.wallMs > 0 ? Math.round(r.ops / (r.wallMs / 1000)) : 0;
  return `${r.allocator.padEnd(12)} ${String(r.ops).padStart(10)} ops  ${String(r.ooms).padStart(8)} OOMs  ${String(r.compactions).padStart(7)} compactions  ${r.violations} violations  ${s} s (${rate} ops/s)`;
}

async function soakHandler(args: Args): Promise<number> {
  const ops = parseOps(String(args.ops));
  const seed = args.seed === undefined ? (Date.now() % 1_000_000_007) >>> 0 : Number(args.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new SimError('USAGE', `--seed: "${String(args.seed)}" is not a non-negative integer`);
  const heapSize = parseSize(String(args.heap));
  if (heapSize === undefined || heapSize < 256) throw new SimError('USAGE', `--heap: "${String(args.heap)}" is not a size of at least 256 bytes`);
  const dev = loadDevice(args.device);
  heapSpans(dev, heapSize, false);
  const names = args.allocator?.length ? args.allocator : allocatorNames();
  for (const a of names) getFactory(a);
  const every = parseCheckEvery(args['check-every']);
  const checking = every === 1 ? 'the whole heap checked after every op' : `each op's blocks checked after it, the whole heap every ${every} ops`;
  process.stdout.write(`soak: ${ops} ops per allocator, seed ${seed}, heap ${heapSize} B on ${dev.name}; ${checking}\n`);
  let bad = 0;
  const results: SoakResult[] = [];
  for (const a of names) {
    // Runs of several segments report each segment on stderr as it ends (a long soak cut short
    // still shows how far it got).
    const onSegment = ops > SEGMENT_OPS
      ? (g: SoakSegment) => process.stderr.write(`${a} segment ${g.index}: ${g.ops} ops, ${g.ooms} OOMs, ${g.compactions} compactions, ${g.status}, ${(g.wallMs / 1000).toFixed(1)} s\n`)
      : undefined;
    // Async: the event loop gets turns, so Ctrl-C / SIGTERM stop a long soak at once (exit 130/143).
    const r = await soakAsync({ device: dev, allocator: a, ops, seed, heapSize, checkEvery: every, ...(onSegment ? { onSegment } : {}) });
    results.push(r);
    if (!args.json) process.stdout.write(line(r) + '\n');
    const v = r.segments.find((s) => s.violation);
    if (v?.violation) {
      bad++;
      process.stdout.write(
        `  VIOLATION in segment ${v.index} (seed ${v.seed}, oom ${v.oom}, compact-every ${v.compactEvery ?? 'off'}) at op ${v.violation.op}: ${v.violation.message}\n` +
          v.violation.blocks.map((b) => `    ${b}\n`).join('') +
          `  reproduce: rmalloc-sim soak -a ${a} --ops ${ops} --seed ${seed} --heap ${heapSize} --device ${dev.name} --check-every ${every}\n`,
      );
    }
  }
  if (args.json) process.stdout.write(JSON.stringify({ schema: 1, seed, ops, heapSize, device: dev.name, checkEvery: every, results }, null, 2) + '\n');
  return bad > 0 ? 1 : 0;
}

export const soakCommand: CommandModule<object, Args> = {
  command: 'soak',
  describe: 'long seeded random runs (alloc 1 B..heap/4, free, realloc, locks, compaction) under --check',
  builder: (y: Argv<object>) =>
    deviceOption(y)
      .option('allocator', { alias: 'a', type: 'string', array: true, describe: 'allocator(s) (default: every registered allocator)' })
      .option('ops', { type: 'string', default: '1M', describe: 'ops per allocator (e.g. 100000, 250k, 10M)' })
      .option('seed', { type: 'string', describe: 'seed of the workload (default: from the clock, printed)' })
      .option('heap', { type: 'string', default: '64KiB', describe: 'heap size (small heaps fill, fragment and run out often)' })
      .option('check-every', { type: 'number', default: DEFAULT_CHECK_EVERY, describe: 'the whole-heap check every N ops and at the end of each segment; what each op touched is checked after every op (1: the whole heap after every op)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the results as JSON' })
      .example('$0 soak -a rmalloc --ops 10M --seed 1', '10 million checked ops through rmalloc') as unknown as Argv<Args>,
  handler: handler(soakHandler),
};
