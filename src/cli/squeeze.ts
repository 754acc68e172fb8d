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
import { SimError } from '../errors';
import { stringify, writeFileAtomic, squeezeCsv, squeezeDetailTable, squeezeTable, renderSqueezeChart } from '../report';
import { parseHeaps, runSqueeze, SQUEEZE_STEPS } from '../study/squeeze';
import type { SqueezeOptions } from '../study/squeeze';
import { handler } from './common';
import { studySpec, warnStudy } from './compare';
import {
  Progress, allocatorsOption, deviceOption, jobsOption, loadMixes, mixOption, outputTarget, parseFormat, replayOptions, tracesOption,
} from './options';
import type { SimArgs } from './options';

type Args = SimArgs & { heaps?: string; steps?: number; detail?: boolean };

async function squeezeHandler(args: Args): Promise<number> {
  const format = parseFormat(args.format);
  const json = outputTarget(args.json);
  const csv = outputTarget(args.csv);
  const svg = outputTarget(args.svg);
  const toStdout = [json, csv, svg].filter((x) => x === 'stdout').length;
  if (toStdout > 1) throw new SimError('USAGE', 'only one of --json, --csv and --svg can go to stdout');
  const ladder = args.heaps !== undefined ? parseHeaps(String(args.heaps)) : undefined;
  const steps = args.steps ?? SQUEEZE_STEPS;
  if (!Number.isInteger(steps) || steps < 2 || steps > 100) throw new SimError('USAGE', `--steps: "${String(args.steps)}" is not an integer from 2 to 100`);

  // The study's spec (the same parsing as compare), its traces then its mixes.
  const { series: _s, minHeap: _m, goal: _g, progress: _p, ...spec } = studySpec(args, { series: false });
  const progress = new Progress('squeeze');
  const o: SqueezeOptions = { ...spec, mixes: await loadMixes(args.mix, spec.seed), steps, onProgress: (d, t) => progress.update(d, t) };
  if (ladder) o.ladder = ladder;
  const { report, failures, study } = await runSqueeze(o).finally(() => progress.stop());
  warnStudy(study);

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
      describe: 'what the program does after a failed allocation: fail (drop the object) | compact (moving allocators compact first; default, as in compare) | release (free the oldest objects and retry) | abort',
    });
}

export const squeezeCommand: CommandModule<object, Args> = {
  command: 'squeeze',
  describe: 'how each allocator fails as the heap shrinks: failures, fragmentation vs exhaustion, first failure, per heap size',
  builder: builder as unknown as CommandModule<object, Args>['builder'],
  handler: handler(squeezeHandler),
};
