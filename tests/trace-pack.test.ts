/**
 * Packed traces in bounded memory (issue 15 item 6): loadTrace keeps a trace in 13 bytes per
 * op (kind 1 + id, size and line 4 each) when the values fit 32 bits, exactly (the same numbers
 * as the 25-byte float64 layout), falls back to float64 per column when they do not, and every
 * consumer (replay, worker sharing, the shard hash, lock models) sees the same trace.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { loadDevice } from '../src/device';
import { replay } from '../src/sim';
import { shareTrace } from '../src/sim/parallel';
import { applyLockModel } from '../src/sim/locks';
import { traceHash } from '../src/study/shard';
import { BATCH_OPS, loadTrace, mixTraces, narrowOps, packedBytesAllocated, traceFromText, type PackedTrace } from '../src/trace';

const bytesOf = (t: PackedTrace): number => t.ops.kind.byteLength + t.ops.id.byteLength + t.ops.arg.byteLength + t.ops.line.byteLength;

/** A native trace of n ops over a few hundred live ids (several reader batches when n > 65536). */
function text(n: number): string {
  let s = '# generated\n';
  let live = 0;
  for (let i = 0; i < n; i++) {
    if (live < 300 && (i % 3 !== 2 || live === 0)) s += `a ${live++} ${1 + ((i * 37) % 900)}\n`;
    else s += `f ${--live}\n`;
  }
  return s;
}

test('loadTrace packs a trace to 13 bytes per op, the same numbers as float64', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-pack-'));
  try {
    const n = 3 * BATCH_OPS + 123; // several chunks
    const src = text(n);
    const file = path.join(dir, 'p.trace.gz');
    fs.writeFileSync(file, zlib.gzipSync(src));
    const t = await loadTrace(file);
    assert.is(t.ops.n, n);
    assert.ok(t.ops.id instanceof Uint32Array && t.ops.arg instanceof Uint32Array && t.ops.line instanceof Uint32Array);
    assert.is(bytesOf(t), 13 * n);
    assert.ok(bytesOf(t) / n <= 16);
    // Exactly the values of the text, parsed independently here.
    const lines = src.split('\n').slice(1, n + 1);
    for (let i = 0; i < n; i += 997) {
      const [op, id, size] = lines[i]!.split(' ');
      assert.is(t.ops.kind[i], op === 'a' ? 0 : 1);
      assert.is(t.ops.id[i], Number(id));
      assert.is(t.ops.arg[i], size === undefined ? 0 : Number(size));
      assert.is(t.ops.line[i], i + 2);
    }
    // A float64 copy of the same ops replays to the same result, and hashes the same.
    const wide: PackedTrace = {
      ...t,
      ops: { n, kind: t.ops.kind, id: Float64Array.from(t.ops.id), arg: Float64Array.from(t.ops.arg), line: Float64Array.from(t.ops.line) },
    };
    assert.is(traceHash(wide), traceHash(t));
    const cfg = { device: loadDevice('nds'), allocator: 'tlsf', oom: 'fail' as const, series: false };
    const a = replay(t, cfg);
    const b = replay(wide, cfg);
    a.wallMs = b.wallMs = 0;
    assert.equal(a, b);
    // Shared with workers in the same element types.
    const s = shareTrace(t);
    assert.ok(s.ops.id instanceof Uint32Array && s.ops.id.buffer instanceof SharedArrayBuffer);
    assert.equal(Array.from(s.ops.arg), Array.from(t.ops.arg));
    // Lock models hand back narrow ops too.
    const locked = applyLockModel(t, 'pinned:0.5', 1);
    assert.ok(locked.ops.id instanceof Uint32Array);
    assert.ok(locked.ops.n > n);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a column whose values do not fit 32 bits stays float64, exactly', () => {
  const t = traceFromText(text(500) + `a 9000 ${2 ** 33}\na 5000000000 7\n`);
  assert.ok(t.ops.arg instanceof Float64Array, 'a size of 2^33');
  assert.ok(t.ops.id instanceof Float64Array, 'an id of 5e9');
  assert.ok(t.ops.line instanceof Uint32Array);
  assert.is(t.ops.arg[t.ops.n - 2], 2 ** 33);
  assert.is(t.ops.id[t.ops.n - 1], 5e9);
  const b = narrowOps({ n: 3, kind: new Uint8Array(3), id: Float64Array.of(1, 2.5, 3), arg: Float64Array.of(0, -0, 1), line: Float64Array.of(1, 2, 4294967296) });
  assert.ok(b.id instanceof Float64Array && b.arg instanceof Float64Array && b.line instanceof Float64Array);
  assert.ok(Object.is(b.arg[1], -0));
});

