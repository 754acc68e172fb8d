/**
 * `rmalloc-sim run --device D --allocator A --trace F`: one replay in this thread. Prints a human
 * summary on stdout (or the run JSON / series CSV with `--json` / `--csv` and no file name);
 * `--json F`, `--csv F`, `--svg F` write report files whole or not at all.
 *
 * Exit 0; 1 on an integrity violation, or with --fail-on-oom when an allocation failed (OOMs
 * that compaction recovered do not count); 2 for bad input.
 */
import type { CommandModule } from 'yargs';
import { loadDevice } from '../device';
import { chartFromRun, renderChart, runCsv, runJson, runText, stringify, writeFileAtomic } from '../report';
import { canStream, planRig, replayAsync, replayStream, streamFacts, streamOf } from '../sim';
import type { RunConfig, RunResult } from '../sim';
import { findTraceFiles, loadTrace, openTrace, warnPointerSizes } from '../trace';
import type { PackedTrace, SkipCount, TraceInfo } from '../trace';
import { log } from '../log';
import { SimError } from '../errors';
import { runSettings } from '../study';
import { handler } from './common';
import type { SimArgs } from './options';
import { reportSkipped } from './trace';
import {
  allocatorOption, deviceOption, heapOption, loadMixes, mixOption, outputTarget, parseHeap, parseReplayFlags, parseSample, replayOptions, traceOption,
} from './options';

/**
 * run's one trace: --trace F, or one --mix T1,T2,... (programs sharing the heap). A trace file
 * is streamed (src/sim/stream.ts): read once for its facts, then replayed batch by batch as it
 * is read again, in constant memory, with the lock model applied as it streams. The lifetime
 * lock model (it looks ahead) and sparse ids (remapped per op) load it packed (13 B/op).
 */
async function oneTrace(args: SimArgs, seed: number, cfg: RunConfig): Promise<{ info: TraceInfo; skipped: SkipCount[]; replay: () => Promise<RunResult> }> {
  const mixes = args.mix ?? [];
  if (args.trace !== undefined && mixes.length > 0) throw new SimError('USAGE', 'run takes one trace: --trace or --mix, not both');
  if (mixes.length > 1) throw new SimError('USAGE', `run takes one trace; --mix was given ${mixes.length} times (use compare for several)`);
  const packed = (t: PackedTrace) => ({ info: t.info, skipped: t.skipped, replay: () => replayAsync(t, cfg) });
  if (mixes.length === 1) return packed((await loadMixes(mixes, seed))[0]!);
  if (args.trace === undefined) throw new SimError('USAGE', 'run needs a trace: --trace F or --mix T1,T2,...');
  const tracePath = String(args.trace);
  const files = findTraceFiles([tracePath]);
  if (files.length !== 1)
    throw new SimError('USAGE', `run takes one trace; ${tracePath} holds ${files.length} (use compare for several)`, { file: tracePath });
  const opts = { strict: args.strict === true };
  const file = openTrace(files[0]!, opts);
  const src = streamOf(file, cfg);
  const facts = src === null ? null : await streamFacts(src);
  if (src !== null && facts !== null && canStream(facts)) {
    log.debug({ trace: file.info.path, ops: facts.ops, locks: cfg.locks ?? 'none' }, 'run: streaming the trace (constant memory)');
    return { info: file.info, skipped: file.skipped(), replay: () => replayStream(src, facts, cfg) };
  }
  log.debug({ trace: file.info.path, locks: cfg.locks ?? 'none' }, 'run: replaying the packed trace (the lifetime lock model or sparse ids)');
  return packed(await loadTrace(files[0]!, opts));
}

async function runHandler(args: SimArgs): Promise<number> {
  const flags = parseReplayFlags(args);
  const params = flags.params;
  const sample = parseSample(args.sample);
  const heapSize = parseHeap(args.heap);
  const json = outputTarget(args.json);
  const csv = outputTarget(args.csv);
  const svg = outputTarget(args.svg);
  if (svg === 'stdout' && (json === 'stdout' || csv === 'stdout'))
    throw new SimError('USAGE', 'only one of --json, --csv and --svg can go to stdout');
  if (json === 'stdout' && csv === 'stdout') throw new SimError('USAGE', 'only one of --json and --csv can go to stdout');

  const dev = loadDevice(args.device);
  const f = planRig(dev, String(args.allocator), { params, heapSize }).factory; // validates before any work
  const cfg: RunConfig = {
    device: dev, allocator: f.name, ...flags, oom: runSettings(f, flags.oom).oom, series: Boolean(csv || svg),
  };
  if (heapSize !== undefined) cfg.heapSize = heapSize;
  if (sample !== undefined) cfg.sample = sample;
  const trace = await oneTrace(args, flags.seed, cfg);
  reportSkipped(trace.info.path, trace.skipped);
  warnPointerSizes([trace], dev);
  // Gives the event loop turns (Ctrl-C stops it at once: src/sim/stream.ts); reports are
  // written only after it, whole.
  const r = await trace.replay();

  if (json && json !== 'stdout') writeFileAtomic(json.file, stringify(runJson(r)));
  if (csv && csv !== 'stdout') writeFileAtomic(csv.file, runCsv(r));
  if (svg && svg !== 'stdout') writeFileAtomic(svg.file, renderChart(chartFromRun(r)));
  if (json === 'stdout') process.stdout.write(stringify(runJson(r)));
  else if (csv === 'stdout') process.stdout.write(runCsv(r));
  else if (svg === 'stdout') process.stdout.write(renderChart(chartFromRun(r)));
  else process.stdout.write(runText(r));

  if (r.status === 'violation') {
    const v = r.violation;
    process.stderr.write(`rmalloc-sim: ${v ? `op ${v.op} (line ${v.line}): ${v.message}` : 'integrity violation'} (VIOLATION)\n`);
    return 1;
  }
  const failedOoms = r.summary.ooms; // already excludes recovered OOMs
  if (args['fail-on-oom'] === true && failedOoms > 0) {
    const e = r.oomEvents.find((x) => x.outcome !== 'recovered');
    process.stderr.write(`rmalloc-sim: ${failedOoms} allocation(s) failed${e ? `; first at op ${e.op} (line ${e.line})` : ''} (OOM)\n`);
    return 1;
  }
  return 0;
}

export const runCommand: CommandModule<object, SimArgs> = {
  command: 'run',
  describe: 'replay one trace through one allocator on a device; summary, JSON, CSV series, SVG chart',
  builder: (y) =>
    replayOptions(heapOption(mixOption(traceOption(allocatorOption(deviceOption(y)), false))))
      .option('json', { type: 'string', describe: 'write the run JSON to this file ("-" or no value: stdout instead of the summary)' })
      .option('csv', { type: 'string', describe: 'write the time series as CSV to this file ("-" or no value: stdout)' })
      .option('svg', { type: 'string', describe: 'write the memory / cycles chart to this SVG file ("-" or no value: stdout)' })
      .option('fail-on-oom', { type: 'boolean', default: false, describe: 'exit 1 when an allocation failed' }) as never,
  handler: handler(runHandler),
};
