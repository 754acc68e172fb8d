/**
 * Runs an instrumented C allocator (src/wasm/instrument.ts) on the simulated device: the
 * Allocator the engine sees for `--allocator my_alloc.c` (design §5a).
 *
 * How it works
 * ------------
 * Memory map. The module imports its linear memory, which rmalloc-sim lays out:
 *   [0, 1024)            unmapped (NULL page): any access faults
 *   [1024, __heap_base)  the allocator's static data, then its 8 KiB C stack ("statics")
 *   [H, H + heap size)   the device heap, H = the first 64 KiB boundary above __heap_base plus
 *                        the device heap base modulo 64 KiB, so every alignment up to 64 KiB is
 *                        the same in wasm and on the device
 * A wasm address w in the heap is the device address D + (w − H) (D: the device heap base):
 * rsim_init gets (H, size), the handles the engine sees are device addresses. The bus's heap
 * span is moved onto the same bytes (MemoryBus.adoptHeapMemory), so the application's payload
 * patterns and the allocator's headers share one memory, as on the device.
 * The statics live in device RAM too: in the fastest region of the profile other than the heap's
 * that holds them (the nds's DTCM), else in the heap's region just below the heap (or after it).
 *
 * Charges. Every instrumented load and store calls back here with its wasm address and width:
 * - in the heap: bus.read8/16/32 / write8/16/32 at the device address, exactly as a built-in
 *   allocator's accesses (N/S rules, faults, write widths); a 64-bit access is two 32-bit ones;
 * - in the statics: priced from the statics region's cost table (N/S by address continuity),
 *   charged through bus.chargeStatics and counted apart; misaligned accesses follow the
 *   profile's rule (fault or split into bytes);
 * - elsewhere: a BusFault naming the device address.
 * memcpy/memmove are bus.copy (the memmove model), as a built-in realloc's copy. After each call
 * the executed instructions (counted by the instrumentation) times the profile's
 * cpu.wasmCyclesPerInstruction (default 0.25) are charged as ALU work with bus.work: an estimate,
 * flagged as such in every run's bus counters.
 *
 * Calls. Each call gets an instruction budget (param `budget`): past it the call is abandoned
 * with an AllocatorUsageError (an error event; the run goes on), as is a trap (assert, abort,
 * unreachable, stack overflow); the C stack pointer is restored. printf & co write to stderr
 * through a small WASI shim.
 *
 * High water mark: the highest heap byte a charged access touched or a returned block reaches
 * (bus.heapHighWater, in every run's bus counters): what a black box used at most, whatever it
 * reports as free.
 *
 * Observers (no cycles: hooks do not charge while they run): the optional exports
 * rsim_usable_size, rsim_free_bytes, rsim_largest_free and rsim_walk when defined; otherwise
 * - usable size: the request (tracked per live block);
 * - free bytes: heap size − Σ usable bytes of the live blocks (metadata counted as free);
 * - largest allocatable: probed — the largest n for which rsim_malloc(n) succeeds, found by
 *   bisection, each try on a snapshot (every byte a try writes is journaled and restored, and
 *   the globals with it). A probe is as exact as a built-in allocator's answer and costs ~22
 *   calls, so it is redone only after the engine's walk cadence has walked the heap again
 *   (as often as the built-in allocators' walks); between walks the last answer, capped by
 *   the free bytes, stands;
 * - walk: the live blocks as returned, the gaps between them as free (their headers included);
 * - block footprint (rsim_block_size): the request rounded to the alignment; fixed overhead
 *   (rsim_fixed_overhead): 0.
 */
import { BusFault, costTable, placeStatics, type StaticsPlace } from '../bus';
import type { MemoryBus } from '../bus';
import type { DeviceProfile, HeapSpan } from '../device';
import { SimError } from '../errors';
import { AllocatorUsageError } from '../alloc/types';
import type { Allocator, AllocatorContext, AllocatorFactory, BlockInfo, BlockState, ParamSpec } from '../alloc/types';
import { hex } from '../util';

