/**
 * Seeded generators of SYNTHETIC firmware-like traces (not recorded from a program):
 *
 *   packet-pool   a network stack: fixed-size packet buffers and descriptors arriving in bursts,
 *                 queued, processed and freed a few ticks later; TCP connections (control block
 *                 + send buffer) opened and closed; replies; ARP cache entries replaced.
 *   level-load    a game: long-lived engine objects, then per level a load phase of big assets
 *                 (tile maps, graphics, samples) interleaved with small long-lived records
 *                 (save data, achievements), a play phase of entities and particles, and an
 *                 unload that frees the assets in bulk. Levels differ in size, so the small
 *                 survivors between them fragment the heap.
 *   sensor-ring   an 8-bit data logger: a ring of sensor records of a few sizes (oldest freed
 *                 when full), a batch message grown by realloc and uploaded every 16 samples,
 *                 rare configuration reloads. Steady-state churn; peak under 1 KiB.
 *
 * Same seed and options, same trace, on any machine (xoshiro128** from src/util/prng.ts).
 *
 *   npx ts-node --transpile-only scripts/gen-synthetic.ts KIND [--seed N] [--scale X] [-o FILE]
 *   npx ts-node --transpile-only scripts/gen-synthetic.ts bundled [--out-dir firmware-traces]
 *
 * FILE ending in .gz is gzipped; without -o the trace goes to KIND.trace.gz. `bundled` writes
 * the three synthetic-*.trace.gz files shipped in firmware-traces/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Prng } from '../src/util/prng';
import { NativeTraceBuilder } from '../src/trace/record';
import { IdPool } from '../src/trace/import-util';
import { OP_ALLOC, OP_FREE, OP_REALLOC } from '../src/trace/types';

/** Ops out of a generator: ids handed out smallest-first, like the recorder's. */
class Emitter {
  private readonly ids = new IdPool();
  constructor(readonly out: NativeTraceBuilder) {}

  alloc(size: number): number {
    const id = this.ids.take();
    this.out.op(OP_ALLOC, id, Math.max(0, Math.round(size)));
    return id;
  }

  free(id: number): void {
    this.out.op(OP_FREE, id, 0);
    this.ids.give(id);
  }

  realloc(id: number, size: number): void {
    this.out.op(OP_REALLOC, id, Math.max(0, Math.round(size)));
  }
}

export interface GenOptions {
  seed: number;
  /** Multiplies the length (ticks, levels' play time, samples). */
  scale: number;
}

interface Generator {
  describe: string;
  /** Default seed of the bundled trace. */
  seed: number;
  /** sizeof(void *) on the target the sizes model (the `pointer-bytes:` header line). */
  pointerBytes: 2 | 4;
  run(e: Emitter, rng: Prng, opts: GenOptions): void;
}

const pick = <T>(rng: Prng, xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)] as T;

// ---- packet-pool ------------------------------------------------------------------------------

const PBUF_SIZE = 1536; // one Ethernet MTU frame plus headroom
const PBUF_DESC = 48; // the pbuf header / descriptor
const POOL_LIMIT = 16; // buffers in flight before the driver drops frames (an ESP8266-class budget)

