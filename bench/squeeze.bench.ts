/**
 * Benchmark of `squeeze` against `compare` on one bundled trace (issue 11's target: a squeeze
 * over all allocators at 10 heap sizes takes at most twice a compare of that trace). Both run
 * in the same process one after the other, each as `node dist/cli.js ... --format json`, with the
 * default worker count; the ratio of their wall and CPU times is the figure.
 *
 *   make build && TS_NODE_TRANSPILE_ONLY=true npx ts-node bench/squeeze.bench.ts
 *
 * Environment: BENCH_TRACE (default firmware-traces/lua-game.trace.gz), BENCH_DEVICE (nds),
 * BENCH_ROUNDS (1: alternating compare/squeeze rounds; the table gives each and the sums).
 * Prints a markdown table for bench/squeeze.md with the load average at the start of each run
 * (the machine is shared).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { childCpuSeconds } from './util';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

interface Timing {
  label: string;
  wallS: number;
  cpuS: number;
  load: number;
  code: number | null;
}


function time(label: string, args: string[]): Timing {
  const load = os.loadavg()[0]!;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpuS = childCpuSeconds();
  if (r.status !== 0) process.stderr.write(`${label}: exit ${r.status}\n${r.stderr}\n`);
  return { label, wallS, cpuS, load, code: r.status };
}

function main(): void {
  if (!fs.existsSync(CLI)) {
    process.stderr.write('dist/cli.js is missing: run `make build` (npm run build) first\n');
    process.exit(2);
  }
  const trace = process.env.BENCH_TRACE ?? 'firmware-traces/lua-game.trace.gz';
  const device = process.env.BENCH_DEVICE ?? 'nds';
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
  childCpuSeconds();
  const runs: Timing[] = [];
  for (let k = 0; k < rounds; k++) {
    runs.push(time('compare', ['compare', '-d', device, '-t', trace, '--format', 'json']));
    runs.push(time('squeeze (10 sizes)', ['squeeze', '-d', device, '-t', trace, '--steps', '10', '--format', 'json']));
  }
  const sum = (label: string, k: 'wallS' | 'cpuS'): number => runs.filter((r) => r.label === label).reduce((s, r) => s + r[k], 0);
  const wallRatio = sum('squeeze (10 sizes)', 'wallS') / sum('compare', 'wallS');
  const cpuRatio = sum('squeeze (10 sizes)', 'cpuS') / sum('compare', 'cpuS');
  const lines = [
    `squeeze vs compare on ${device}, ${trace}, ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.availableParallelism()}, node ${process.version}`,
    '',
    '| run | wall s | CPU s (user+sys) | load avg at start | exit |',
    '|---|---:|---:|---:|---:|',
    ...runs.map((r) => `| \`${r.label}\` | ${r.wallS.toFixed(1)} | ${r.cpuS.toFixed(1)} | ${r.load.toFixed(1)} | ${r.code} |`),
    '',
    `squeeze / compare: wall ${wallRatio.toFixed(2)}×, CPU ${cpuRatio.toFixed(2)}× (target ≤ 2×)`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main();