const PAGE = 65536;
/** Wasm addresses below this are the NULL page. */
const NULL_PAGE = 1024;
/** ESTIMATE: ALU cycles per executed wasm instruction when the profile gives none (see the schema). */
export const DEFAULT_CYCLES_PER_INSTRUCTION = 0.25;
/** Default instruction budget of one call. */
export const DEFAULT_BUDGET = 50_000_000;

export const C_PARAMS: readonly ParamSpec[] = [
  { name: 'budget', description: 'instructions one allocator call may execute before it is abandoned as runaway (an error event)', default: DEFAULT_BUDGET },
];

/** A compiled C allocator, ready to instantiate. */
export interface CModule {
  /** Display name (the first file's name). */
  name: string;
  /** The files it was built from, as given. */
  files: string[];
  module: WebAssembly.Module;
}

/** Reads the statics layout the linker exported (__data_end, __heap_base). */
function layoutOf(inst: WebAssembly.Instance): { heapBase: number } {
  const hb = inst.exports.__heap_base as WebAssembly.Global | undefined;
  return { heapBase: hb ? Number(hb.value) >>> 0 : 0 };
}

class BudgetExceeded extends Error {}

export class WasmAllocator implements Allocator {
  readonly name: string;
  readonly moving = false;

  private readonly bus: MemoryBus;
  private readonly heap: HeapSpan;
  private readonly alignment: number;
  private readonly memory: WebAssembly.Memory;
  private readonly u8: Uint8Array;
  private readonly dv: DataView;
  private readonly inst: WebAssembly.Instance;
  /** Wasm address of the heap and its device base. */
  readonly H: number;
  readonly D: number;
  readonly size: number;
  readonly statics: StaticsPlace & { lo: number; hi: number };
  private readonly cyclesPerInstr: number;
  private readonly budget: number;

  private readonly fMalloc: (n: number) => number;
  private readonly fFree: (p: number) => void;
  private readonly fRealloc: ((p: number, n: number) => number) | undefined;
  private readonly fLargest: (() => number) | undefined;
  private readonly fFreeBytes: (() => number) | undefined;
  private readonly fUsable: ((p: number) => number) | undefined;
  private readonly fWalk: (() => void) | undefined;
  private readonly fBlockSize: ((n: number) => number) | undefined;
  private readonly fFixed: (() => number) | undefined;
  private readonly ic: WebAssembly.Global;
  private readonly spGlobals: WebAssembly.Global[];
  private readonly sp0: number[];

  /** 0: charge accesses; 1: observer (no charge); 2: probe (no charge, journal writes). */
  private mode = 0;
  private journal: Array<[number, Uint8Array]> = [];
  /** Executed wasm instructions over all charged calls. */
  instructions = 0;
  private aluCarry = 0;
  /** Everything the allocator printed (the tail kept for error messages). */
  private out = '';
  /** Live blocks (payload wasm address → request), kept when an observer export is missing. */
  private readonly live: Map<number, number> | undefined;
  private liveUsable = 0;
  /** Bumped by every alloc, free and realloc: observer answers are cached per version. */
  private version = 0;
  private freeVersion = -1;
  private freeCache = 0;
  private usableP = -1;
  private usableVal = 0;
  /** Probe cache (largest allocatable without rsim_largest_free). */
  private probeValue = -1;
  private probeStale = true;
  private walkEpoch = 0;
  private probeEpoch = -1;
  /** Blocks rsim_walk reported (filled by the rsim.block import). */
  private walkSink: ((addr: number, size: number, state: number, payload: number) => void) | undefined;

