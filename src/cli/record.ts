/**
 * `rmalloc-sim record [-o DIR] -- cmd args...`: runs a program under the LD_PRELOAD recorder and
 * writes one native trace per process image. Prints each trace with its op counts and peak live
 * bytes, then the program's exit status (the command itself exits 0 once traces are written).
 */
import type { Argv, CommandModule } from 'yargs';
import { SimError } from '../errors';
import { record } from '../trace';
import type { RecordResult, StdioChoice } from '../trace';
import { handler } from './common';

interface RecordArgs {
  out: string;
  gzip: boolean;
  keep?: string[];
  root: boolean;
  name?: string;
  stdin?: string;
  stdout?: string;
  keepRaw: boolean;
  note?: string[];
  arch?: string;
  json: boolean;
  cmd?: (string | number)[];
  _: (string | number)[];
}

/** The program's argv: everything after the first `--`, verbatim. */
function commandArgv(args: RecordArgs): string[] {
  const dd = process.argv.indexOf('--');
  if (dd >= 0) return process.argv.slice(dd + 1);
  return (args.cmd ?? []).map(String);
}

function stdio(file: string | undefined): StdioChoice | undefined {
  if (file === undefined) return undefined;
  return file === '-' ? 'inherit' : { file };
}

const fmt = (n: number): string => n.toLocaleString('en-US');

function printText(r: RecordResult): void {
  const lines: string[] = [];
  lines.push(`recorded ${r.traces.length} trace${r.traces.length === 1 ? '' : 's'} of: ${r.command}${r.dropped ? ` (${r.dropped} left out by --keep/--root)` : ''}`);
  for (const t of r.traces) {
    const role = t.root ? 'root' : t.forked ? `fork of ${t.ppid}` : t.image > 0 ? `exec #${t.image}` : `child of ${t.ppid}`;
    lines.push(`  ${t.path}`);
    lines.push(
      `    ${t.command.length > 70 ? `${t.command.slice(0, 67)}...` : t.command}  [pid ${t.pid}, ${role}]`,
    );
    lines.push(
      `    ${fmt(t.ops)} ops (a ${fmt(t.allocs)}, f ${fmt(t.frees)}, r ${fmt(t.reallocs)}), peak live ${fmt(t.peakLive)} bytes, max size ${fmt(t.maxSize)}`,
    );
    const sk = t.skipped.map((s) => `${s.reason} ${fmt(s.count)}`).join('; ');
    if (sk) lines.push(`    skipped: ${sk}`);
    if (t.aligned) lines.push(`    aligned allocations: ${fmt(t.aligned)} (largest alignment ${t.maxAlign})`);
  }
  if (r.traces.length === 0) {
    lines.push('  (no heap call was recorded: a setuid program run by another user, or one that clears LD_PRELOAD, is not recorded)');
  }
  lines.push(r.signal ? `program killed by signal ${r.signal}` : `program exited with code ${r.exitCode}`);
  if (r.rawDir) lines.push(`raw logs kept in ${r.rawDir}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export const recordCommand: CommandModule<object, RecordArgs> = {
  command: 'record [cmd..]',
  describe: 'run a dynamically linked program under the LD_PRELOAD recorder: one native trace per process',
  builder: (y: Argv<object>) =>
    y
      .usage('$0 record [-o DIR] [options] -- cmd args...')
      .option('out', { alias: 'o', type: 'string', default: '.', describe: 'folder for the traces' })
      .option('gzip', { alias: 'z', type: 'boolean', default: false, describe: 'write .trace.gz (gzip) instead of .trace' })
      .option('keep', { type: 'string', array: true, describe: 'keep only the traces of these programs (argv[0] or executable name)' })
      .option('root', { type: 'boolean', default: false, describe: 'keep only the trace of the started process (not its children)' })
      .option('name', { type: 'string', describe: 'file name (without extension) for the one trace kept' })
      .option('stdin', { type: 'string', describe: "the program's standard input from this file" })
      .option('stdout', { type: 'string', describe: "the program's standard output to this file (e.g. /dev/null)" })
      .option('note', { type: 'string', array: true, describe: 'add a "# note:" header line to each trace (what it represents)' })
      .option('keep-raw', { type: 'boolean', default: false, describe: "keep the interposer's raw logs (path printed)" })
      .option('arch', { type: 'string', describe: "the programs' architecture: i386 (built with cc -m32) or x86_64; default: the program's ELF class" })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' })
      .example('$0 record -o traces -z -- busybox ls -lR /usr/share/doc', '') as unknown as Argv<RecordArgs>,
  handler: handler(async (args: RecordArgs) => {
    const argv = commandArgv(args);
    if (argv.length === 0) throw new SimError('USAGE', 'record needs a program: rmalloc-sim record [-o DIR] -- cmd args...');
    if (args.name !== undefined && !/^[A-Za-z0-9_.+-]+$/.test(args.name)) {
      throw new SimError('USAGE', `--name must be a plain file name, got "${args.name}"`);
    }
    const r = await record({
      argv,
      outDir: args.out,
      gzip: args.gzip,
      keep: args.keep,
      rootOnly: args.root,
      name: args.name,
      stdin: stdio(args.stdin),
      stdout: stdio(args.stdout),
      keepRaw: args.keepRaw,
      notes: args.note,
      arch: args.arch,
    });
    if (args.json) process.stdout.write(`${JSON.stringify({ schema: 1, ...r }, null, 2)}\n`);
    else printText(r);
    return 0;
  }),
};
