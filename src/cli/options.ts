/**
 * Shared yargs option builders and their validation for the simulation commands (run, compare,
 * min-heap and the default command). Every option is declared here once so the commands agree
 * on names, types and help text.
 *
 * Choice-like options (--oom, --locks, --goal, --format) are plain strings validated by the
 * parse* functions below rather than with yargs `choices`: a bad value must give the one-line
 * `rmalloc-sim: ... (USAGE)` error and exit 2, not yargs' multi-line usage dump.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { Argv } from 'yargs';
import { SimError } from '../errors';
import { loadMix } from '../trace';
import type { PackedTrace } from '../trace';
import { requireSize } from '../util';
import { parseParamFlags } from './common';
import { GOALS, GoalName } from '../report';
import { DEFAULT_CHECK_EVERY } from '../sim';

export { GOALS };
export type { GoalName };

export const OOM_POLICIES = ['fail', 'compact', 'release', 'abort'] as const;
export type OomPolicyName = (typeof OOM_POLICIES)[number];
export const FORMATS = ['table', 'json', 'csv'] as const;
export type FormatName = (typeof FORMATS)[number];

/** The bundled traces folder (works from src/ under ts-node and from dist/). */
export const FIRMWARE_TRACES_DIR = path.resolve(__dirname, '..', '..', 'firmware-traces');

/**
 * The one argument type of every simulation command (run, compare, the default command, report,
 * min-heap, heapmap), as yargs parses the builders below: each command declares the options it
 * takes with these builders, so a name means the same thing everywhere. `allocator` and `trace`
 * are one value for run/heapmap and lists elsewhere (see `list`).
 */
export interface SimArgs {
  device: string;
  allocator?: string | string[];
  trace?: string | string[];
  /** --mix T1,T2,... (repeatable): programs sharing one heap, each value one mixed trace. */
  mix?: string[];
  heap?: string;
  oom?: string;
  locks?: string;
  'compact-every'?: number;
  'compact-above'?: number;
  'compact-budget'?: number;
  param?: string[];
  seed?: number;
  check?: boolean;
  cache?: boolean;
  strict?: boolean;
  sample?: number;
  jobs?: number;
  // compare / default / report
  goal?: string;
  format?: string;
  json?: string;
  csv?: string;
  svg?: string;
  'svg-dir'?: string;
  'min-heap'?: boolean;
  output?: string;
  'frame-budget'?: string;
  'max-frames'?: number;
  // run / min-heap / heapmap
  'fail-on-oom'?: boolean;
  tolerance?: number;
  at?: string;
  frames?: string;
  every?: number;
  animate?: string;
  logLevel?: string;
}

/** A one-or-many flag as a list (absent: empty). */
export function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

// ---- builders --------------------------------------------------------------------------

export function deviceOption<T>(y: Argv<T>) {
  return y.option('device', {
    alias: 'd',
    type: 'string',
    default: 'nds',
    describe: 'device profile: a shipped name (see `rmalloc-sim devices`) or a path to a .json profile',
  });
}

export function allocatorsOption<T>(y: Argv<T>) {
  return y.option('allocator', {
    alias: 'a',
    type: 'string',
    array: true,
    describe: 'allocator(s) to compare (repeatable; default: every registered allocator)',
  });
}

export function allocatorOption<T>(y: Argv<T>) {
  return y.option('allocator', {
    alias: 'a',
    type: 'string',
    demandOption: true,
    describe: 'allocator to run (see `rmalloc-sim allocators`)',
  });
}

export function tracesOption<T>(y: Argv<T>) {
  return y.option('trace', {
    alias: 't',
    type: 'string',
    array: true,
    describe: 'trace file(s) or folder(s) of *.trace / *.trace.gz (default: the bundled firmware-traces/)',
  });
}

/** One trace file; `demand: false` where --mix can stand in for it (run). */
export function traceOption<T>(y: Argv<T>, demand = true) {
  return y.option('trace', {
    alias: 't',
    type: 'string',
    demandOption: demand,
    describe: `trace file (native text format, optionally gzip-compressed)${demand ? '' : '; or --mix'}`,
  });
}

export function mixOption<T>(y: Argv<T>) {
  return y.option('mix', {
    type: 'string',
    array: true,
    describe: 'programs sharing one heap: T1,T2,... interleaved into one trace (by op count, seeded by --seed); repeatable',
  });
}

/** `--mix` values as traces (each value one mix of two or more files, src/trace/mix.ts). */
export async function loadMixes(specs: readonly string[] | undefined, seed: number): Promise<PackedTrace[]> {
  const out: PackedTrace[] = [];
  for (const s of specs ?? []) out.push(await loadMix(s, { seed }));
  return out;
}