  constructor(ctx: AllocatorContext, mod: CModule, dev: DeviceProfile) {
    this.name = mod.name;
    this.bus = ctx.bus;
    this.heap = ctx.heaps[0]!;
    this.alignment = ctx.alignment;
    if (this.bus.pointerBytes !== 4)
      throw new SimError('ALLOCATOR_PARAM', `${mod.name}: C allocators are compiled for 32-bit pointers (wasm32); device ${dev.name} has ${this.bus.pointerBytes}-byte pointers`);
    this.cyclesPerInstr = dev.cpu.wasmCyclesPerInstruction ?? DEFAULT_CYCLES_PER_INSTRUCTION;
    this.budget = Math.max(1000, Math.min(0x7fffffff, Number(ctx.params.budget ?? DEFAULT_BUDGET)));
    this.D = this.heap.base;
    this.size = this.heap.size;

    // Instantiate on a memory sized from the module's own minimum, then grow it to hold the heap.
    const imports = WebAssembly.Module.imports(mod.module);
    const memImport = imports.find((i) => i.kind === 'memory');
    if (!memImport) throw new SimError('ALLOCATOR_BUILD', `${mod.name}: the module does not import its memory (link with -Wl,--import-memory)`);
    const minPages = memPagesNeeded(mod.module);
    this.memory = new WebAssembly.Memory({ initial: minPages, maximum: 65536 });
    const env = this.importObject(imports, memImport);
    try {
      this.inst = new WebAssembly.Instance(mod.module, env);
    } catch (e) {
      throw new SimError('ALLOCATOR_BUILD', `${mod.name}: cannot instantiate: ${(e as Error).message}`);
    }
    const ex = this.inst.exports;
    for (const req of ['rsim_init', 'rsim_malloc', 'rsim_free'])
      if (typeof ex[req] !== 'function') throw new SimError('ALLOCATOR_BUILD', `${mod.name}: the allocator does not define ${req}, which rmalloc-sim requires (see include/rmalloc_sim.h)`);
    const { heapBase } = layoutOf(this.inst);
    const staticsHi = Math.max(heapBase, NULL_PAGE);
    this.H = Math.ceil(staticsHi / PAGE) * PAGE + (this.D % PAGE);
    if ((this.H & 3) !== 0) throw new SimError('ALLOCATOR_PARAM', `${mod.name}: the device heap base ${hex(this.D)} is not 4-byte aligned`);
    const pages = Math.ceil((this.H + this.size) / PAGE);
    if (pages > this.memory.buffer.byteLength / PAGE) this.memory.grow(pages - this.memory.buffer.byteLength / PAGE);
    this.u8 = new Uint8Array(this.memory.buffer);
    this.dv = new DataView(this.memory.buffer);
    const place = placeStatics(dev, this.heap, staticsHi - NULL_PAGE, costTable);
    this.statics = { ...place, lo: NULL_PAGE, hi: staticsHi };
    this.bus.adoptHeapMemory(this.D, new Uint8Array(this.memory.buffer, this.H, this.size));
    this.bus.aluEstimated = true;

    this.fMalloc = ex.rsim_malloc as (n: number) => number;
    this.fFree = ex.rsim_free as (p: number) => void;
    const opt = <T>(n: string): T | undefined => (typeof ex[n] === 'function' ? (ex[n] as T) : undefined);
    this.fRealloc = opt('rsim_realloc');
    this.fLargest = opt('rsim_largest_free');
    this.fFreeBytes = opt('rsim_free_bytes');
    this.fUsable = opt('rsim_usable_size');
    this.fWalk = opt('rsim_walk');
    this.fBlockSize = opt('rsim_block_size');
    this.fFixed = opt('rsim_fixed_overhead');
    this.ic = ex.rsim_ic as WebAssembly.Global;
    (ex.rsim_budget as WebAssembly.Global).value = this.budget;
    this.spGlobals = Object.keys(ex).filter((k) => /^rsim_g\d+$/.test(k)).map((k) => ex[k] as WebAssembly.Global);
    this.live = !this.fUsable || !this.fWalk || !this.fFreeBytes ? new Map() : undefined;

    // C runtime start-up (constructors) is not the allocator's work: uncharged.
    const initRt = opt<() => void>('_initialize');
    if (initRt) this.observe(() => initRt());
    this.sp0 = this.spGlobals.map((g) => Number(g.value));
    this.call('rsim_init', () => (ex.rsim_init as (h: number, n: number) => void)(this.H, this.size));
  }

