/**
 * Trace parse throughput (issue 3; target >= 5M ops/s parse-only).
 *
 * Generates a deterministic 1M-op gzip trace into .cache/ (once), then measures, best of
 * several runs each:
 *   gunzip only          the floor: stream the file through zlib, touch nothing
 *   openTrace batches    the streaming reader: gunzip + byte-level parse + validation
 *   loadTrace            the same, packed into one set of typed arrays
 *   naive readline       node:readline over the gunzip stream, split + Number per line, a Set
 *                        of live ids: the obvious implementation, for the ratio
 * and writes bench/trace-parse.md. Run: `npx ts-node bench/trace-parse.bench.ts` (or make bench).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as zlib from 'node:zlib';
import { loadTrace, openTrace } from '../src/trace';
import { Prng } from '../src/util/prng';

const OPS = 1_000_000;
const SEED = 20261127;
const ROOT = path.join(__dirname, '..');
const FILE = path.join(ROOT, '.cache', `trace-parse-${OPS}-${SEED}.trace.gz`);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** A firmware-ish mix: allocs and frees of live ids, some reallocs, lock pairs and idles. */
function generate(): void {
  fs.mkdirSync(path.dirname(FILE), { recursive: true });
  const r = new Prng(SEED);
  const live: number[] = [];
  const free: number[] = [];
  let next = 0;
  const lines: string[] = ['# synthetic: trace-parse benchmark input (deterministic, seed ' + SEED + ')'];
  for (let i = 0; i < OPS; i++) {
    const u = r.next();
    if (live.length > 0 && u < 0.42) {
      const k = r.int(0, live.length - 1);
      const id = live[k]!;
      live[k] = live[live.length - 1]!;
      live.pop();
      free.push(id);
      lines.push(`f ${id}`);
    } else if (live.length > 0 && u < 0.47) {
      lines.push(`r ${live[r.int(0, live.length - 1)]!} ${r.int(1, 8192)}`);
    } else if (live.length > 0 && u < 0.49) {
      const id = live[r.int(0, live.length - 1)]!;
      lines.push(`l ${id}`);
      lines.push(`u ${id}`);
      i++;
    } else if (u < 0.5) {
      lines.push(`i ${r.int(100, 100000)}`);
    } else {
      const id = free.length > 0 ? free.pop()! : next++;
      live.push(id);
      const size = r.next() < 0.9 ? r.int(1, 256) : r.int(257, 65536);
      lines.push(`a ${id} ${size}`);
    }
  }
  const text = lines.slice(0, OPS + 1).join('\n') + '\n';
  fs.writeFileSync(FILE, zlib.gzipSync(text, { level: 6 }));
}

async function gunzipOnly(): Promise<number> {
  let bytes = 0;
  const s = fs.createReadStream(FILE, { highWaterMark: 1 << 18 }).pipe(zlib.createGunzip({ chunkSize: 1 << 18 }));
  for await (const c of s) bytes += (c as Buffer).length;
  return bytes;
}

async function streamed(): Promise<number> {
  let n = 0;
  for await (const b of openTrace(FILE).batches()) n += b.n;
  return n;
}

async function loaded(): Promise<number> {
  return (await loadTrace(FILE)).ops.n;
}

/** The obvious implementation: readline, split, Number, a Set of live ids, JS arrays. */
async function naive(): Promise<number> {
  const rl = readline.createInterface({ input: fs.createReadStream(FILE).pipe(zlib.createGunzip()), crlfDelay: Infinity });
  const live = new Set<number>();
  const kinds: string[] = [];
  const ids: number[] = [];
  const args: number[] = [];
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(/\s+/);
    const k = f[0]!;
    const id = Number(f[1]);
    const arg = f.length > 2 ? Number(f[2]) : 0;
    if (!Number.isSafeInteger(id) || id < 0 || !Number.isFinite(arg) || arg < 0) throw new Error(`bad line ${line}`);
    if (k === 'a') {
      if (live.has(id)) continue;
      live.add(id);
    } else if (k === 'f') {
      if (!live.delete(id)) continue;
    } else if (k !== 'i' && !live.has(id)) continue;
    kinds.push(k);
    ids.push(id);
    args.push(arg);
  }
  return kinds.length;
}

