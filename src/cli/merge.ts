/**
 * `--shard K/N` for compare, squeeze and the default command (tune shards itself: src/cli/tune.ts)
 * and `rmalloc-sim merge P...`, which turns the N partials into exactly the output of the
 * unsharded run: tune partials through the search merge, the others by running the recorded
 * command again on the recorded outcomes (src/study/shard.ts).
 */
import * as fs from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { SimError } from '../errors';
import { stringify, writeFileAtomic } from '../report';
import { captureStdout, type StdoutCapture } from '../util';
import { fingerprint, parseShard, readPartials, recordSlice, serveRecorded } from '../study';
import type { Partial, Shard, SliceRecord } from '../study';
import { handler } from './common';
import { mergeTune, printTune, tuneOutput } from './tune';

/** The commands whose jobs shard by (trace, allocator) cell ('' is the default command). */
const SLICED = ['', 'compare', 'squeeze'];
/** Output options that belong to merge, not to a shard. */
const OUTPUTS = ['json', 'csv', 'svg-dir', 'svg', 'html'];

interface Recording {
  shard: Shard;
  out: string;
  argv: string[];
  command: string;
  rec: SliceRecord;
  /** The shard's stdout, dropped. */
  silenced: StdoutCapture;
}
let recording: Recording | undefined;
let rerun: string[] | undefined;

/** The command line without the options named (`--name V`, `--name=V`, `-x V` for aliases). */
function dropOptions(raw: readonly string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i]!;
    if (t === '--') {
      out.push(...raw.slice(i));
      break;
    }
    const m = /^--?([^=]+)(=.*)?$/.exec(t);
    if (m && names.includes(m[1]!)) {
      if (m[2] === undefined) i++;
    } else out.push(t);
  }
  return out;
}

/** The command line without --shard and --out (what merge runs again). */
const stripShard = (raw: readonly string[]): string[] => dropOptions(raw, ['shard', 'out']);

function usage(msg: string): never {
  process.stderr.write(`rmalloc-sim: ${msg} (USAGE)\n`);
  process.exit(2);
}

/** yargs middleware: a --shard run of compare, squeeze or the default command records its slice. */
export function shardMiddleware(raw: readonly string[]) {
  return (argv: Record<string, unknown>): void => {
    if (argv.shard === undefined) return;
    const command = String((argv._ as unknown[] | undefined)?.[0] ?? '');
    if (command === 'tune') return;
    if (!SLICED.includes(command)) usage(`--shard works with compare, squeeze, tune and the default command, not ${command}`);
    let shard: Shard;
    try {
      shard = parseShard(argv.shard)!;
    } catch (e) {
      usage((e as Error).message);
    }
    if (argv.out === undefined) usage('--shard K/N needs --out FILE for the partial JSON');
    const given = OUTPUTS.find((k) => argv[k] !== undefined);
    if (given) usage(`--${given} with --shard: a shard writes only its partial; give --${given} to merge`);
    // The shard's own report would be incomplete: stdout stays silent, the partial says it all.
    const silenced = captureStdout(false);
    recording = { shard, out: String(argv.out), argv: stripShard(raw), command, rec: recordSlice(shard), silenced };
  };
}

/** After the command: writes the partial of a --shard run (whole or not at all). */
export function finishShard(): void {
  const r = recording;
  if (!r) return;
  recording = undefined;
  r.silenced.restore();
  if (process.exitCode === 2) return; // the command failed on its input: no partial
  const inputs = { argv: r.argv, cwd: process.cwd(), traces: r.rec.traces };
  const p: Partial = {
    schema: 1, partial: true, command: r.command === 'squeeze' ? 'squeeze' : 'compare', shard: r.shard, fingerprint: fingerprint({ argv: r.argv, traces: r.rec.traces }),
    inputs, data: { cells: r.rec.cells, mine: r.rec.mine, outcomes: r.rec.outcomes },
  };
  writeFileAtomic(r.out, stringify(p));
  process.stderr.write(`rmalloc-sim: shard ${r.shard.k}/${r.shard.n}: ${r.rec.mine} of ${r.rec.cells} (trace, allocator) cells, partial written to ${r.out}\n`);
}

/** The command line merge wants run again (once), if any. */
export function takeRerun(): string[] | undefined {
  const a = rerun;
  rerun = undefined;
  return a;
}

interface MergeArgs {
  partials: string[];
  format?: string;
  json?: string;
  csv?: string;
  svg?: string;
  'svg-dir'?: string;
}

async function mergeHandler(args: MergeArgs): Promise<number> {
  const parts = readPartials(args.partials);
  const first = parts[0]!;
  if (first.command === 'tune') {
    const rec = tuneOutput(first);
    const given = args.format !== undefined || args.json !== undefined || args.svg !== undefined;
    printTune(mergeTune(parts), given ? args : rec);
    return 0;
  }
  const outcomes: Record<string, never> = {};
  for (const p of parts) Object.assign(outcomes, (p.data as { outcomes: Record<string, never> }).outcomes);
  serveRecorded(outcomes);
  const inputs = first.inputs as { argv: string[]; cwd: string };
  if (inputs.cwd !== process.cwd() && fs.existsSync(inputs.cwd)) process.chdir(inputs.cwd);
  // merge's own output options replace the recorded command's.
  const extra: string[] = [];
  const drop: string[] = [];
  for (const k of ['format', 'json', 'csv', 'svg-dir'] as const)
    if (args[k] !== undefined) {
      extra.push(`--${k}`, String(args[k]));
      drop.push(k, ...(k === 'format' ? ['f'] : []));
    }
  if (args.svg !== undefined) throw new SimError('USAGE', '--svg is for tune partials; compare and squeeze take --svg-dir');
  const argv = dropOptions(inputs.argv, drop);
  const dd = argv.indexOf('--');
  rerun = dd < 0 ? [...argv, ...extra] : [...argv.slice(0, dd), ...extra, ...argv.slice(dd)];
  return 0;
}

export const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge <partials..>',
  describe: 'combine the partial JSONs of `--shard K/N` runs (compare, squeeze, tune, the default command) into the unsharded output',
  builder: ((y: Argv<object>) =>
    y
      .positional('partials', { type: 'string', array: true, describe: 'the N partial JSON files (any order)' })
      .option('format', { alias: 'f', type: 'string', describe: 'stdout format (default: the sharded command\'s)' })
      .option('json', { type: 'string', describe: 'also write the JSON to this file' })
      .option('csv', { type: 'string', describe: 'also write the CSV to this file (compare, squeeze)' })
      .option('svg', { type: 'string', describe: 'tune: write the Pareto front SVG to this file' })
      .option('svg-dir', { type: 'string', describe: 'compare: write the per-trace charts into this folder' })) as unknown as CommandModule<object, MergeArgs>['builder'],
  handler: handler(mergeHandler),
};
