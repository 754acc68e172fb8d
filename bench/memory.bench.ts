/**
 * Memory per op of a replay (issue 15 item 6): how many bytes a trace costs while it is held
 * in memory, on a generated trace of millions of ops.
 *
 * 1. Packed size, in process: `loadTrace` of the generated trace, ArrayBuffer bytes held by the
 *    packed trace (process.memoryUsage().arrayBuffers after a GC, minus before) / ops. This is
 *    what every replay of a min-heap search, compare or squeeze keeps for the whole run.
 * 2. Peak RSS of `rmalloc-sim run -a slab` (child processes, GNU time's %M): on the generated
 *    trace and on a 1000-op prefix of it, (peak − small) / (ops − 1000) bytes per op. That is
 *    the whole `run` command: reading, packing, replaying, metrics.
 * Each CLI given with --cli (a dist/cli.js; repeatable, default this tree's) is measured in the
 * same run, so an old build and a new one compare on the same machine state; their run JSON
 * must be identical (wallMs aside).
 *
 *   make build && TS_NODE_TRANSPILE_ONLY=true npx ts-node bench/memory.bench.ts [--ops 10M] [--cli OLD/dist/cli.js --cli dist/cli.js]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { loadTrace } from '../src/trace';
import { Prng } from '../src/util/prng';
import { argOf } from './util';

const ROOT = path.resolve(__dirname, '..');

/** Writes a native gzip trace of `ops` ops: ids reused as a recorder does, 1000-4000 live, sizes 1 B..4 KiB log-uniform. */
async function generateFile(file: string, ops: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const gz = zlib.createGzip({ level: 1 });
    const ws = fs.createWriteStream(file);
    gz.pipe(ws);
    ws.on('finish', () => resolve());
    ws.on('error', reject);
    const rng = new Prng(15);
    const live: number[] = [];
    const freeIds: number[] = [];
    let next = 0;
    let i = 0;
    const size = (): number => Math.max(1, Math.floor(Math.exp(rng.next() * Math.log(4096))));
    const pump = (): void => {
      let text = i === 0 ? '# program: bench/memory.bench.ts generated workload\n# pointer-bytes: 4\n' : '';
      while (i < ops && text.length < 1 << 20) {
        const r = rng.next();
        if (live.length < 1000 || (r < 0.5 && live.length < 4000)) {
          const x = freeIds.length ? freeIds.pop()! : next++;
          live.push(x);
          text += `a ${x} ${size()}\n`;
        } else if (r < 0.6) text += `r ${live[rng.int(0, live.length - 1)]!} ${size()}\n`;
        else {
          const k = rng.int(0, live.length - 1);
          const x = live[k]!;
          live[k] = live[live.length - 1]!;
          live.pop();
          freeIds.push(x);
          text += `f ${x}\n`;
        }
        i++;
      }
      if (i >= ops) gz.end(text);
      else if (gz.write(text)) setImmediate(pump);
      else gz.once('drain', pump);
    };
    pump();
  });
}
function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Peak RSS (bytes) and stdout of `node cli run -a slab -t file --json`. */
function peakRun(cli: string, file: string): { rss: number; json: string; cpu: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', process.execPath, cli, 'run', '-d', 'nds', '-a', 'slab', '-t', file, '--json'], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`${cli}: exit ${r.status}\n${r.stderr}`);
  const last = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  const run = JSON.parse(r.stdout) as { wallMs?: number };
  delete run.wallMs;
  return { rss: last[0]! * 1024, json: JSON.stringify(run), cpu: last[1]! + last[2]! };
}

async function main(): Promise<void> {
  const opsArg = argOf('--ops') ?? '10M';
  const m = /^(\d+)([kKmM]?)$/.exec(opsArg);
  const ops = m ? Number(m[1]) * ({ '': 1, k: 1e3, m: 1e6 } as Record<string, number>)[m[2]!.toLowerCase()]! : NaN;
  if (!(ops > 1000)) throw new Error(`--ops ${opsArg}: want more than 1000`);
  const clis: string[] = [];
  for (let i = 0; i < process.argv.length; i++) if (process.argv[i] === '--cli') clis.push(path.resolve(process.argv[i + 1]!));
  if (clis.length === 0) clis.push(path.join(ROOT, 'dist', 'cli.js'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-memory-'));
  try {
    const big = path.join(dir, 'big.trace.gz');
    const small = path.join(dir, 'small.trace.gz');
    await generateFile(big, ops);
    await generateFile(small, 1000);
    process.stderr.write(`generated ${ops} ops (${(fs.statSync(big).size / 1e6).toFixed(1)} MB gzip)\n`);

    gc();
    const before = process.memoryUsage().arrayBuffers;
    const t = await loadTrace(big);
    gc();
    const held = process.memoryUsage().arrayBuffers - before;
    const cols = ['kind', 'id', 'arg', 'line'].map((k) => `${k} ${(t.ops as unknown as Record<string, { constructor: { name: string } }>)[k]!.constructor.name}`);

    process.stdout.write(`Generated trace: ${t.ops.n} ops, ~2000 live ids, sizes 1 B..4 KiB; nds; ${new Date().toISOString()}; load ${os.loadavg()[0]!.toFixed(1)}\n\n`);
    process.stdout.write(`Packed in this process (loadTrace, this tree's src): ${(held / t.ops.n).toFixed(2)} B/op held (${cols.join(', ')})\n\n`);
    process.stdout.write('| CLI | run peak RSS | 1000-op run peak RSS | bytes/op | CPU s |\n|---|---:|---:|---:|---:|\n');
    const jsons: string[] = [];
    for (const cli of clis) {
      const s = peakRun(cli, small);
      const b = peakRun(cli, big);
      jsons.push(b.json);
      process.stdout.write(`| ${path.relative(ROOT, cli) || cli} | ${(b.rss / 2 ** 20).toFixed(0)} MiB | ${(s.rss / 2 ** 20).toFixed(0)} MiB | ${((b.rss - s.rss) / (t.ops.n - 1000)).toFixed(1)} | ${b.cpu.toFixed(1)} |\n`);
    }
    if (jsons.length > 1) {
      const same = jsons.every((j) => j === jsons[0]);
      process.stdout.write(`\nrun JSON identical across the CLIs (wallMs aside): ${same ? 'yes' : 'NO'}\n`);
      if (!same) process.exitCode = 1;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