  // ---- imports -----------------------------------------------------------------------------

  private importObject(imports: WebAssembly.ModuleImportDescriptor[], mem: WebAssembly.ModuleImportDescriptor): WebAssembly.Imports {
    const rsim = this.hooks();
    const wasi = this.wasi();
    const obj: Record<string, Record<string, WebAssembly.ImportValue>> = {};
    for (const i of imports) {
      const m = (obj[i.module] ??= {});
      if (i === mem) m[i.name] = this.memory;
      else if (i.module === 'rsim' && i.name in rsim) m[i.name] = rsim[i.name]!;
      else if (i.module === 'wasi_snapshot_preview1') m[i.name] = wasi[i.name] ?? (() => 52 /* ENOSYS */);
      else if (i.kind === 'function')
        throw new SimError('ALLOCATOR_BUILD', `${this.name}: the module imports ${i.module}.${i.name}, which rmalloc-sim does not provide`);
    }
    return obj;
  }

  /** The instrumentation's callbacks: the hot path of a C allocator replay. */
  private hooks(): Record<string, (...a: number[]) => number | void> {
    const bus = this.bus;
    const self = this;
    const H = () => this.H;
    let hBase = 0, D = 0, size = 0, sLo = 0, sHi = 0, sDev = 0;
    let costs: Float64Array = new Float64Array(12);
    let sLast = -1, sDir = 0;
    let split = false, mask16 = 1, mask32 = 3;
    let ready = false;
    const setup = (): void => {
      hBase = H();
      D = this.D;
      size = this.size;
      sLo = this.statics.lo;
      sHi = this.statics.hi;
      sDev = this.statics.base;
      costs = this.statics.costs;
      const dev = bus.device;
      split = dev.cpu.unaligned === 'split';
      const aa = dev.cpu.accessAlignment ?? 4;
      mask16 = Math.min(2, aa) - 1;
      mask32 = Math.min(4, aa) - 1;
      ready = true;
    };
    const devAddr = (a: number): number => (a >= hBase ? D + (a - hBase) : a >= sLo ? sDev + (a - sLo) : a);
    /** A statics access of w bytes (1, 2, 4 or 8) at wasm address a. */
    const statics = (a: number, w: number, dir: number): void => {
      if (a < sLo || a + w > sHi) {
        const d = devAddr(a);
        throw new BusFault('unmapped', d, Math.min(w, 4), undefined, `outside the heap and the allocator's statics and stack (wasm address ${hex(a)})`);
      }
      if (w === 8) {
        statics(a, 4, dir);
        statics(a + 4, 4, dir);
        return;
      }
      const m = w === 2 ? mask16 : w === 4 ? mask32 : 0;
      if ((a & m) !== 0) {
        if (!split) throw new BusFault('misaligned', sDev + (a - sLo), w, this.statics.region, `needs ${m + 1}-byte alignment (allocator statics/stack)`);
        for (let i = 0; i < w; i++) statics(a + i, 1, dir);
        return;
      }
      const seq = a === sLast && dir === sDir ? 1 : 0;
      bus.chargeStatics(costs[dir * 6 + (w === 1 ? 0 : w === 2 ? 2 : 4) + seq]!, dir === 1, w);
      sLast = a + w;
      sDir = dir;
    };
    const read = (a: number, w: number): void => {
      const o = a - hBase;
      if (o >= 0 && o < size) {
        if (o + w > bus.heapHighWater) bus.heapHighWater = Math.min(size, o + w);
        const d = D + o;
        if (w === 4) bus.read32(d);
        else if (w === 1) bus.read8(d);
        else if (w === 2) bus.read16(d);
        else {
          bus.read32(d);
          bus.read32(d + 4);
        }
        sLast = -1;
      } else statics(a, w, 0);
    };
    const write = (a: number, w: number): void => {
      const o = a - hBase;
      if (o >= 0 && o < size) {
        if (o + w > bus.heapHighWater) bus.heapHighWater = Math.min(size, o + w);
        // The bus writes the bytes now there (the store that follows writes the real value):
        // the write is charged, checked for faults and width, and leaves memory as the store will.
        const d = D + o;
        const u8 = self.u8;
        if (w === 4) bus.write32(d, u8[a]! | (u8[a + 1]! << 8) | (u8[a + 2]! << 16) | (u8[a + 3]! << 24));
        else if (w === 1) bus.write8(d, u8[a]!);
        else if (w === 2) bus.write16(d, u8[a]! | (u8[a + 1]! << 8));
        else {
          bus.write32(d, self.dv.getUint32(a, true));
          bus.write32(d + 4, self.dv.getUint32(a + 4, true));
        }
        sLast = -1;
      } else statics(a, w, 1);
    };
    const journal = (a: number, n: number): void => {
      if (a >= 0 && a + n <= self.u8.length) self.journal.push([a, self.u8.slice(a, a + n)]);
    };
    return {
      ld(p: number, off: number, w: number): number {
        if (self.mode === 0) {
          if (!ready) setup();
          read((p >>> 0) + (off >>> 0), w);
        }
        return p;
      },
      st(p: number, off: number, w: number): number {
        const a = (p >>> 0) + (off >>> 0);
        if (self.mode === 0) {
          if (!ready) setup();
          write(a, w);
        } else if (self.mode === 2) journal(a, w);
        return p;
      },
      stv(p: number, off: number, w: number): void {
        const a = (p >>> 0) + (off >>> 0);
        if (self.mode === 0) {
          if (!ready) setup();
          write(a, w);
        } else if (self.mode === 2) journal(a, w);
      },
      copy(dst: number, src: number, n: number): void {
        dst >>>= 0;
        src >>>= 0;
        n >>>= 0;
        if (n === 0) return;
        if (!ready) setup();
        const inHeap = (a: number): boolean => a >= hBase && a + n <= hBase + size;
        if (self.mode === 2) journal(dst, n);
        if (self.mode === 0 && inHeap(dst) && inHeap(src)) {
          bus.copy(D + (dst - hBase), D + (src - hBase), n);
          bus.heapHighWater = Math.max(bus.heapHighWater, Math.min(size, Math.max(dst, src) + n - hBase));
          sLast = -1;
          return;
        }
        // A copy touching the statics: word accesses where aligned, bytes elsewhere.
        const step = (a: number, i: number): number => (n - i >= 4 && ((a + i) & 3) === 0 ? 4 : 1);
        if (self.mode === 0) for (let i = 0, w = 0; i < n; i += w) read(src + i, (w = step(src, i)));
        if (dst + n > self.u8.length || src + n > self.u8.length) throw new BusFault('unmapped', devAddr(Math.max(dst, src)), 4, undefined, 'memcpy outside memory');
        self.u8.copyWithin(dst, src, src + n);
        if (self.mode === 0) for (let i = 0, w = 0; i < n; i += w) write(dst + i, (w = step(dst, i)));
      },
      budget(): void {
        throw new BudgetExceeded();
      },
      alignment(): number {
        return self.alignment;
      },
      block(addr: number, bytes: number, state: number, payload: number): void {
        self.walkSink?.(addr >>> 0, bytes >>> 0, state, payload >>> 0);
      },
    };
  }