/** Replay configuration shared by run, compare and min-heap. */
export function replayOptions<T>(y: Argv<T>) {
  return y
    .option('oom', {
      type: 'string',
      describe: `what the program does after a failed allocation, for every allocator: ${OOM_POLICIES.join(' | ')} (fail: drop the object; compact: moving allocators compact and retry; release: free the oldest objects and retry; abort: stop). Default: as the real allocator does: moving ones compact, the others fail`,
    })
    .option('strict', { type: 'boolean', default: false, describe: 'make skipped trace lines an error (exit 2) instead of a count on stderr' })
    .option('locks', {
      type: 'string',
      default: 'none',
      describe: 'lock model for traces without l/u ops: none | access | pinned:<p> | lifetime:<f> (0 < p, f <= 1)',
    })
    .option('compact-every', { type: 'number', describe: 'call the allocator\'s compact() every N ops' })
    .option('compact-above', { type: 'number', describe: 'compact after an op that leaves extFrag above X (0..1)' })
    .option('compact-budget', { type: 'number', describe: 'cycle budget per compaction call (default: unlimited)' })
    .option('param', { alias: 'p', type: 'string', array: true, describe: 'allocator parameter name=value (repeatable)' })
    .option('seed', { type: 'number', default: 1, describe: 'seed of the lock model and other random choices' })
    .option('check', { type: 'boolean', default: false, describe: 'check heap integrity and payload contents: what each op touched after every op, the whole heap every --check-every ops and at the end' })
    .option('check-every', { type: 'number', default: DEFAULT_CHECK_EVERY, describe: 'with --check: the whole-heap check every N ops (1: after every op, slow on large heaps)' })
    .option('cache', { type: 'boolean', default: true, describe: 'the device\'s data cache, where its profile has one (nds); --no-cache charges every access uncached (the worst case)' })
    .option('sample', { type: 'number', describe: 'sample the time series every k ops (extremes stay exact)' });
}

export function heapOption<T>(y: Argv<T>) {
  return y.option('heap', {
    type: 'string',
    describe: 'heap size (e.g. 65536, 512KiB); default: the device profile\'s heap',
  });
}

export function jobsOption<T>(y: Argv<T>) {
  return y.option('jobs', {
    alias: 'j',
    type: 'number',
    describe: `worker threads (default: available cores, here ${os.availableParallelism()})`,
  });
}

export function compareOutputOptions<T>(y: Argv<T>) {
  return y
    .option('goal', { type: 'string', default: 'balanced', describe: `what the ranking optimises: ${GOALS.join(' | ')}` })
    .option('format', { alias: 'f', type: 'string', default: 'table', describe: `stdout format: ${FORMATS.join(' | ')}` })
    .option('json', { type: 'string', describe: 'also write the compare JSON to this file ("-" or no value: stdout)' })
    .option('csv', { type: 'string', describe: 'also write the matrix as CSV to this file ("-" or no value: stdout)' })
    .option('svg-dir', { type: 'string', describe: 'write a memory/cycles SVG per trace × allocator into this folder' });
}

// ---- validation ------------------------------------------------------------------------

function oneOf<T extends string>(what: string, v: unknown, allowed: readonly T[]): T {
  const s = String(v);
  if (!(allowed as readonly string[]).includes(s))
    throw new SimError('USAGE', `--${what}: "${s}" is not one of ${allowed.join(', ')}`);
  return s as T;
}

/** --oom as given; undefined when absent (each allocator then runs its natural policy, src/study runSettings). */
export const parseOom = (v: unknown): OomPolicyName | undefined => (v === undefined ? undefined : oneOf('oom', v, OOM_POLICIES));
export const parseGoal = (v: unknown): GoalName => oneOf('goal', v ?? 'balanced', GOALS);
export const parseFormat = (v: unknown): FormatName => oneOf('format', v ?? 'table', FORMATS);

/**
 * `none`, `pinned:<p>` or `lifetime:<f>` with 0 < p, f <= 1. Returned unchanged (the engine
 * takes the string), but checked here so a typo is a usage error before any work starts.
 */
export function parseLocks(v: unknown): string {
  const s = String(v ?? 'none');
  if (s === 'none' || s === 'access') return s;
  const m = /^(pinned|lifetime):(\d*\.?\d+)$/.exec(s);
  const x = m ? Number(m[2]) : NaN;
  if (!m || !(x > 0 && x <= 1))
    throw new SimError('USAGE', `--locks: "${s}" is not none, access, pinned:<p> or lifetime:<f> with 0 < p, f <= 1`);
  return s;
}

/** The replay flags of `replayOptions`, parsed and checked once, as the RunConfig fields they set. */
export interface ReplayFlags {
  /** `--param name=value` flags (resolved against the device profile and defaults by the engine). */
  params: Record<string, string>;
  /** The user's --oom for every allocator; undefined: each allocator's natural policy. */
  oom?: OomPolicyName;
  locks: string;
  seed: number;
  check: boolean;
  /** With --check: the whole-heap check every N ops (--check-every). */
  checkEvery?: number;
  /** false: --no-cache. */
  cache: boolean;
  compactEvery?: number;
  compactAboveExtFrag?: number;
  compactBudget?: number;
}

