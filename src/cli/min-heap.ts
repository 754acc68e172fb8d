/**
 * `rmalloc-sim min-heap --device D --allocator A --trace F`: the smallest heap in which the
 * trace runs with zero OOMs, beside peak live, the ideal footprint and Robson's bound. The
 * search may go past the device's RAM (a what-if, marked "does not fit on this device").
 *
 * --allocator and --trace may be repeated (or --trace may name a folder): the searches then run
 * on the worker pool, one per trace × allocator, and the JSON is { schema, results: [...] }.
 * With one of each the JSON is the min-heap object of design §9 itself.
 */
import { SimError } from '../errors';
import type { CommandModule } from 'yargs';
import { heapSpans, loadDevice } from '../device';
import { minHeapJson, minHeapText, stringify, writeFileAtomic, SCHEMA } from '../report';
import { type MinHeapResult, runJobs, type Job } from '../sim';
import { handler } from './common';
import { loadStudyTraces, resolveAllocators, skippedLines } from '../study';
import { warnPointerSizes } from '../trace';
import type { SimArgs } from './options';
import { reportSkipped } from './trace';
import {
  deviceOption, jobsOption, list, outputTarget, parseJobs, parseReplayFlags, parseSample, Progress, replayOptions,
} from './options';

async function minHeapHandler(args: SimArgs): Promise<number> {
  const flags = parseReplayFlags(args);
  const params = flags.params;
  const sample = parseSample(args.sample);
  const jobsN = parseJobs(args.jobs);
  const json = outputTarget(args.json);
  const tolRaw = args.tolerance;
  const tolerance = tolRaw === undefined ? 0 : Number(tolRaw) / 100;
  if (!(tolerance >= 0 && tolerance < 0.5)) throw new SimError('USAGE', `--tolerance: "${String(tolRaw)}" is not a percentage between 0 and 50`);

  const dev = loadDevice(args.device);
  heapSpans(dev);
  const allocs = resolveAllocators(dev, list(args.allocator), params, flags.oom);
  const traces = await loadStudyTraces(list(args.trace), { strict: args.strict === true });
  for (const s of skippedLines(traces)) reportSkipped(s.file, s.skipped);
  warnPointerSizes(traces, dev);

  const jobs: Job[] = [];
  traces.forEach((_, ti) => {
    for (const a of allocs) {
      const cfg: Job['cfg'] = {
        device: dev, allocator: a.name, ...flags, oom: a.oom, params: a.params, series: false,
      };
      if (sample !== undefined) cfg.sample = sample;
      jobs.push({ kind: 'minHeap', trace: ti, cfg, tolerance });
    }
  });
  const progress = new Progress('min-heap');
  const outcomes = await runJobs(traces, jobs, { threads: jobsN, onProgress: (d, t) => progress.update(d, t) });
  progress.stop();
  const results: MinHeapResult[] = [];
  for (const o of outcomes) {
    if (!o.ok) throw o.error;
    if (o.kind !== 'minHeap') throw new Error('min-heap job returned a run');
    results.push(o.value);
  }

  const single = results.length === 1;
  const text = (): string => stringify(single ? minHeapJson(results[0]!) : { schema: SCHEMA, results: results.map(minHeapJson) });
  if (json && json !== 'stdout') writeFileAtomic(json.file, text());
  if (json === 'stdout') process.stdout.write(text());
  else process.stdout.write(results.map(minHeapText).join('\n'));
  return 0;
}

export const minHeapCommand: CommandModule<object, SimArgs> = {
  command: 'min-heap',
  describe: 'find the smallest heap with zero OOMs for an allocator and a trace (bisection, then verified)',
  builder: (y) =>
    jobsOption(replayOptions(deviceOption(y)))
      .option('allocator', { alias: 'a', type: 'string', array: true, demandOption: true, describe: 'allocator(s) (repeatable)' })
      .option('trace', { alias: 't', type: 'string', array: true, demandOption: true, describe: 'trace file(s) or folder(s) (repeatable)' })
      .option('tolerance', {
        type: 'number',
        describe: 'stop bisecting within this many percent of the answer (e.g. 0.5; the answer stays a verified clean size); default 0: exact',
      })
      .option('json', { type: 'string', describe: 'print the min-heap JSON instead of the summary (or write it to this file)' }) as never,
  handler: handler(minHeapHandler),
};
