/**
 * `rmalloc-sim trace stats F [--json] [--strict] [--from FMT]`: what a trace asks of an
 * allocator (ops by kind, ids, peak live bytes, size and lifetime histograms, ...).
 * `rmalloc-sim trace convert IN OUT [--from FMT] [--strict]`: any supported format to a
 * native trace (gzip when OUT ends in .gz; `-` for stdout).
 * Skipped events (recoverable problems) are printed to stderr as counts with their first
 * line; --strict makes them errors (exit 2).
 */
import type { Argv, CommandModule } from 'yargs';
import { IMPORTERS, openTrace, traceStats, TraceWriter, type HistogramBucket, type SkipCount, type TraceStats } from '../trace';
import { formatBytes, sameFile } from '../util';
import { log } from '../log';
import { handler } from './common';
import * as path from 'node:path';
import { SimError, printable } from '../errors';
import { spoolInput } from '../trace';

interface StatsArgs {
  file: string;
  json: boolean;
  strict: boolean;
  from?: string;
}

interface ConvertArgs {
  in: string;
  out: string;
  strict: boolean;
  from?: string;
}

const FORMATS = IMPORTERS.map((i) => i.name);

/** One stderr line per skip reason: `rmalloc-sim: FILE:LINE: skipped N x reason`. */
export function reportSkipped(file: string, skipped: readonly SkipCount[]): void {
  for (const s of skipped)
    process.stderr.write(`rmalloc-sim: ${file}:${s.firstLine}: ${s.benign ? 'ignored' : 'skipped'} ${s.count} x ${s.reason} (first at this line)\n`);
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function lpad(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

function histogram(title: string, unit: string, h: readonly HistogramBucket[]): string {
  if (h.length === 0) return `${title}: none\n`;
  const total = h.reduce((s, b) => s + b.count, 0);
  const most = Math.max(...h.map((b) => b.count));
  const ranges = h.map((b) => (b.min === b.max ? `${b.min}` : `${b.min}..${b.max}`));
  const w = Math.max(...ranges.map((r) => r.length));
  const cw = Math.max(...h.map((b) => String(b.count).length));
  let out = `${title} (${unit}, log2 buckets):\n`;
  h.forEach((b, i) => {
    const bar = '#'.repeat(b.count === 0 ? 0 : Math.max(1, Math.round((40 * b.count) / most)));
    out += `  ${lpad(ranges[i]!, w)}  ${lpad(String(b.count), cw)}  ${lpad(((100 * b.count) / total).toFixed(1), 5)}%  ${bar}\n`;
  });
  return out;
}

/** The human-readable stats table. */
export function formatStats(s: TraceStats, format: string): string {
  const rows: [string, string][] = [
    ['trace', `${s.trace} (${s.path}, ${format})`],
    ['ops', String(s.ops)],
    ['  alloc', String(s.allocs)],
    ['  free', String(s.frees)],
    ['  realloc', String(s.reallocs)],
    ['  lock / unlock', `${s.locks} / ${s.unlocks}`],
    ['  idle', `${s.idles} (${s.idleCycles} cycles)`],
    ['  access', String(s.accesses)],
    ['ids', String(s.ids)],
    ['peak live', `${s.peakLive} B (${formatBytes(s.peakLive)}) at op ${s.peakLiveOp}`],
    ['peak live ids', String(s.peakLiveIds)],
    ['max size', `${s.maxSize} B (${formatBytes(s.maxSize)})`],
    ['live at end', `${s.liveAtEnd} B in ${s.liveIdsAtEnd} ids`],
    ['skipped', String(s.skipped.reduce((n, x) => n + x.count, 0))],
  ];
  let out = '';
  for (const h of s.header.slice(0, 12)) out += `# ${printable(h, 200)}\n`;
  for (const [k, v] of rows) out += `${pad(k, 16)} ${v}\n`;
  out += '\n' + histogram('request sizes', 'bytes', s.sizeHistogram);
  out += '\n' + histogram('lifetimes of freed blocks', 'ops', s.lifetimeHistogram);
  return out;
}

const statsCommand: CommandModule<object, StatsArgs> = {
  command: 'stats <file>',
  describe: 'what a trace asks of an allocator: ops, ids, peak live bytes, size and lifetime histograms',
  builder: (y: Argv<object>) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'trace file (native, .gz, or an importable format)' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON ({ schema: 1, ... })' })
      .option('strict', { type: 'boolean', default: false, describe: 'make recoverable problems (free of an unknown id, ...) errors' })
      .option('from', { type: 'string', choices: FORMATS, describe: 'input format (default: detected)' })
      .example('$0 trace stats firmware-traces/lua.trace.gz', 'table on stdout')
      .example('$0 trace stats amptjp.rep --json', 'JSON (schema 1)') as unknown as Argv<StatsArgs>,
  handler: handler(async (args: StatsArgs) => {
    await spoolInput(args.file === '' ? '-' : args.file);
    const src = openTrace(args.file === '' ? '-' : args.file, { strict: args.strict, format: args.from });
    const s = await traceStats(src);
    reportSkipped(args.file, s.skipped);
    process.stdout.write(args.json ? JSON.stringify({ ...s, format: src.format }, null, 2) + '\n' : formatStats(s, src.format));
    return 0;
  }),
};

const convertCommand: CommandModule<object, ConvertArgs> = {
  command: 'convert <in> <out>',
  describe: 'convert a trace (malloc-lab .rep, mtrace, valgrind, thesis memtrace/ops, native) to the native format',
  builder: (y: Argv<object>) =>
    y
      .positional('in', { type: 'string', demandOption: true, describe: 'input trace' })
      .positional('out', { type: 'string', demandOption: true, describe: 'output native trace (.gz to compress; - for stdout)' })
      .option('from', { type: 'string', choices: FORMATS, describe: 'input format (default: detected from the first lines)' })
      .option('strict', { type: 'boolean', default: false, describe: 'make recoverable problems errors instead of skipping them' })
      .example('$0 trace convert amptjp.rep amptjp.trace.gz', 'a malloc-lab trace')
      .example('$0 trace convert --from valgrind vg.log prog.trace', 'a valgrind --trace-malloc=yes log') as unknown as Argv<ConvertArgs>,
  handler: handler(async (args: ConvertArgs) => {
    // yargs hands a lone `-` positional over as ''.
    const input = args.in === '' ? '-' : args.in;
    const out = args.out === '' || args.out === '-' ? '-' : args.out;
    if (out !== '-' && (path.resolve(input) === path.resolve(out) || sameFile(input, out)))
      throw new SimError('USAGE', `OUT is the input file${path.resolve(input) === path.resolve(out) ? '' : ' (a link to it)'}: converting in place would destroy it; write to another file`, { file: args.out });
    await spoolInput(input);
    const src = openTrace(input, { strict: args.strict, format: args.from });
    const header = [...src.info.header];
    if (src.format !== 'native') header.push(`converted by rmalloc-sim from ${input} (format ${src.format})`);
    // Written under a temporary name and renamed at the end: a bad input or an interrupt
    // leaves OUT as it was (stdout gets the ops up to the error, then a non-zero exit).
    const w = new TraceWriter(out, header);
    try {
      for await (const b of src.batches()) await w.write(b);
    } catch (e) {
      w.abort();
      throw e;
    }
    await w.close();
    reportSkipped(args.in, src.skipped());
    log.info({ ops: w.ops, out, format: src.format }, 'trace converted');
    return 0;
  }),
};

export const traceCommand: CommandModule<object, object> = {
  command: 'trace <command>',
  describe: 'inspect and convert traces: trace stats F | trace convert IN OUT',
  builder: (y: Argv<object>) => y.command(statsCommand).command(convertCommand).demandCommand(1, 'trace needs a subcommand: stats or convert'),
  handler: () => {},
};
