/**
 * The config file in every command: a yargs middleware (src/cli.ts registers it) that loads
 * `--config F` or ./rmalloc-sim.json and fills each option the command has and the command line
 * did not give. Flags always win: an option counts as given when its name, an alias or its
 * --no- form appears on the command line.
 */
import type { Argv } from 'yargs';
import { SimError } from '../errors';
import { CONFIG_FILE, configArgs, loadConfig, useConfig } from './index';

/** The options the command line gave, by every name they go by (before any `--`). */
function givenOnCommandLine(raw: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const tok of raw) {
    if (tok === '--') break;
    const m = /^--?(?:no-)?([^=]+)/.exec(tok);
    if (!m || /^-\d/.test(tok)) continue;
    if (tok.startsWith('--')) out.add(m[1]!);
    else for (const ch of m[1]!) out.add(ch); // -ad: short flags may be grouped
  }
  return out;
}

const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function configMiddleware(raw: readonly string[]) {
  return (argv: Record<string, unknown>, y: Argv): void => {
    const explicit = argv.config !== undefined;
    let c;
    try {
      c = loadConfig(explicit ? String(argv.config) : CONFIG_FILE, explicit);
    } catch (e) {
      // Middleware runs outside the command handlers: print the one line here.
      if (!(e instanceof SimError)) throw e;
      process.stderr.write(`rmalloc-sim: ${e.oneLine()}\n`);
      process.exit(e.exitCode);
    }
    useConfig(c);
    if (!c) return;
    const opts = (y as unknown as { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]>; array: string[] } }).getOptions();
    const given = givenOnCommandLine(raw);
    for (const [k, v] of Object.entries(configArgs(c))) {
      if (!(k in opts.key)) continue; // the command has no such option
      const names = [k, camel(k), ...(opts.alias[k] ?? [])];
      if (names.some((n) => given.has(n))) continue;
      const isArray = opts.array.includes(k);
      const value = Array.isArray(v) && !isArray ? v[0] : v;
      for (const n of names) argv[n] = value;
    }
  };
}