interface Row {
  name: string;
  best: number;
  median: number;
  /** Best process CPU time (all threads: zlib runs on the libuv pool), seconds. */
  cpu: number;
  ops: number;
}

async function measure(name: string, fn: () => Promise<number>): Promise<Row> {
  const times: number[] = [];
  let cpu = Infinity;
  let ops = 0;
  await fn(); // warm-up
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    ops = await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1e6);
  }
  times.sort((a, b) => a - b);
  const row = { name, best: times[0]!, median: times[Math.floor(times.length / 2)]!, cpu, ops };
  process.stderr.write(`${name}: best ${(row.best * 1000).toFixed(1)} ms, median ${(row.median * 1000).toFixed(1)} ms, cpu ${(cpu * 1000).toFixed(1)} ms\n`);
  return row;
}

async function main(): Promise<void> {
  if (!fs.existsSync(FILE)) generate();
  const gzBytes = fs.statSync(FILE).size;
  const load1 = os.loadavg()[0]!;
  const floor = await measure('gunzip only', gunzipOnly);
  const rows = [await measure('openTrace batches', streamed), await measure('loadTrace', loaded), await measure('naive readline', naive)];
  const load2 = os.loadavg()[0]!;
  const rawBytes = await gunzipOnly();
  const fmt = (x: number): string => (x / 1e6).toFixed(2);
  const streamedRow = rows[0]!;
  const naiveRow = rows[2]!;
  let md = `# Trace parse throughput\n\n`;
  md += `Generated by \`bench/trace-parse.bench.ts\` (\`TS_NODE_TRANSPILE_ONLY=true npx ts-node bench/trace-parse.bench.ts\`, also run by \`make bench\`).\n\n`;
  md += `- Input: ${OPS.toLocaleString('en')} ops, deterministic synthetic trace (seed ${SEED}), gzip ${(gzBytes / 1048576).toFixed(2)} MiB, ${(rawBytes / 1048576).toFixed(2)} MiB of text.\n`;
  md += `- Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}, ${os.platform()} ${os.release()}.\n`;
  md += `- Load average (1 min) before / after: ${load1.toFixed(2)} / ${load2.toFixed(2)} (the machine is shared; best of ${RUNS} runs after a warm-up).\n`;
  md += `- Date: ${new Date().toISOString()}.\n\n`;
  md += `| reader | best ms | median ms | CPU ms (best) | Mops/s (best wall) | Mops/s (median wall) | Mops/s (CPU) |\n|---|---:|---:|---:|---:|---:|---:|\n`;
  for (const r of [floor, ...rows])
    md += `| ${r === floor ? 'gunzip only (floor)' : r.name} | ${(r.best * 1000).toFixed(1)} | ${(r.median * 1000).toFixed(1)} | ${(r.cpu * 1000).toFixed(1)} | ${fmt(OPS / r.best)} | ${fmt(OPS / r.median)} | ${fmt(OPS / r.cpu)} |\n`;
  md += `\nMops/s counts the ${OPS.toLocaleString('en')} trace ops for every row (the floor parses nothing). CPU is process CPU time (all threads), which is what the reader costs when the machine is not shared.\n`;
  md += `\nStreaming reader vs naive readline: **${(naiveRow.best / streamedRow.best).toFixed(1)}x** faster (best), ${(naiveRow.median / streamedRow.median).toFixed(1)}x (median).\n`;
  md += `Target: >= 5 Mops/s parse-only: ${OPS / streamedRow.best >= 5e6 ? 'met' : 'NOT met'} (best ${fmt(OPS / streamedRow.best)} Mops/s).\n`;
  fs.writeFileSync(path.join(ROOT, 'bench', 'trace-parse.md'), md);
  process.stdout.write(md);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