function packetPool(e: Emitter, rng: Prng, opts: GenOptions): void {
  // Boot: interface, routing table, sockets' static parts (kept for the whole run).
  e.alloc(212); // netif
  for (let i = 0; i < 8; i++) e.alloc(36); // routes
  const arp: number[] = [];
  for (let i = 0; i < 10; i++) arp.push(e.alloc(32));
  const listeners = [e.alloc(180), e.alloc(180)]; // two listening PCBs
  void listeners;

  type Pkt = { buf: number; desc: number; due: number };
  const rx: Pkt[] = [];
  const tx: Pkt[] = [];
  const conns: { pcb: number; sndbuf: number; closeAt: number }[] = [];
  let reasm: number | null = null;
  let reasmSize = 0;
  const ticks = Math.round(12000 * opts.scale);
  for (let t = 0; t < ticks; t++) {
    // A burst arrives now and then (bursty traffic: most ticks are quiet).
    if (rng.next() < 0.18) {
      const n = rng.next() < 0.15 ? rng.int(12, 32) : rng.int(1, 6);
      for (let i = 0; i < n; i++) {
        if (rx.length + tx.length >= POOL_LIMIT) break; // pool exhausted: frame dropped
        const desc = e.alloc(PBUF_DESC);
        const buf = e.alloc(PBUF_SIZE);
        rx.push({ buf, desc, due: t + rng.int(1, 8) });
      }
    }
    // The stack processes received frames in order once they are due.
    while (rx.length && (rx[0] as Pkt).due <= t) {
      const p = rx.shift() as Pkt;
      const r = rng.next();
      if (r < 0.1) {
        // A fragment: appended to the reassembly buffer, which grows by realloc.
        if (reasm === null) {
          reasmSize = rng.int(200, 1400);
          reasm = e.alloc(reasmSize);
        } else {
          reasmSize += rng.int(200, 1400);
          e.realloc(reasm, reasmSize);
          if (reasmSize > 6000 || rng.next() < 0.3) {
            e.free(reasm);
            reasm = null;
          }
        }
      } else if (r < 0.45) {
        // A request: the reply is built in a fresh buffer and queued for transmission.
        const desc = e.alloc(PBUF_DESC);
        const buf = e.alloc(rng.next() < 0.7 ? rng.int(64, 320) : PBUF_SIZE);
        tx.push({ buf, desc, due: t + rng.int(1, 4) });
      }
      e.free(p.buf);
      e.free(p.desc);
    }
    // Transmit completions free the reply buffers.
    while (tx.length && (tx[0] as Pkt).due <= t) {
      const p = tx.shift() as Pkt;
      e.free(p.buf);
      e.free(p.desc);
    }
    // TCP connections come and go: a control block and a send buffer each.
    if (rng.next() < 0.01 && conns.length < 4) {
      conns.push({ pcb: e.alloc(180), sndbuf: e.alloc(rng.int(1, 2) * 1024), closeAt: t + rng.int(100, 2000) });
    }
    for (let i = conns.length - 1; i >= 0; i--) {
      const c = conns[i]!;
      if (c.closeAt <= t) {
        e.free(c.sndbuf);
        e.free(c.pcb);
        conns.splice(i, 1);
      }
    }
    // ARP cache: an entry expires and a new one is learnt.
    if (rng.next() < 0.02) {
      const k = rng.int(0, arp.length - 1);
      e.free(arp[k] as number);
      arp[k] = e.alloc(32);
    }
  }
  // Shutdown drains the queues (the static parts stay, as on a device that never exits).
  for (const p of [...rx, ...tx]) {
    e.free(p.buf);
    e.free(p.desc);
  }
  for (const c of conns) {
    e.free(c.sndbuf);
    e.free(c.pcb);
  }
  if (reasm !== null) e.free(reasm);
}

// ---- level-load -------------------------------------------------------------------------------