  /** The WASI calls printf & co need; output goes to stderr (stdout carries results). */
  private wasi(): Record<string, (...a: never[]) => number> {
    const mem = (): DataView => new DataView(this.memory.buffer);
    return {
      fd_write: ((fd: number, iovs: number, n: number, nwritten: number): number => {
        const dv = mem();
        let total = 0;
        let text = '';
        for (let i = 0; i < n; i++) {
          const p = dv.getUint32(iovs + 8 * i, true);
          const l = dv.getUint32(iovs + 8 * i + 4, true);
          text += Buffer.from(this.memory.buffer, p, l).toString('utf8');
          total += l;
        }
        if (fd === 1 || fd === 2) {
          process.stderr.write(text);
          this.out = (this.out + text).slice(-400);
        }
        dv.setUint32(nwritten, total, true);
        return 0;
      }) as never,
      fd_close: (() => 0) as never,
      fd_seek: (() => 70) as never,
      fd_fdstat_get: ((_fd: number, p: number): number => {
        new Uint8Array(this.memory.buffer, p, 24).fill(0);
        new DataView(this.memory.buffer).setUint8(p, 2); // character device
        return 0;
      }) as never,
      environ_sizes_get: ((a: number, b: number): number => {
        mem().setUint32(a, 0, true);
        mem().setUint32(b, 0, true);
        return 0;
      }) as never,
      environ_get: (() => 0) as never,
      args_sizes_get: ((a: number, b: number): number => {
        mem().setUint32(a, 0, true);
        mem().setUint32(b, 0, true);
        return 0;
      }) as never,
      args_get: (() => 0) as never,
      clock_time_get: ((_id: number, _prec: bigint, p: number): number => {
        mem().setBigUint64(p, 0n, true);
        return 0;
      }) as never,
      proc_exit: ((code: number): number => {
        throw new AllocatorUsageError(`${this.name} called exit(${code})`);
      }) as never,
    };
  }

