/**
 * Checks the CLI runs on every command before its handler (yargs middleware, see src/cli.ts):
 * - a number option given text: yargs has already turned it into NaN, so the message is built
 *   from the raw argument the user typed (`--jobs: "abc" is not a number`), quoted and cut;
 * - trace inputs that are pipes (`-t -`, `-t <(zcat T)`, FIFOs) are spooled to a temporary
 *   file first (src/trace/spool.ts).
 */
import { quote } from '../errors';
import { spoolInputs } from '../trace';

function camel(s: string): string {
  return s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function isNaNValue(v: unknown): boolean {
  if (typeof v === 'number') return Number.isNaN(v);
  if (Array.isArray(v)) return v.some((x) => typeof x === 'number' && Number.isNaN(x));
  return false;
}

/**
 * The message for the first number option whose parsed value is NaN, naming the flag as typed
 * and the text given; undefined when every number option parsed.
 */
export function badNumberFlag(raw: readonly string[], argv: Record<string, unknown>): string | undefined {
  if (!Object.values(argv).some(isNaNValue)) return undefined;
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i]!;
    if (t === '--') break;
    const m = /^(--?)([^=]+)(?:=(.*))?$/s.exec(t);
    if (!m) continue;
    const name = m[2]!;
    if (!isNaNValue(argv[name]) && !isNaNValue(argv[camel(name)])) continue;
    const value = m[3] ?? raw[i + 1];
    const flag = `${m[1]}${name}`;
    if (value === undefined || (m[3] === undefined && /^-[^0-9.]/.test(value))) return `${flag} needs a number`;
    if (Number.isNaN(Number(value)) || value.trim() === '') return `${flag}: ${quote(value)} is not a number`;
  }
  return 'a number option was given something that is not a number';
}

/** Spools the `trace` option's pipe inputs, if any. */
export async function spoolTraceArgs(argv: Record<string, unknown>): Promise<void> {
  const t = argv['trace'];
  const list = Array.isArray(t) ? t : t === undefined ? [] : [t];
  await spoolInputs(list.map((x) => String(x)));
}