function levelLoad(e: Emitter, rng: Prng, opts: GenOptions): void {
  // Engine boot: objects that live for the whole game.
  for (let i = 0; i < 150; i++) e.alloc(rng.int(16, 128));
  e.alloc(16 * 1024); // font
  e.alloc(8 * 1024); // UI sprites
  const saves: number[] = [];
  const levels = [0.55, 0.8, 0.45, 1.0, 0.7, 0.9, 0.6, 0.95];
  for (let lv = 0; lv < levels.length; lv++) {
    const weight = levels[lv] as number;
    // Load: assets in file order, each followed now and then by a small long-lived record.
    const assets: number[] = [];
    assets.push(e.alloc(64 * 64 * 2)); // tile map
    assets.push(e.alloc(1024 + rng.int(0, 3) * 512)); // level script
    const budget = 1.6 * 1024 * 1024 * weight;
    let loaded = 0;
    while (loaded < budget) {
      const kind = rng.next();
      const size =
        kind < 0.35 ? rng.int(16, 64) * 1024 // tile graphics
        : kind < 0.7 ? rng.int(4, 32) * 1024 // sprite sheet
        : kind < 0.9 ? rng.int(8, 160) * 1024 // sound sample
        : rng.int(256, 4096); // palette, animation table
      assets.push(e.alloc(size));
      loaded += size;
      if (rng.next() < 0.25) saves.push(e.alloc(rng.int(24, 64))); // achievement / save record
    }
    // Play: entities and particles churn; a dialog string grows by realloc.
    const entities: number[] = [];
    const particles: { id: number; until: number }[] = [];
    let dialog: number | null = null;
    let dialogLen = 0;
    const frames = Math.round(2500 * opts.scale * (0.5 + weight));
    for (let f = 0; f < frames; f++) {
      if (rng.next() < 0.05 && entities.length < 120) entities.push(e.alloc(pick(rng, [32, 48, 64, 96, 128, 256])));
      if (rng.next() < 0.04 && entities.length > 0) e.free(entities.splice(rng.int(0, entities.length - 1), 1)[0] as number);
      if (rng.next() < 0.3) for (let k = rng.int(1, 4); k > 0; k--) particles.push({ id: e.alloc(rng.int(16, 24)), until: f + rng.int(5, 40) });
      for (let k = particles.length - 1; k >= 0; k--) {
        const p = particles[k]!;
        if (p.until <= f) {
          e.free(p.id);
          particles.splice(k, 1);
        }
      }
      if (rng.next() < 0.01) {
        if (dialog === null) {
          dialogLen = rng.int(16, 64);
          dialog = e.alloc(dialogLen);
        } else if (dialogLen < 1024 && rng.next() < 0.7) {
          dialogLen += rng.int(16, 96);
          e.realloc(dialog, dialogLen);
        } else {
          e.free(dialog);
          dialog = null;
        }
      }
    }
    // Unload: everything of the level goes; the save records stay.
    for (const p of particles) e.free(p.id);
    for (const id of entities) e.free(id);
    if (dialog !== null) e.free(dialog);
    for (const id of assets) e.free(id);
    // Some old save records are compacted away between levels.
    for (let k = 0; k < 3 && saves.length > 8; k++) e.free(saves.splice(rng.int(0, saves.length - 1), 1)[0] as number);
  }
}

// ---- sensor-ring ------------------------------------------------------------------------------

function sensorRing(e: Emitter, rng: Prng, opts: GenOptions): void {
  // Sized for an 8-bit board (Arduino Uno class: 16-bit pointers, a heap of about 1 KiB).
  const RING = 16;
  const SIZES = [8, 8, 8, 12, 16, 24, 40]; // temperature, humidity, ... GPS fix
  const UPLOAD_EVERY = 16;
  const newConfig = (): number[] => [e.alloc(48), e.alloc(16), e.alloc(16)];
  let config = newConfig();
  const ring: number[] = [];
  let batch: number | null = null;
  let batchLen = 0;
  const samples = Math.round(40000 * opts.scale);
  for (let s = 0; s < samples; s++) {
    if (ring.length === RING) e.free(ring.shift() as number);
    ring.push(e.alloc(pick(rng, SIZES)));
    // Serialise each sample into the pending upload message.
    if (batch === null) {
      batchLen = 16;
      batch = e.alloc(batchLen);
    } else {
      batchLen += rng.int(6, 14); // binary-packed sample
      e.realloc(batch, batchLen);
    }
    if (s % UPLOAD_EVERY === UPLOAD_EVERY - 1) {
      // Upload: the message goes, a small acknowledgement is parsed.
      e.free(batch);
      batch = null;
      const ack = e.alloc(rng.int(4, 12));
      e.free(ack);
    }
    if (rng.next() < 0.0005) {
      for (const c of config) e.free(c);
      config = newConfig();
    }
  }
  for (const id of ring) e.free(id);
  if (batch !== null) e.free(batch);
}