  // ---- calls -------------------------------------------------------------------------------

  /** A charged call: instructions counted and charged as ALU work; runaway and traps caught. */
  private call<T>(what: string, fn: () => T): T {
    this.ic.value = 0;
    let r: T;
    try {
      r = fn();
    } catch (e) {
      this.failed(what, e);
    }
    this.chargeInstructions();
    return r;
  }

  /** After a charged call threw: charge what ran, restore the C stack, rethrow as an event. */
  private failed(what: string, e: unknown): never {
    this.chargeInstructions();
    this.restoreStack();
    throw this.translate(what, e);
  }

  private chargeInstructions(): void {
    const n = Number(this.ic.value) >>> 0;
    this.instructions += n;
    // Whole cycles only (the fraction carries over), so the bus's totals stay integers.
    this.aluCarry += n * this.cyclesPerInstr;
    const whole = Math.floor(this.aluCarry);
    this.aluCarry -= whole;
    this.bus.work(whole);
  }

  /** An uncharged call (observers, start-up). */
  private observe<T>(fn: () => T): T {
    const m = this.mode;
    if (m === 0) this.mode = 1;
    try {
      return fn();
    } catch (e) {
      this.restoreStack();
      throw this.translate('an observer', e);
    } finally {
      this.mode = m;
    }
  }

  /** An observer export with 0 or 1 argument, unsigned result (no closure on the hot path). */
  private obs(f: (p?: number) => number, arg?: number): number {
    const m = this.mode;
    if (m === 0) this.mode = 1;
    try {
      return f(arg) >>> 0;
    } catch (e) {
      this.restoreStack();
      throw this.translate('an observer', e);
    } finally {
      this.mode = m;
    }
  }

  private restoreStack(): void {
    this.spGlobals.forEach((g, i) => (g.value = this.sp0[i] ?? g.value));
  }

