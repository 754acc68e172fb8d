/**
 * Device profiles: load a shipped profile by name (devices/<name>.json) or a user's file by
 * path, validate it (zod, strict) and check the memory map (regions do not overlap, heaps sit
 * inside their region, alignment is a power of two). Every error is one SimError naming the
 * file, the line (when the profile came from a file) and the field, e.g.
 * `devices/x.json:12: regions[1]: region "b" overlaps region "a" (DEVICE_INVALID)`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SimError } from '../errors';
import { hex, isPowerOfTwo } from '../util';
import { deviceSchema, DeviceProfile } from './schema';
import { formatPath, jsonLines, lineOf, parseJsonText } from './jsonpos';

export type { DeviceProfile, RegionSpec, HeapSpec, CpuCore } from './schema';
export { CPU_CORES } from './schema';
/** JSON text positions (line of a path, formatted paths): also used by the config file loader. */
export { formatPath, jsonLines, lineOf, parseJsonText } from './jsonpos';

/** The shipped profiles folder (works from src/ under ts-node and from dist/). */
export const DEVICES_DIR = path.resolve(__dirname, '..', '..', 'devices');

/** A heap resolved to absolute addresses. */
export interface HeapSpan {
  name: string;
  region: string;
  base: number;
  size: number;
}

export function listDeviceNames(): string[] {
  return fs
    .readdirSync(DEVICES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** `nameOrPath`: a shipped profile name (`nds`) or a path to a .json file. */
export function loadDevice(nameOrPath: string): DeviceProfile {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.includes(path.sep) || nameOrPath.endsWith('.json');
  const file = looksLikePath ? nameOrPath : path.join(DEVICES_DIR, `${nameOrPath}.json`);
  if (!looksLikePath && !/^[A-Za-z0-9_.-]+$/.test(nameOrPath))
    throw new SimError('DEVICE_UNKNOWN', `unknown device "${nameOrPath}"; known: ${listDeviceNames().join(', ')}`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !looksLikePath)
      throw new SimError('DEVICE_UNKNOWN', `unknown device "${nameOrPath}"; known: ${listDeviceNames().join(', ')}`);
    if (code === 'ENOENT') throw new SimError('DEVICE_UNKNOWN', 'no such device profile file', { file: nameOrPath });
    throw new SimError('IO', `cannot read device profile: ${(e as Error).message}`, { file });
  }
  const shown = looksLikePath ? nameOrPath : path.relative(process.cwd(), file) || file;
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new SimError('DEVICE_INVALID', `not valid JSON: ${parsed.message}`, { file: shown, line: parsed.line });
  const dev = parseDevice(parsed.value, shown, text);
  if (allocatorOverlay) {
    const a = allocatorOverlay(dev.allocators);
    if (a !== undefined) dev.allocators = a;
  }
  return dev;
}

type AllocatorOverrides = DeviceProfile['allocators'];
let allocatorOverlay: ((fromProfile: AllocatorOverrides) => AllocatorOverrides) | undefined;

/**
 * Lets the config file (src/config) set allocator parameters above every loaded profile's own
 * (precedence: --param flag > config file > device profile > allocator default).
 */
export function setAllocatorOverlay(f: ((fromProfile: AllocatorOverrides) => AllocatorOverrides) | undefined): void {
  allocatorOverlay = f;
}

/** What a value is, for "expected X, got Y" messages. */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

function valueAt(raw: unknown, p: readonly PropertyKey[]): { parent: unknown; value: unknown } {
  let parent: unknown;
  let cur: unknown = raw;
  for (const k of p) {
    parent = cur;
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<PropertyKey, unknown>)[k] : undefined;
  }
  return { parent, value: cur };
}

/**
 * Validates an already-parsed profile. `file` names it in errors; `text`, the JSON it came
 * from, lets errors give the line of the offending field.
 */
