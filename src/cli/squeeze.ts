/**
 * `rmalloc-sim squeeze -d D [-a A ...] [-t T ...] [--mix T1,T2 ...]`: how each allocator fails
 * as the heap shrinks (src/study/squeeze.ts). Prints one line per allocator per trace (or the
 * whole ladder with --detail, or JSON / CSV); --svg F writes the chart of failures against
 * heap size; --json F / --csv F write those reports too (each whole or not at all).
 *
 * Default NULL handling here is `compact`: a moving allocator compacts before a failure reaches
 * the program (the others behave as under `fail`), so the table shows what compaction saves.
 *
 * Exit 0; 1 when an allocator crashed or violated an invariant; 2 for bad input.
 */
import type { Argv, CommandModule } from 'yargs';
import { getFactory } from '../alloc';
import { loadDevice } from '../device';
import { SimError } from '../errors';
import { stringify, writeFileAtomic } from '../report';
import { squeezeCsv, squeezeDetailTable, squeezeTable } from '../report/squeeze';
import { renderSqueezeChart } from '../report/squeeze-svg';
import { parseHeaps, runSqueeze, SQUEEZE_STEPS } from '../study/squeeze';
import type { SqueezeOptions } from '../study/squeeze';
import { loadMix } from '../trace';
import type { PackedTrace } from '../trace';
import { handler } from './common';
import { loadTraces, MIN_HEAP_TOLERANCE, resolveAllocators } from './compare';
import {
  Progress, allocatorsOption, deviceOption, jobsOption, outputTarget, parseFormat, parseJobs, parseReplayFlags, replayOptions, tracesOption,
} from './options';

interface Args {
  device: string;
  allocator?: string[];
  trace?: string[];
  mix?: string[];
  heaps?: string;
  steps?: number;
  oom?: string;
  locks?: string;
  param?: string[];
  seed?: number;
  check?: boolean;
  jobs?: number;
  format?: string;
  json?: string;
  csv?: string;
  svg?: string;
  detail?: boolean;
}

/** `--mix` values as traces (each value one mix of two or more files). */
export async function loadMixes(specs: string[] | undefined, seed: number): Promise<PackedTrace[]> {
  const out: PackedTrace[] = [];
  for (const s of specs ?? []) out.push(await loadMix(s, { seed }));
  return out;
}

export function mixOption<T>(y: Argv<T>) {
  return y.option('mix', {
    type: 'string',
    array: true,
    describe: 'programs sharing one heap: T1,T2,... interleaved into one trace (by op count, seeded by --seed); repeatable',
  });
}

async function squeezeHandler(args: Args): Promise<number> {
  const format = parseFormat(args.format);
  const json = outputTarget(args.json);
  const csv = outputTarget(args.csv);
  const svg = outputTarget(args.svg);
  const toStdout = [json, csv, svg].filter((x) => x === 'stdout').length;
  if (toStdout > 1) throw new SimError('USAGE', 'only one of --json, --csv and --svg can go to stdout');
  const flags = parseReplayFlags({ ...args, oom: args.oom ?? 'compact' });
  const ladder = args.heaps !== undefined ? parseHeaps(String(args.heaps)) : undefined;
  const steps = args.steps ?? SQUEEZE_STEPS;
  if (!Number.isInteger(steps) || steps < 2 || steps > 100) throw new SimError('USAGE', `--steps: "${String(args.steps)}" is not an integer from 2 to 100`);

  const dev = loadDevice(args.device);
  const allocs = resolveAllocators(dev, args.allocator, flags.params).map((a) => {
    const f = getFactory(a.name);
    return { ...a, moving: f.moving, multiHeap: f.multiHeap && dev.heaps.length > 1 };
  });
  const mixes = await loadMixes(args.mix, flags.seed);
  const traces = [...(args.trace?.length || mixes.length === 0 ? await loadTraces(args.trace) : []), ...mixes];

  const { params: _p, ...rest } = flags;
  const run = { ...rest, oom: flags.oom ?? 'compact' };
  const progress = new Progress('squeeze');
  const o: SqueezeOptions = {
    device: dev, allocators: allocs, traces, run, steps, minHeapTolerance: MIN_HEAP_TOLERANCE, jobs: parseJobs(args.jobs),
    onProgress: (d, t) => progress.update(d, t),
  };
  if (ladder) o.ladder = ladder;
  const { report, failures } = await runSqueeze(o).finally(() => progress.stop());

  if (json && json !== 'stdout') writeFileAtomic(json.file, stringify(report));
  if (csv && csv !== 'stdout') writeFileAtomic(csv.file, squeezeCsv(report));
  if (svg && svg !== 'stdout') writeFileAtomic(svg.file, renderSqueezeChart(report));
  const style = { color: process.stdout.isTTY === true };
  if (json === 'stdout' || (format === 'json' && toStdout === 0)) process.stdout.write(stringify(report));
  else if (csv === 'stdout' || (format === 'csv' && toStdout === 0)) process.stdout.write(squeezeCsv(report));
  else if (svg === 'stdout') process.stdout.write(renderSqueezeChart(report));
  else process.stdout.write(args.detail ? squeezeDetailTable(report, style) : squeezeTable(report, style));

  for (const f of failures) process.stderr.write(`rmalloc-sim: ${f} (ALLOCATOR_FAILED)\n`);
  return failures.length > 0 ? 1 : 0;
}

function builder<T>(y: Argv<T>) {
  return mixOption(jobsOption(replayOptions(tracesOption(allocatorsOption(deviceOption(y))))))
    .option('heaps', {
      type: 'string',
      describe: 'heap sizes to try, for every allocator: a list (64KiB,96KiB) or FROM:TO:STEP; default: per allocator, ' +
        `${SQUEEZE_STEPS} sizes from its min heap (then 90 % of it) down to 90 % of peak live`,
    })
    .option('steps', { type: 'number', describe: `sizes in the default ladder (default ${SQUEEZE_STEPS})` })
    .option('format', { alias: 'f', type: 'string', default: 'table', describe: 'stdout format: table | json | csv' })
    .option('detail', { type: 'boolean', default: false, describe: 'table: every heap size of every allocator instead of one line each' })
    .option('json', { type: 'string', describe: 'also write the squeeze JSON to this file ("-": stdout)' })
    .option('csv', { type: 'string', describe: 'also write every heap size as CSV to this file ("-": stdout)' })
    .option('svg', { type: 'string', describe: 'write the chart of failures against heap size to this SVG file ("-": stdout)' })
    .option('oom', {
      type: 'string',
      default: 'compact',
      describe: 'what the program does after a failed allocation: fail (drop the object) | compact (moving allocators compact first; default) | release (free the oldest objects and retry) | abort',
    });
}

export const squeezeCommand: CommandModule<object, Args> = {
  command: 'squeeze',
  describe: 'how each allocator fails as the heap shrinks: failures, fragmentation vs exhaustion, first failure, per heap size',
  builder: builder as unknown as CommandModule<object, Args>['builder'],
  handler: handler(squeezeHandler),
};
