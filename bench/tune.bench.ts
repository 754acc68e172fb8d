/**
 * Benchmark of `rmalloc-sim tune -d nds -a slab` over the bundled traces (target: within 5
 * minutes on 2 cores): wall time, CPU time of the process (main thread and workers), the
 * settings evaluated, and the load average before and after (the build machine is shared).
 *
 *   make build && TS_NODE_TRANSPILE_ONLY=true npx ts-node bench/tune.bench.ts
 *
 * BENCH_ARGS adds arguments (e.g. "--goal space" or "--budget 30"). Prints a markdown row for
 * bench/tune.md.
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const extra = (process.env.BENCH_ARGS ?? '').split(/\s+/).filter(Boolean);
const args = ['tune', '-d', 'nds', '-a', 'slab', '--format', 'json', ...extra];

const load0 = os.loadavg()[0]!;
const t0 = process.hrtime.bigint();
// /usr/bin/time-like CPU accounting: the child's rusage after it exits.
const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, CLI, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
const load1 = os.loadavg()[0]!;
if (r.status !== 0) {
  process.stderr.write(`tune failed (exit ${r.status}):\n${r.stderr}\n`);
  process.exit(1);
}
const cpuLine = r.stderr.trim().split('\n').pop() ?? '';
const [user, sys] = cpuLine.split(' ').map(Number);
const j = JSON.parse(r.stdout) as { search: { method: string; evaluated: number; refused: number; budget: number }; gain: { space: number; speed: number; score: number }; goal: string };
process.stdout.write('| command | wall s | CPU s (user+sys) | settings evaluated (+refused) | gain space / speed / score | load avg before → after |\n|---|---|---|---|---|---|\n');
process.stdout.write(
  `| \`rmalloc-sim ${args.join(' ')}\` | ${wallS.toFixed(1)} | ${((user ?? 0) + (sys ?? 0)).toFixed(1)} | ${j.search.evaluated} (+${j.search.refused}), ${j.search.method}, budget ${j.search.budget} | ${j.gain.space} % / ${j.gain.speed} % / ${j.gain.score} % | ${load0.toFixed(1)} → ${load1.toFixed(1)} |\n`,
);