export function parseReplayFlags(args: { oom?: unknown; locks?: unknown; param?: unknown; seed?: unknown; check?: unknown; 'check-every'?: unknown; cache?: unknown }): ReplayFlags {
  const oom = parseOom(args.oom);
  const check = args.check === true;
  const every = parseCheckEvery(args['check-every']);
  return {
    ...(oom !== undefined ? { oom } : {}),
    locks: parseLocks(args.locks),
    params: parseParamFlags(args.param),
    seed: parseSeed(args.seed),
    check,
    ...(check ? { checkEvery: every } : {}),
    cache: args.cache !== false,
    ...parseCompaction(args as Record<string, unknown>),
  };
}

/** `--check-every N`: a positive integer (absent: DEFAULT_CHECK_EVERY). */
export function parseCheckEvery(v: unknown): number {
  if (v === undefined) return DEFAULT_CHECK_EVERY;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new SimError('USAGE', `--check-every: "${String(v)}" is not a positive integer`);
  return n;
}

/** The scheduled-compaction flags as RunConfig fields (absent flags are left out). */
export function parseCompaction(args: Record<string, unknown>): { compactEvery?: number; compactAboveExtFrag?: number; compactBudget?: number } {
  const out: { compactEvery?: number; compactAboveExtFrag?: number; compactBudget?: number } = {};
  const every = args['compact-every'];
  if (every !== undefined) {
    const n = Number(every);
    if (!Number.isInteger(n) || n < 1) throw new SimError('USAGE', `--compact-every: "${String(every)}" is not a positive integer`);
    out.compactEvery = n;
  }
  const above = args['compact-above'];
  if (above !== undefined) {
    const x = Number(above);
    if (!(x >= 0 && x <= 1)) throw new SimError('USAGE', `--compact-above: "${String(above)}" is not a fraction between 0 and 1`);
    out.compactAboveExtFrag = x;
  }
  const budget = args['compact-budget'];
  if (budget !== undefined) {
    const n = Number(budget);
    if (!Number.isInteger(n) || n < 1) throw new SimError('USAGE', `--compact-budget: "${String(budget)}" is not a positive integer`);
    out.compactBudget = n;
  }
  return out;
}

export function parseJobs(v: unknown): number {
  if (v === undefined) return Math.max(1, os.availableParallelism());
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new SimError('USAGE', `--jobs: "${String(v)}" is not a positive integer`);
  // More worker threads than cores only add memory (each holds its traces): cap, and say so.
  const cap = Math.max(2, os.availableParallelism());
  if (n > cap) {
    process.stderr.write(`rmalloc-sim: --jobs ${n} is more than the ${cap} available cores: using ${cap}\n`);
    return cap;
  }
  return n;
}

export function parseSample(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new SimError('USAGE', `--sample: "${String(v)}" is not a positive integer`);
  return n;
}

export function parseSeed(v: unknown): number {
  const n = Number(v ?? 1);
  if (!Number.isInteger(n)) throw new SimError('USAGE', `--seed: "${String(v)}" is not an integer`);
  return n;
}

export function parseHeap(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  return requireSize(String(v), '--heap');
}

export { parseParamFlags };

/** An output option's target: undefined (not asked), 'stdout' ('' or '-'), or a file path. */
export function outputTarget(v: unknown): undefined | 'stdout' | { file: string } {
  if (v === undefined || v === false) return undefined;
  const s = String(v);
  if (s === '' || s === '-' || s === 'true') return 'stdout';
  return { file: s };
}

// ---- plumbing shared by the commands ----------------------------------------------------

/**
 * A progress bar on stderr: drawn only when stderr is a terminal and the job has run for over a
 * second; nothing at all otherwise (so piped output and logs stay clean).
 */
export class Progress {
  private readonly start = Date.now();
  private drawn = false;
  private readonly enabled: boolean;
  private readonly label: string;
  private done = 0;
  private total = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(label: string, enabled = process.stderr.isTTY === true) {
    this.label = label;
    this.enabled = enabled;
    // Redraw twice a second so the clock moves while long jobs run in the workers.
    if (enabled) this.timer = setInterval(() => this.draw(), 500).unref();
  }

  update(done: number, total: number): void {
    this.done = done;
    this.total = total;
    this.draw();
  }

  private draw(): void {
    if (!this.enabled || this.total === 0) return;
    const secs = (Date.now() - this.start) / 1000;
    if (secs < 1 && !this.drawn) return;
    const width = 30;
    const filled = Math.round((width * this.done) / this.total);
    process.stderr.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} jobs, ${secs.toFixed(0)} s\x1b[K`);
    this.drawn = true;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.drawn) process.stderr.write('\r\x1b[K');
    this.drawn = false;
  }
}

/** Writes a report to stdout or (atomically) to a file. */
export function emit(target: undefined | 'stdout' | { file: string }, data: () => string, write: (file: string, data: string) => void): void {
  if (target === undefined) return;
  if (target === 'stdout') process.stdout.write(data());
  else write(target.file, data());
}
