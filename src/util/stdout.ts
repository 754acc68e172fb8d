/**
 * Takes process.stdout.write over until restore(): what the program prints in between is kept
 * (or dropped), not printed. For the two places where a command's stdout must not reach the
 * terminal as it is written: one run per device of a config file (src/config/cli.ts: each
 * device's output is shown at the end, under its heading) and a --shard run (src/cli/merge.ts:
 * its own report would be incomplete; the partial file says it all). A write's callback is
 * called at once, as after a write that went through.
 */
export interface StdoutCapture {
  /** What was written since the capture began ('' when it drops the output). */
  text(): string;
  /** Puts the real process.stdout.write back. */
  restore(): void;
}

export function captureStdout(keep = true): StdoutCapture {
  const real = process.stdout.write;
  const chunks: string[] = [];
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (keep) chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
    if (cb) cb();
    return true;
  }) as typeof process.stdout.write;
  return {
    text: () => chunks.join(''),
    restore: () => {
      process.stdout.write = real;
    },
  };
}
