/**
 * Memory per op of a replay (issue 15 item 6), on a generated trace of millions of ops.
 *
 * 1. Held for many replays (this tree's src): bytes of the op columns per op of each place
 *    that keeps a trace: the loaded trace (loadTrace), what the worker pool adds to share it
 *    (shareTrace), a --mix of it with a small trace, a lock-applied copy (applyLockModel
 *    pinned:0.2), and the engine's slot remap of sparse ids (a per-op Int32Array). The bar: at
 *    most 16 B/op. (What loading costs on the way shows in the peak RSS below.)
 * 2. Peak RSS of whole commands (child processes, GNU time's %M): `rmalloc-sim run -a slab` on
 *    the generated trace and on a 1000-op one, (peak − small) / (ops − 1000) bytes per op; also
 *    with `--locks pinned:0.2`. And whether the peak grows with the trace at all: the same run
 *    on the trace's first fifth, (peak − peak at ops/5) / (ops − ops/5) bytes per op (about 0
 *    for a run that streams).
 * Each CLI given with --cli (a dist/cli.js; repeatable, default this tree's) is measured in the
 * same run, so an old build and a new one compare on the same machine state; their run JSON
 * must be identical (wallMs aside).
 *
 *   make build && TS_NODE_TRANSPILE_ONLY=true nice -n 10 node --expose-gc -r ts-node/register \
 *     bench/memory.bench.ts [--ops 10M] [--cli OLD/dist/cli.js --cli dist/cli.js] [--trace FILE]
 *
 * --trace FILE reuses a trace generated before (written there when missing).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { applyLockModel } from '../src/sim/locks';
import { shareTrace } from '../src/sim/parallel';
import { loadTrace, mixTraces, type PackedTrace } from '../src/trace';
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

/** Peak RSS (bytes), stdout and CPU seconds of `node cli run -d nds -a slab -t file --json ...extra`. */
function peakRun(cli: string, file: string, extra: string[] = []): { rss: number; json: string; cpu: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', process.execPath, cli, 'run', '-d', 'nds', '-a', 'slab', '-t', file, '--json', ...extra], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`${cli}: exit ${r.status}\n${r.stderr}`);
  const last = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  const run = JSON.parse(r.stdout) as { wallMs?: number };
  delete run.wallMs;
  return { rss: last[0]! * 1024, json: JSON.stringify(run), cpu: last[1]! + last[2]! };
}

/** Bytes of the op columns of `t` (their buffers), not counting buffers of `besides`. */
function bytesOf(t: PackedTrace, besides?: PackedTrace): number {
  const cols = (x: PackedTrace) => [x.ops.kind, x.ops.id, x.ops.arg, x.ops.line].map((c) => c.buffer);
  const other = new Set<ArrayBufferLike>(besides ? cols(besides) : []);
  return [...new Set(cols(t))].filter((b) => !other.has(b)).reduce((s, b) => s + b.byteLength, 0);
}

const perOp = (bytes: number, ops: number): string => (bytes / ops).toFixed(2);

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
    const kept = argOf('--trace');
    const big = kept ? path.resolve(kept) : path.join(dir, 'big.trace.gz');
    const small = path.join(dir, 'small.trace.gz');
    const fifth = path.join(dir, 'fifth.trace.gz');
    if (!fs.existsSync(big)) await generateFile(big, ops);
    await generateFile(small, 1000);
    await generateFile(fifth, Math.round(ops / 5)); // the same generator and seed: the big trace's first fifth
    process.stderr.write(`trace of ${ops} ops: ${big} (${(fs.statSync(big).size / 1e6).toFixed(1)} MB gzip)\n`);

    const t = await loadTrace(big);
    const n = t.ops.n;
    const cols = ['kind', 'id', 'arg', 'line'].map((k) => `${k} ${(t.ops as unknown as Record<string, { constructor: { name: string } }>)[k]!.constructor.name}`);
    const shared = shareTrace(t);
    const mixed = mixTraces([t, await loadTrace(small)], { seed: 1 });
    const locked = applyLockModel(t, 'pinned:0.2', 1);

    process.stdout.write(`Generated trace: ${n} ops, 1000-4000 live ids, sizes 1 B..4 KiB; nds; ${new Date().toISOString()}; load ${os.loadavg()[0]!.toFixed(1)}\n\n`);
    process.stdout.write('Held for many replays (this tree\'s src): bytes of the op columns per op:\n\n| what | B/op |\n|---|---:|\n');
    process.stdout.write(`| loaded trace (loadTrace: ${cols.join(', ')}) | ${perOp(bytesOf(t), n)} |\n`);
    process.stdout.write(`| added by shareTrace (the worker pool's copy) | ${perOp(bytesOf(shared, t), n)} |\n`);
    process.stdout.write(`| --mix of it and a 1000-op trace (per mixed op) | ${perOp(bytesOf(mixed), mixed.ops.n)} |\n`);
    process.stdout.write(`| lock-applied copy, pinned:0.2 (per op of the copy: ${locked.ops.n} ops) | ${perOp(bytesOf(locked), locked.ops.n)} |\n`);
    process.stdout.write('| slot remap of sparse ids (Int32 per op; only for ids above max(2^20, 4 x ops)) | 4.00 |\n\n');

    process.stdout.write('`run -d nds -a slab -t <trace> --json [extra]`, peak RSS of the whole command minus that of the same command on a 1000-op trace, per op:\n\n');
    process.stdout.write(
      '| CLI | extra | run peak RSS | 1000-op run peak RSS | bytes/op | peak at ops/5 | bytes/op from ops/5 to ops | CPU s |\n|---|---|---:|---:|---:|---:|---:|---:|\n',
    );
    const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
    const n5 = Math.round(ops / 5);
    let same = true;
    for (const extra of [[], ['--locks', 'pinned:0.2']]) {
      const jsons: string[] = [];
      for (const cli of clis) {
        const s = peakRun(cli, small, extra);
        const f = peakRun(cli, fifth, extra);
        const b = peakRun(cli, big, extra);
        jsons.push(b.json);
        process.stdout.write(
          `| ${path.relative(ROOT, cli) || cli} | ${extra.join(' ') || '-'} | ${mib(b.rss)} | ${mib(s.rss)} | ${((b.rss - s.rss) / (n - 1000)).toFixed(1)} | ${mib(f.rss)} | ${((b.rss - f.rss) / (n - n5)).toFixed(1)} | ${b.cpu.toFixed(1)} |\n`,
        );
      }
      same &&= jsons.every((j) => j === jsons[0]);
    }
    if (clis.length > 1) {
      process.stdout.write(`\nrun JSON identical across the CLIs (wallMs aside): ${same ? 'yes' : 'NO'}\n`);
      if (!same) process.exitCode = 1;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
