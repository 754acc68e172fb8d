/** Benchmark helpers (not a benchmark itself: `make bench` runs only *.bench.ts). */
import * as fs from 'node:fs';

let lastChildCpu = 0;
/**
 * CPU seconds (user + system) of the children waited for since the last call, from /proc/self/stat
 * (fields cutime and cstime, in clock ticks of 1/100 s on Linux); NaN where /proc is missing.
 */
export function childCpuSeconds(): number {
  try {
    const f = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    const total = (Number(fields[13]) + Number(fields[14])) / 100;
    const d = total - lastChildCpu;
    lastChildCpu = total;
    return d;
  } catch {
    return NaN;
  }
}

/** The value after `--name` on the benchmark's command line, if given. */
export function argOf(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
