/**
 * Device profiles: load a shipped profile by name (devices/<name>.json) or a user's file by
 * path, validate it (zod, strict) and check the memory map (regions do not overlap, heaps sit
 * inside their region, alignment is a power of two). Every error is one SimError naming the
 * file and the field.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SimError } from '../errors';
import { isPowerOfTwo } from '../util/units';
import { deviceSchema, DeviceProfile } from './schema';

export type { DeviceProfile, RegionSpec, HeapSpec } from './schema';

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
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = looksLikePath ? nameOrPath : path.join(DEVICES_DIR, `${nameOrPath}.json`);
  if (!fs.existsSync(file)) {
    if (looksLikePath) throw new SimError('DEVICE_UNKNOWN', 'no such device profile file', { file: nameOrPath });
    throw new SimError('DEVICE_UNKNOWN', `unknown device "${nameOrPath}"; known: ${listDeviceNames().join(', ')}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SimError('DEVICE_INVALID', `not valid JSON: ${(e as Error).message}`, { file });
  }
  return parseDevice(raw, file);
}

/** Validates an already-parsed profile; `file` is only used in error messages. */
export function parseDevice(raw: unknown, file: string): DeviceProfile {
  const r = deviceSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    let field = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') field = [...issue.path, ...issue.keys].join('.');
    throw new SimError('DEVICE_INVALID', `${field || '(top level)'}: ${issue.message}`, { file });
  }
  const dev = r.data;
  const bad = (field: string, msg: string): never => {
    throw new SimError('DEVICE_INVALID', `${field}: ${msg}`, { file });
  };
  if (!isPowerOfTwo(dev.alignment)) bad('alignment', `${dev.alignment} is not a power of two`);
  const names = new Set<string>();
  dev.regions.forEach((reg, i) => {
    if (names.has(reg.name)) bad(`regions.${i}.name`, `duplicate region name "${reg.name}"`);
    names.add(reg.name);
    if (reg.size === 0) bad(`regions.${i}.size`, 'a region cannot be empty');
    if (reg.base + reg.size > 2 ** 32) bad(`regions.${i}`, 'region extends past the 32-bit address space');
    if (reg.base === 0) bad(`regions.${i}.base`, 'address 0 is reserved (it is the null handle)');
    const w = reg.busBits;
    if (reg.cycles[`n${w}` as 'n16'] === undefined || reg.cycles[`s${w}` as 's16'] === undefined)
      bad(`regions.${i}.cycles`, `n${w} and s${w} (the bus width) are required`);
    dev.regions.forEach((other, j) => {
      if (j <= i) return;
      if (reg.base < other.base + other.size && other.base < reg.base + reg.size)
        bad(`regions.${j}`, `region "${other.name}" overlaps region "${reg.name}"`);
    });
  });
  dev.heaps.forEach((h, i) => {
    const reg = dev.regions.find((x) => x.name === h.region);
    if (!reg) return bad(`heaps.${i}.region`, `no region named "${h.region}"`);
    if (h.size === 0) bad(`heaps.${i}.size`, 'a heap cannot be empty');
    if (h.offset + h.size > reg.size)
      bad(`heaps.${i}`, `heap (offset ${h.offset}, size ${h.size}) lies outside region "${reg.name}" (size ${reg.size})`);
    if ((reg.base + h.offset) % dev.alignment !== 0) bad(`heaps.${i}.offset`, `heap start is not ${dev.alignment}-byte aligned`);
    dev.heaps.forEach((o, j) => {
      if (j <= i || o.region !== h.region) return;
      if (h.offset < o.offset + o.size && o.offset < h.offset + h.size) bad(`heaps.${j}`, `heap overlaps heaps.${i}`);
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