export const GENERATORS: Record<string, Generator> = {
  'packet-pool': {
    describe: 'network stack: fixed-size packet buffers and descriptors in bursts, replies, TCP connections, ARP cache',
    seed: 1,
    pointerBytes: 4, // an ESP8266 (Xtensa LX106, 32-bit)
    run: packetPool,
  },
  'level-load': {
    describe: 'game: long-lived engine objects; per level big assets loaded, played, freed in bulk; small save records survive between levels',
    seed: 2,
    pointerBytes: 4, // a 32-bit handheld (the nds's ARM946E-S)
    run: levelLoad,
  },
  'sensor-ring': {
    describe: '8-bit data logger: ring of 16 sensor records, batch message grown by realloc and uploaded every 16 samples',
    seed: 3,
    pointerBytes: 2, // an 8-bit AVR (Arduino Uno class): 16-bit pointers
    run: sensorRing,
  },
};

export interface GenResult {
  path: string;
  ops: number;
  allocs: number;
  frees: number;
  reallocs: number;
  peakLive: number;
  maxSize: number;
}

/** Writes one synthetic trace and returns its counts. */
export async function generate(kind: string, outPath: string, opts: Partial<GenOptions> = {}): Promise<GenResult> {
  const g = GENERATORS[kind];
  if (!g) throw new Error(`unknown generator "${kind}"; known: ${Object.keys(GENERATORS).join(', ')}`);
  const o: GenOptions = { seed: opts.seed ?? g.seed, scale: opts.scale ?? 1 };
  const b = new NativeTraceBuilder(os.tmpdir());
  try {
    g.run(new Emitter(b), new Prng(o.seed), o);
  } catch (err) {
    b.discard();
    throw err;
  }
  const t = b.tally;
  await b.finish(outPath, [
    ' SYNTHETIC trace: generated, not recorded from a program',
    ` generator: scripts/gen-synthetic.ts ${kind} --seed ${o.seed} --scale ${o.scale}`,
    ` models: ${g.describe}`,
    ` pointer-bytes: ${g.pointerBytes}`,
    ` ops: ${t.ops} (allocs ${t.allocs}, frees ${t.frees}, reallocs ${t.reallocs}); ids: ${t.maxId + 1}; peak live bytes: ${t.peakLive}; max size: ${t.maxSize}`,
    ` live at end: ${t.liveIds} ids, ${t.live} bytes`,
  ]);
  return { path: outPath, ops: t.ops, allocs: t.allocs, frees: t.frees, reallocs: t.reallocs, peakLive: t.peakLive, maxSize: t.maxSize };
}

async function main(argv: string[]): Promise<void> {
  const args = [...argv];
  const flag = (name: string, alias?: string): string | undefined => {
    const i = args.findIndex((a) => a === name || (alias !== undefined && a === alias));
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (v === undefined) throw new Error(`${name} needs a value`);
    args.splice(i, 2);
    return v;
  };
  const seedS = flag('--seed');
  const scaleS = flag('--scale');
  const out = flag('-o', '--out');
  const outDir = flag('--out-dir') ?? path.resolve(__dirname, '..', 'firmware-traces');
  const kind = args[0];
  const opts: Partial<GenOptions> = {};
  if (seedS !== undefined) opts.seed = Number(seedS);
  if (scaleS !== undefined) opts.scale = Number(scaleS);
  if (!kind || args.length > 1 || Number.isNaN(opts.seed) || Number.isNaN(opts.scale)) {
    process.stderr.write(`usage: gen-synthetic.ts (${Object.keys(GENERATORS).join('|')}|bundled) [--seed N] [--scale X] [-o FILE] [--out-dir DIR]\n`);
    process.exit(2);
  }
  const kinds = kind === 'bundled' ? Object.keys(GENERATORS) : [kind];
  for (const k of kinds) {
    const file = kind === 'bundled' ? path.join(outDir, `synthetic-${k}.trace.gz`) : (out ?? `${k}.trace.gz`);
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const r = await generate(k, file, opts);
    process.stdout.write(`${r.path}\t${r.ops} ops (a ${r.allocs}, f ${r.frees}, r ${r.reallocs})\tpeak live ${r.peakLive} bytes\tmax size ${r.maxSize}\n`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`gen-synthetic: ${(e as Error).message}\n`);
    process.exit(2);
  });
}