export function parseDevice(raw: unknown, file: string, text?: string): DeviceProfile {
  let lines: Map<string, number> | undefined;
  const where = (p: readonly PropertyKey[]) => {
    if (text !== undefined && lines === undefined) {
      try {
        lines = jsonLines(text);
      } catch {
        lines = new Map();
      }
    }
    return { file, line: lineOf(lines, p) };
  };
  const r = deviceSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    let p: PropertyKey[] = [...issue.path];
    let msg = issue.message;
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0]!;
      p = [...p, key];
      msg = `unknown field${issue.keys.length > 1 ? ` (also ${issue.keys.slice(1).join(', ')})` : ''}`;
    } else {
      const { parent, value } = valueAt(raw, p);
      if (value === undefined && parent !== null && typeof parent === 'object' && p.length > 0) msg = 'required field is missing';
      else if (issue.code === 'invalid_type') msg = `expected ${issue.expected}, got ${kindOf(value)}`;
      else if (issue.code === 'invalid_value') msg = `${msg.replace(/^Invalid option: /, '')}, got ${kindOf(value)}`;
    }
    throw new SimError('DEVICE_INVALID', `${formatPath(p) || '(top level)'}: ${msg}`, where(p.length ? p : []));
  }
  const dev = r.data;
  const bad = (p: PropertyKey[], msg: string): never => {
    throw new SimError('DEVICE_INVALID', `${formatPath(p)}: ${msg}`, where(p));
  };
  if (!isPowerOfTwo(dev.alignment)) bad(['alignment'], `${dev.alignment} is not a power of two`);
  const cpu = dev.cpu;
  const word = Math.min(4, cpu.wordBytes);
  if (cpu.copyBurstBytes !== undefined && cpu.copyBurstBytes % word !== 0)
    bad(['cpu', 'copyBurstBytes'], `${cpu.copyBurstBytes} is not a multiple of the ${word}-byte word`);
  if (cpu.busClockHz !== undefined && cpu.busClockHz > cpu.clockHz)
    bad(['cpu', 'busClockHz'], `bus clock ${cpu.busClockHz} Hz exceeds the CPU clock ${cpu.clockHz} Hz`);
  const names = new Set<string>();
  dev.regions.forEach((reg, i) => {
    if (names.has(reg.name)) bad(['regions', i, 'name'], `duplicate region name "${reg.name}"`);
    names.add(reg.name);
    if (reg.size === 0) bad(['regions', i, 'size'], 'a region cannot be empty');
    if (reg.base + reg.size > 2 ** 32) bad(['regions', i, 'size'], `region extends past the 32-bit address space (ends at 0x${(reg.base + reg.size).toString(16)})`);
    const w = reg.busBits;
    for (const key of ['cycles', 'writeCycles'] as const) {
      const c = reg[key];
      if (c === undefined) continue;
      if (c[`n${w}` as 'n16'] === undefined) bad(['regions', i, key], `n${w} (the ${w}-bit bus width's non-sequential cost) is required`);
      if (c[`s${w}` as 's16'] === undefined) bad(['regions', i, key], `s${w} (the ${w}-bit bus width's sequential cost) is required`);
    }
    if (reg.writeWidths && new Set(reg.writeWidths).size !== reg.writeWidths.length) bad(['regions', i, 'writeWidths'], 'a width is listed twice');
    dev.regions.forEach((other, j) => {
      if (j <= i) return;
      if (reg.base < other.base + other.size && other.base < reg.base + reg.size)
        bad(
          ['regions', j],
          `region "${other.name}" (${hex(other.base)}-${hex(other.base + other.size - 1)}) overlaps region "${reg.name}" (${hex(reg.base)}-${hex(reg.base + reg.size - 1)})`,
        );
    });
  });
  const dc = dev.dataCache;
  if (dc && 'sizeBytes' in dc) {
    const k = (f: string) => ['dataCache', f];
    if (!isPowerOfTwo(dc.lineBytes) || dc.lineBytes < 4) bad(k('lineBytes'), `${dc.lineBytes} is not a power of two of at least 4`);
    if (!isPowerOfTwo(dc.ways)) bad(k('ways'), `${dc.ways} is not a power of two`);
    if (!isPowerOfTwo(dc.sizeBytes) || dc.sizeBytes < dc.ways * dc.lineBytes) bad(k('sizeBytes'), `${dc.sizeBytes} is not a power of two of at least ways x lineBytes (${dc.ways * dc.lineBytes})`);
    const parts = dc.dirtyParts ?? 2;
    if (!isPowerOfTwo(parts) || parts > dc.lineBytes / 4 || parts > 8) bad(k('dirtyParts'), `${parts} is not a power of two of at most lineBytes / 4 and 8`);
    dc.regions.forEach((r, i) => {
      if (!names.has(r)) bad(['dataCache', 'regions', i], `no region named "${r}" (regions: ${dev.regions.map((x) => x.name).join(', ')})`);
    });
  }
  const heapNames = new Set<string>();
  dev.heaps.forEach((h, i) => {
    const ri = dev.regions.findIndex((x) => x.name === h.region);
    const reg = dev.regions[ri];
    if (!reg) return bad(['heaps', i, 'region'], `no region named "${h.region}" (regions: ${dev.regions.map((x) => x.name).join(', ')})`);
    const name = h.name ?? (i === 0 ? 'heap' : `heap${i}`);
    if (heapNames.has(name)) bad(['heaps', i, 'name'], `duplicate heap name "${name}"`);
    heapNames.add(name);
    if (h.size === 0) bad(['heaps', i, 'size'], 'a heap cannot be empty');
    if (h.offset >= reg.size)
      bad(['heaps', i, 'offset'], `heap offset ${hex(h.offset)} lies outside region "${reg.name}" (size ${hex(reg.size)})`);
    if (h.offset + h.size > reg.size)
      bad(['heaps', i, 'size'], `heap (offset ${hex(h.offset)}, size ${hex(h.size)}) runs ${h.offset + h.size - reg.size} bytes past the end of region "${reg.name}" (size ${hex(reg.size)})`);
    if (reg.base + h.offset === 0) bad(['heaps', i, 'offset'], 'a heap cannot start at address 0 (it is the null handle)');
    if ((reg.base + h.offset) % dev.alignment !== 0)
      bad(['heaps', i, 'offset'], `heap start ${hex(reg.base + h.offset)} is not ${dev.alignment}-byte aligned (the device alignment)`);
    dev.heaps.forEach((o, j) => {
      if (j <= i || o.region !== h.region) return;
      if (h.offset < o.offset + o.size && o.offset < h.offset + h.size) bad(['heaps', j], `heap overlaps heaps[${i}] in region "${reg.name}"`);
    });
  });
  return dev;
}

/**
 * The device's heaps as absolute spans. `sizeOverride` (the --heap flag) resizes the first heap;
 * with `whatIf` it may grow past its region (the bus then backs the extra bytes, so a
 * min-heap search can answer "how much would it need"), otherwise that is an error.
 */
export function heapSpans(dev: DeviceProfile, sizeOverride?: number, whatIf = false): HeapSpan[] {
  return dev.heaps.map((h, i) => {
    const reg = dev.regions.find((x) => x.name === h.region)!;
    let size = h.size;
    if (i === 0 && sizeOverride !== undefined) {
      if (!(sizeOverride > 0)) throw new SimError('USAGE', `heap size must be positive, got ${sizeOverride}`);
      if (!whatIf && h.offset + sizeOverride > reg.size)
        throw new SimError(
          'HEAP_TOO_LARGE',
          `heap of ${sizeOverride} bytes does not fit in region "${reg.name}" of ${dev.name} (${reg.size - h.offset} bytes available from the heap start)`,
        );
      size = sizeOverride;
    }
    return { name: h.name ?? (i === 0 ? 'heap' : `heap${i}`), region: reg.name, base: reg.base + h.offset, size };
  });
}