  private translate(what: string, e: unknown): unknown {
    if (e instanceof BusFault || e instanceof AllocatorUsageError || e instanceof SimError) return e;
    const tail = this.out.trim() ? `; it printed: ${this.out.trim().split('\n').slice(-2).join(' | ')}` : '';
    if (e instanceof BudgetExceeded)
      return new AllocatorUsageError(`${this.name}: ${what} ran past its budget of ${this.budget} wasm instructions (runaway loop?); abandoned`);
    if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError)
      return new AllocatorUsageError(`${this.name}: ${what} trapped (${(e as Error).message})${tail}`);
    return e;
  }

  private toDev(p: number): number {
    return this.D + ((p >>> 0) - this.H);
  }

  private toWasm(h: number): number {
    return this.H + (h - this.D);
  }

  // ---- operations --------------------------------------------------------------------------

  alloc(n: number): number {
    this.ic.value = 0;
    let p = 0;
    try {
      p = this.fMalloc(n) >>> 0;
    } catch (e) {
      this.failed('rsim_malloc', e);
    }
    this.chargeInstructions();
    this.probeStale = true;
    this.version++;
    if (p === 0) return 0;
    this.track(p, n);
    return this.toDev(p);
  }

  free(h: number): void {
    const p = this.toWasm(h);
    this.untrack(p);
    this.ic.value = 0;
    try {
      this.fFree(p);
    } catch (e) {
      this.failed('rsim_free', e);
    }
    this.chargeInstructions();
    this.probeStale = true;
    this.version++;
  }

  realloc(h: number, n: number): number {
    const p = this.toWasm(h);
    this.probeStale = true;
    this.version++;
    if (this.fRealloc) {
      const old = this.live?.get(p);
      const before = this.usableOf(p);
      const q = this.call('rsim_realloc', () => this.fRealloc!(p, n)) >>> 0;
      if (q === 0) return 0;
      this.liveUsable -= before;
      this.live?.delete(p);
      void old;
      this.track(q, n);
      return this.toDev(q);
    }
    const len = Math.min(this.usableOf(p), n);
    const q = this.alloc(n);
    if (q === 0) return 0;
    this.bus.copy(q, h, len);
    this.free(h);
    return q;
  }

  private track(p: number, n: number): void {
    this.live?.set(p, n);
    this.usableP = -1;
    const u = this.fUsable ? this.usableOf(p) : n;
    this.liveUsable += u;
    const top = p - this.H + u;
    if (top > this.bus.heapHighWater && top <= this.size) this.bus.heapHighWater = top;
  }

  private untrack(p: number): void {
    this.liveUsable -= this.usableOf(p);
    this.live?.delete(p);
    this.usableP = -1;
  }

  private usableOf(p: number): number {
    if (this.fUsable) {
      if (p === this.usableP) return this.usableVal;
      const u = this.obs(this.fUsable as (p?: number) => number, p);
      this.usableP = p;
      this.usableVal = u;
      return u;
    }
    return this.live?.get(p) ?? 0;
  }

  lock(h: number): number {
    return h;
  }

  unlock(_h: number): void {}

  // ---- observers ---------------------------------------------------------------------------

  usableSize(h: number): number {
    return this.usableOf(this.toWasm(h));
  }

  addressOf(h: number): number {
    return h;
  }

  freeBytes(): number {
    if (this.freeVersion === this.version) return this.freeCache;
    const f = this.fFreeBytes ? this.obs(this.fFreeBytes) : Math.max(0, this.size - this.liveUsable);
    this.freeVersion = this.version;
    this.freeCache = f;
    return f;
  }

  largestAllocatable(): number {
    if (this.fLargest) return this.obs(this.fLargest);
    if (this.probeValue < 0 || (this.probeStale && this.probeEpoch !== this.walkEpoch)) {
      this.probeValue = this.probe();
      this.probeStale = false;
      this.probeEpoch = this.walkEpoch;
    }
    return Math.min(this.probeValue, this.freeBytes());
  }

  /** The largest request rsim_malloc satisfies now, by bisection on journaled snapshots. */
  probe(): number {
    const tryAlloc = (n: number): boolean => {
      const saved = this.spGlobals.map((g) => Number(g.value));
      const m = this.mode;
      this.mode = 2;
      this.journal = [];
      this.ic.value = 0;
      let ok = false;
      try {
        ok = this.fMalloc(n) !== 0;
      } catch {
        ok = false;
      } finally {
        for (let i = this.journal.length - 1; i >= 0; i--) {
          const [a, bytes] = this.journal[i]!;
          this.u8.set(bytes, a);
        }
        this.journal = [];
        this.spGlobals.forEach((g, i) => (g.value = saved[i]!));
        this.mode = m;
      }
      return ok;
    };
    let lo = 0;
    let hi = this.size;
    if (!tryAlloc(1)) return 0;
    lo = 1;
    while (lo < hi) {
      const mid = lo + Math.ceil((hi - lo) / 2);
      if (tryAlloc(mid)) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  metadataBytes(): number {
    if (!this.fFreeBytes) return 0;
    return Math.max(0, this.size - this.freeBytes() - this.liveUsable);
  }

  fixedMetadataBytes(): number {
    return this.fFixed ? this.observe(() => this.fFixed!()) >>> 0 : 0;
  }

  blockFootprint(size: number): number {
    if (this.fBlockSize) return this.observe(() => this.fBlockSize!(size)) >>> 0;
    const g = this.alignment;
    return Math.ceil(Math.max(size, 1) / g) * g;
  }

  walk(visit: (b: BlockInfo) => void): void {
    this.walkEpoch++;
    if (this.fWalk) {
      const states: BlockState[] = ['used', 'free', 'meta'];
      // One record refilled per block (the engine's walk metrics read it during visit only).
      const rec: BlockInfo = { addr: 0, size: 0, state: 'meta', handle: 0, payload: 0, usable: 0, locked: false };
      this.walkSink = (addr, size, state, payload) => {
        const st = states[state] ?? 'meta';
        rec.addr = this.toDev(addr);
        rec.size = size;
        rec.state = st;
        if (st === 'used') {
          const h = this.toDev(payload);
          rec.handle = rec.payload = h;
          rec.usable = this.usableOf(payload);
        } else rec.handle = rec.payload = rec.usable = 0;
        visit(rec);
      };
      try {
        this.observe(() => this.fWalk!());
      } finally {
        this.walkSink = undefined;
      }
      return;
    }
    // Black box: the returned blocks, the gaps between them free.
    const blocks = [...(this.live ?? new Map<number, number>()).entries()].sort((a, b) => a[0] - b[0]);
    let at = this.H;
    const end = this.H + this.size;
    for (const [p, n] of blocks) {
      const u = this.usableOf(p) || n;
      if (p > at) visit({ addr: this.toDev(at), size: p - at, state: 'free', handle: 0, payload: 0, usable: 0, locked: false });
      const h = this.toDev(p);
      visit({ addr: h, size: Math.max(u, 1), state: 'used', handle: h, payload: h, usable: u, locked: false });
      at = Math.max(at, p + Math.max(u, 1));
    }
    if (at < end) visit({ addr: this.toDev(at), size: end - at, state: 'free', handle: 0, payload: 0, usable: 0, locked: false });
  }

  check(): string[] {
    return [];
  }
}

/** The memory pages the module declares as its minimum (from its import section). */
function memPagesNeeded(mod: WebAssembly.Module): number {
  // WebAssembly.Module exposes no limits; the instrumentation stored them in a custom section.
  const sec = WebAssembly.Module.customSections(mod, 'rsim.layout')[0];
  if (!sec) return 2;
  const info = JSON.parse(Buffer.from(sec).toString('utf8')) as { memMin?: number };
  return Math.max(1, info.memMin ?? 2);
}

/** The allocator factory of a compiled C allocator. */
export function cFactory(mod: CModule): AllocatorFactory {
  return {
    name: mod.name,
    summary: `C allocator ${mod.files.join(' + ')} (wasm32, instrumented; ALU cycles estimated)`,
    moving: false,
    multiHeap: false,
    params: C_PARAMS,
    create: (ctx: AllocatorContext) => new WasmAllocator(ctx, mod, ctx.bus.device),
  };
}