/** Writes text(n) gzipped into a fresh temporary folder; returns the file (removed by `done`). */
function gzFile(n: number): { file: string; done: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-pack-'));
  const file = path.join(dir, 't.trace.gz');
  fs.writeFileSync(file, zlib.gzipSync(text(n)));
  return { file, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const shared = (t: PackedTrace): boolean => [t.ops.kind, t.ops.id, t.ops.arg, t.ops.line].every((c) => c.buffer instanceof SharedArrayBuffer);

test('loadTrace counts first and fills its final columns: nothing allocated beside them, in shared memory', async () => {
  const { file, done } = gzFile(3 * BATCH_OPS + 77);
  try {
    const before = packedBytesAllocated();
    const t = await loadTrace(file);
    // The old loader copied every batch into a chunk, then the chunks into the final columns: 26 B/op.
    assert.is(packedBytesAllocated() - before, 13 * t.ops.n);
    assert.ok(shared(t));
    assert.is(shareTrace(t), t, 'the worker pool hands the loaded columns over without a copy');
  } finally {
    done();
  }
});

test('a mixed trace is packed like a loaded one: 32-bit columns, 13 B/op, shared', async () => {
  const a = gzFile(5000);
  const b = gzFile(7000);
  try {
    const ta = await loadTrace(a.file);
    const tb = await loadTrace(b.file);
    const before = packedBytesAllocated();
    const m = mixTraces([ta, tb], { seed: 5 });
    assert.is(packedBytesAllocated() - before, 13 * 12000);
    assert.ok(m.ops.id instanceof Uint32Array && m.ops.arg instanceof Uint32Array && m.ops.line instanceof Uint32Array);
    assert.ok(shared(m) && shareTrace(m) === m);
    // Program b's ids are shifted past a's largest id (299: text() keeps at most 300 live).
    const bIds = new Set<number>();
    for (let i = 0; i < m.ops.n; i++) if (m.ops.id[i]! >= 300) bIds.add(m.ops.id[i]! - 300);
    assert.ok(bIds.size > 0 && Math.max(...bIds) <= 299);
    // Ids that do not fit 32 bits once shifted: the id column stays float64, exactly.
    const big = traceFromText(`a ${2 ** 32 - 1} 8\nf ${2 ** 32 - 1}\n`);
    const w = mixTraces([ta, big], { seed: 1 });
    assert.ok(w.ops.id instanceof Float64Array && w.ops.arg instanceof Uint32Array);
    assert.ok([...w.ops.id].includes(2 ** 32 - 1 + 300));
  } finally {
    a.done();
    b.done();
  }
});

test('lock models allocate exactly their output, packed (13 B/op), in one set of columns', async () => {
  const { file, done } = gzFile(20000);
  try {
    const t = await loadTrace(file);
    for (const spec of ['pinned:0.5', 'lifetime:0.01']) {
      const before = packedBytesAllocated();
      const locked = applyLockModel(t, spec, 3);
      assert.is(packedBytesAllocated() - before, 13 * locked.ops.n, spec);
      assert.ok(locked.ops.n > t.ops.n && shared(locked), spec);
    }
  } finally {
    done();
  }
});

test.run();
