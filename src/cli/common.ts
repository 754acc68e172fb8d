import { SimError } from '../errors';
import { setLogLevel } from '../log';
import { isCAllocatorSpec, prepareCAllocators } from '../wasm';

/**
 * Wraps a command handler: SimErrors become one stderr line and their exit code (2 for bad
 * input); any other exception is a bug and keeps its stack trace (exit 1).
 */
export function handler<A>(fn: (args: A) => Promise<number | void> | number | void): (args: A) => Promise<void> {
  return async (args: A) => {
    const lvl = (args as { logLevel?: string }).logLevel;
    if (lvl) setLogLevel(lvl);
    try {
      // C allocators (--allocator my_alloc.c): built (or found in the cache) before the command.
      const given = (args as { allocator?: unknown }).allocator;
      const list = (Array.isArray(given) ? given : given === undefined ? [] : [given]).map(String);
      if (list.some(isCAllocatorSpec)) await prepareCAllocators(list, (args as { cflags?: string }).cflags);
      const code = await fn(args);
      if (typeof code === 'number') process.exitCode = code;
    } catch (e) {
      if (e instanceof SimError) {
        process.stderr.write(`rmalloc-sim: ${e.oneLine()}\n`);
        process.exitCode = e.exitCode;
        return;
      }
      throw e;
    }
  };
}

/** Parses repeated `--param name=value` flags into a record. */
export function parseParamFlags(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const items = Array.isArray(list) ? list : list === undefined ? [] : [list];
  for (const item of items) {
    const s = String(item);
    const eq = s.indexOf('=');
    if (eq <= 0) throw new SimError('USAGE', `--param expects name=value, got "${s}"`);
    out[s.slice(0, eq)] = s.slice(eq + 1);
  }
  return out;
}

/** Output flags that take a file name, where "-" means stdout. */
const OUTPUT_FLAGS = new Set(['--json', '--csv', '--svg', '--html', '--output', '-o', '--animate']);

/**
 * `--json -` as `--json=-`: yargs reads a lone "-" as a positional argument (stdin, by
 * convention), which .strict() then rejects; for an output flag it means stdout.
 */
export function stdoutDashes(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (OUTPUT_FLAGS.has(a) && argv[i + 1] === '-') {
      out.push(`${a}=-`);
      i++;
    } else out.push(a);
  }
  return out;
}

