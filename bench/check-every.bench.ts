/**
 * Benchmark of `--check` (issue 15 item 9): `run -a tlsf --check` on the largest bundled trace
 * with the whole heap checked after every op (`--check-every 1`, what --check did before) and on
 * the default stride (`--check-every 1000`), against the same run without --check. Reports ops/s
 * from the child's CPU time (user + system: the machine is shared, so wall time is noisy) and
 * the ratios, measured in one run; checks that the three runs print the same run JSON apart
 * from wallMs (checking must not change a figure).
 *
 *   make build && TS_NODE_TRANSPILE_ONLY=true npx ts-node bench/check-every.bench.ts [--trace F] [--allocator A]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { argOf, childCpuSeconds } from './util';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

/** The bundled trace with the most ops (by `trace stats`). */
function largestTrace(): { file: string; ops: number } {
  const dir = path.join(ROOT, 'firmware-traces');
  let best = { file: '', ops: -1 };
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.trace.gz')).sort()) {
    const file = path.join(dir, f);
    const r = spawnSync(process.execPath, [CLI, 'trace', 'stats', file, '--json'], { encoding: 'utf8' });
    const ops = (JSON.parse(r.stdout) as { ops: number }).ops;
    if (ops > best.ops) best = { file, ops };
  }
  return best;
}

function main(): void {
  if (!fs.existsSync(CLI)) {
    process.stderr.write('dist/cli.js is missing: run `make build` (npm run build) first\n');
    process.exit(2);
  }
  const given = argOf('--trace');
  const { file, ops } = given ? { file: given, ops: NaN } : largestTrace();
  const allocator = argOf('--allocator') ?? 'tlsf';
  childCpuSeconds();
  const rows: { label: string; cpu: number; wall: number; load: number; json: string }[] = [];
  for (const [label, extra] of [
    ['no --check', []],
    ['--check --check-every 1000 (default)', ['--check']],
    ['--check --check-every 1 (before)', ['--check', '--check-every', '1']],
  ] as const) {
    const load = os.loadavg()[0]!;
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [CLI, 'run', '-d', 'nds', '-a', allocator, '-t', file, '--json', ...extra], {
      cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
    });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = childCpuSeconds();
    if (r.status !== 0) throw new Error(`${label}: exit ${r.status}\n${r.stderr}`);
    const run = JSON.parse(r.stdout) as { trace: { ops: number }; wallMs?: number };
    delete run.wallMs;
    rows.push({ label, cpu, wall, load, json: JSON.stringify(run) });
    process.stderr.write(`${label}: ${cpu.toFixed(1)} CPU-s\n`);
  }
  const n = Number.isFinite(ops) ? ops : (JSON.parse(rows[0]!.json) as { trace: { ops: number } }).trace.ops;
  const same = rows.every((r) => r.json === rows[0]!.json);
  const base = rows[2]!.cpu;
  process.stdout.write(`run -a ${allocator} on ${path.basename(file)} (${n} ops), nds, ${new Date().toISOString()}\n\n`);
  process.stdout.write('| run | CPU s | wall s | load (1 min) | ops/s (CPU) | speed vs --check-every 1 |\n|---|---:|---:|---:|---:|---:|\n');
  for (const r of rows)
    process.stdout.write(`| ${r.label} | ${r.cpu.toFixed(2)} | ${r.wall.toFixed(1)} | ${r.load.toFixed(1)} | ${Math.round(n / r.cpu)} | ${(base / r.cpu).toFixed(1)}x |\n`);
  process.stdout.write(`\nrun JSON identical across the three (wallMs aside): ${same ? 'yes' : 'NO'}\n`);
  if (!same) process.exitCode = 1;
}

main();
