#!/usr/bin/env node
/**
 * rmalloc-sim entry point: wires the commands (one file each under src/cli/, listed in
 * src/cli/index.ts) into yargs.
 * Results go to stdout, logs to stderr. Exit 0 ok, 1 a problem the user asked about, 2 bad input.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { SimError, describeFsError, printable } from './errors';
import { installSignalHandlers } from './util';
import { configMiddleware, nextDeviceRun } from './config';
// The command box through its entry (./cli/index: a bare './cli' would resolve to this file).
import { COMMANDS, badNumberFlag, finishShard, shardMiddleware, spoolTraceArgs, stdoutDashes, takeRerun } from './cli/index';

/** `--cflags "-DX -Iinc"`: the value starts with a dash, which yargs would take for flags. */
function joinCflags(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--cflags' && i + 1 < argv.length) out.push(`--cflags=${argv[++i]}`);
    else out.push(argv[i]!);
  }
  return out;
}

async function main(args: string[]): Promise<void> {
  installSignalHandlers();
  // `--cflags "-DX"` and `--json -` (stdout, see stdoutDashes) as `--flag=value`
  const raw = stdoutDashes(joinCflags(args));
  let y = yargs(raw)
    .scriptName('rmalloc-sim')
    .option('log-level', { type: 'string', describe: 'pino log level for stderr (default warn; env LOG_LEVEL)', global: true })
    .option('cflags', { type: 'string', describe: 'compiler flags for C allocators (--allocator my_alloc.c), e.g. "-DNDEBUG -Iinc"', global: true })
    .option('config', { type: 'string', global: true, describe: `config file (default: ./rmalloc-sim.json when present); flags override it` })
    .option('shard', { type: 'string', global: true, describe: 'compare, squeeze, tune, default command: run slice K/N of the jobs; writes the partial JSON --out for `merge`' })
    .option('out', { type: 'string', global: true, describe: 'the partial JSON file of --shard' })
    .middleware(configMiddleware(raw) as never, true)
    .middleware(shardMiddleware(raw) as never, true)
    .strict()
    .recommendCommands()
    // yargs turns a number option's bad text into NaN: name what the user typed instead.
    .middleware((argv) => {
      const bad = badNumberFlag(raw, argv);
      if (bad) throw new SimError('USAGE', bad);
    }, false)
    // `-t -` (stdin), pipes and FIFOs: spooled to a private temporary file before reading.
    .middleware((argv) => spoolTraceArgs(argv), false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      if (err instanceof SimError) {
        process.stderr.write(`rmalloc-sim: ${err.oneLine()}\n`);
        process.exit(err.exitCode);
      }
      if (err) throw err;
      process.stderr.write(`rmalloc-sim: ${msg} (USAGE)\nRun "rmalloc-sim --help" for usage.\n`);
      process.exit(2);
    });
  for (const c of COMMANDS) y = y.command(c);
  await y.help().version().parseAsync();
  finishShard();
  // several devices in the config file: the same command once more on the next one.
  const nextDevice = nextDeviceRun(args);
  if (nextDevice) return main(nextDevice);
  // merge runs the sharded command once more, on the recorded outcomes.
  const again = takeRerun();
  if (again) await main(again);
}

main(hideBin(process.argv)).catch((e: unknown) => {
  if (e instanceof SimError) {
    process.stderr.write(`rmalloc-sim: ${e.oneLine()}\n`);
    process.exit(e.exitCode);
  }
  // A failed system call (permissions, a full disk, ...) is about the user's environment, not a bug.
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && typeof err.syscall === 'string') {
    const where = typeof err.path === 'string' ? `${printable(err.path, 200)}: ` : '';
    process.stderr.write(`rmalloc-sim: ${where}${err.syscall} failed: ${describeFsError(e)} (IO)\n`);
    process.exit(2);
  }
  process.stderr.write(`rmalloc-sim: internal error (a bug): ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
