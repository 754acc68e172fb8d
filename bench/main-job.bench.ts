/**
 * Benchmark of the main job: wall time of the default command `node dist/cli.js --device nds`
 * (every allocator × every bundled trace: a device-heap replay and a min-heap search each), and
 * the same with --jobs 1 and --jobs 2, whose ratio is the worker pool's speed-up.
 *
 *   make build && TS_NODE_TRANSPILE_ONLY=true npx ts-node bench/main-job.bench.ts
 *
 * Environment: BENCH_ARGS adds arguments to every run (e.g. "--trace firmware-traces/busybox-sh.trace.gz"
 * for a quick look); BENCH_SKIP_DEFAULT=1 skips the default-jobs run. Prints a markdown table
 * (paste it into bench/main-job.md) with the load average at the start of each run, since the
 * machine is shared and wall time depends on it. Checks that --jobs 1 and --jobs 2 print the
 * same JSON.
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
  args: string[];
  wallS: number;
  cpuS: number;
  load: number;
  code: number | null;
  stdout: string;
}

function time(label: string, args: string[]): Timing {
  const load = os.loadavg()[0]!;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = childCpuSeconds();
  if (r.status !== 0) process.stderr.write(`${label}: exit ${r.status}\n${r.stderr}\n`);
  return { label, args, wallS, cpuS: cpu, load, code: r.status, stdout: r.stdout };
}


function main(): void {
  if (!fs.existsSync(CLI)) {
    process.stderr.write('dist/cli.js is missing: run `make build` (npm run build) first\n');
    process.exit(2);
  }
  childCpuSeconds();
  const extra = (process.env.BENCH_ARGS ?? '').split(/\s+/).filter(Boolean);
  const runs: Timing[] = [];
  if (process.env.BENCH_SKIP_DEFAULT !== '1') runs.push(time(`default (jobs = ${os.availableParallelism()})`, ['--device', 'nds', ...extra]));
  const j1 = time('--jobs 1 --format json', ['--device', 'nds', '--jobs', '1', '--format', 'json', ...extra]);
  const j2 = time('--jobs 2 --format json', ['--device', 'nds', '--jobs', '2', '--format', 'json', ...extra]);
  runs.push(j1, j2);

  let same = 'n/a';
  if (j1.code === 0 && j2.code === 0) same = j1.stdout === j2.stdout ? 'yes' : 'NO';

  const lines = [
    `main job on ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.availableParallelism()}, node ${process.version}${extra.length ? `, extra args: ${extra.join(' ')}` : ''}`,
    '',
    '| run | wall s | CPU s (user+sys) | load avg at start | exit |',
    '|---|---:|---:|---:|---:|',
    ...runs.map((r) => `| \`${r.label}\` | ${r.wallS.toFixed(1)} | ${r.cpuS.toFixed(1)} | ${r.load.toFixed(1)} | ${r.code} |`),
    '',
    `speed-up --jobs 2 over --jobs 1: ${(j1.wallS / j2.wallS).toFixed(2)}× wall; identical JSON: ${same}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (same === 'NO') process.exitCode = 1;
}

main();
