/**
 * `rmalloc-sim devices [NAME|FILE] [--json]`: without an argument, one line per shipped profile
 * (name, CPU, clock, RAM, heap, summary); with a name or a path, that device's memory map: the
 * regions with their address range, bus width and access costs per width (from the bus's own
 * cost table, so what is printed is what the simulator charges), and the heaps inside them.
 */
import type { Argv, CommandModule } from 'yargs';
import { costTable } from '../bus';
import { DeviceProfile, heapSpans, listDeviceNames, loadDevice } from '../device';
import { formatBytes, hex } from '../util';
import { handler } from './common';

interface DevicesArgs {
  device?: string;
  json: boolean;
}

const WIDTHS = [8, 16, 32] as const;

/** Sum of region sizes and of heap sizes. */
function totals(dev: DeviceProfile): { ramBytes: number; heapBytes: number } {
  return {
    ramBytes: dev.regions.reduce((s, r) => s + r.size, 0),
    heapBytes: dev.heaps.reduce((s, h) => s + h.size, 0),
  };
}

function summaryOf(dev: DeviceProfile): string {
  if (dev.summary) return dev.summary;
  const first = dev.description.split(/(?<=\.)\s/)[0] ?? dev.description;
  return first.length > 80 ? first.slice(0, 77) + '...' : first;
}

const mhz = (hz: number): string => `${(hz / 1e6).toFixed(2)} MHz`;

/** Access costs as `{ read: { n8, s8, ... }, write: {...} }` in CPU cycles. */
function costsOf(reg: DeviceProfile['regions'][number]): Record<'read' | 'write', Record<string, number>> {
  const t = costTable(reg);
  const out = { read: {} as Record<string, number>, write: {} as Record<string, number> };
  (['read', 'write'] as const).forEach((dir, d) =>
    WIDTHS.forEach((w, wi) => {
      out[dir][`n${w}`] = t[d * 6 + wi * 2]!;
      out[dir][`s${w}`] = t[d * 6 + wi * 2 + 1]!;
    }),
  );
  return out;
}

/** The memory map as data (the --json form of `devices NAME`). */
export function deviceMap(dev: DeviceProfile): Record<string, unknown> {
  const spans = heapSpans(dev);
  return {
    schema: 1,
    name: dev.name,
    summary: summaryOf(dev),
    description: dev.description,
    cpu: { ...dev.cpu, accessAlignment: dev.cpu.accessAlignment ?? 4 },
    alignment: dev.alignment,
    ...totals(dev),
    regions: dev.regions.map((r) => ({
      name: r.name,
      base: r.base,
      end: r.base + r.size - 1,
      size: r.size,
      busBits: r.busBits,
      writeWidths: r.writeWidths ?? [8, 16, 32],
      cycles: costsOf(r),
      description: r.description,
      heaps: spans
        .map((h, i) => ({ h, spec: dev.heaps[i]! }))
        .filter(({ h }) => h.region === r.name)
        .map(({ h, spec }) => ({ name: h.name, base: h.base, end: h.base + h.size - 1, size: h.size, offset: spec.offset, description: spec.description })),
    })),
  };
}

/**
 * Left-aligned columns separated by two spaces (no trailing blanks). The last cell of each row
 * does not widen its column, so a short row's last cell may run on past it.
 */
function columns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, i === r.length - 1 ? 0 : c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** Word-wraps text to lines of at most `width` characters, each indented by two spaces. */
function wrap(text: string, width = 100): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/)) {
    if (cur && cur.length + 1 + word.length > width - 2) {
      lines.push(`  ${cur}`);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) lines.push(`  ${cur}`);
  return lines;
}

export function formatList(devs: DeviceProfile[]): string {
  const rows = [['NAME', 'CPU', 'CLOCK', 'RAM', 'HEAP', 'SUMMARY']];
  for (const d of devs) {
    const t = totals(d);
    rows.push([d.name, d.cpu.name, mhz(d.cpu.clockHz), formatBytes(t.ramBytes), formatBytes(t.heapBytes), summaryOf(d)]);
  }
  return columns(rows).join('\n') + '\n';
}

/** The data cache in one line (or why there is none). */
export function cacheLine(dev: DeviceProfile): string {
  const dc = dev.dataCache;
  if (!dc) return 'not described (none modelled)';
  if (!('sizeBytes' in dc)) return `none: ${dc.none}`;
  return `${formatBytes(dc.sizeBytes)}, ${dc.ways}-way, ${dc.lineBytes}-byte lines, ${dc.write}, ${dc.replacement} victims, over ${dc.regions.join(', ')}; on by default (--no-cache: uncached)`;
}

export function formatMap(dev: DeviceProfile): string {
  const c = dev.cpu;
  const aa = c.accessAlignment ?? 4;
  const t = totals(dev);
  const out: string[] = [];
  out.push(`${dev.name}: ${summaryOf(dev)}`);
  out.push(
    ...columns([
      ['cpu', `${c.name}, ${mhz(c.clockHz)}${c.busClockHz ? ` (bus ${mhz(c.busClockHz)})` : ''}, ${c.endianness}-endian`],
      ['words', `${c.wordBytes}-byte registers, ${c.pointerBytes}-byte pointers`],
      ['access', `a w-byte access needs min(w, ${aa})-byte alignment; a misaligned one ${c.unaligned === 'fault' ? 'faults' : 'is split into byte accesses'}`],
      ['alignment', `${dev.alignment} (every payload address)`],
      ['memmove', `${c.copyBurstBytes ?? 16}-byte bursts, ${c.copyLoopCycles ?? 2} cycles of loop overhead per burst`],
      ['memory', `${formatBytes(t.ramBytes)} in ${dev.regions.length} region${dev.regions.length > 1 ? 's' : ''}, ${formatBytes(t.heapBytes)} of heap`],
      ['data cache', cacheLine(dev)],
    ]),
  );
  out.push('');
  out.push('Access costs in CPU cycles, N/S = non-sequential/sequential; a width wider than the bus is split.');
  const rows: string[][] = [['REGION', 'BASE', 'END', 'SIZE', 'BUS', 'ACCESS', '8-BIT N/S', '16-BIT N/S', '32-BIT N/S']];
  const sorted = [...dev.regions].sort((a, b) => a.base - b.base);
  const spans = heapSpans(dev);
  for (const r of sorted) {
    const costs = costsOf(r);
    const ww = r.writeWidths ?? [8, 16, 32];
    const cell = (dir: 'read' | 'write', w: number) =>
      dir === 'write' && !ww.includes(w as 8) && !(w === 32 && ww.includes(16)) ? 'fault' : `${costs[dir][`n${w}`]}/${costs[dir][`s${w}`]}`;
    rows.push([r.name, hex(r.base), hex(r.base + r.size - 1), formatBytes(r.size), `${r.busBits}-bit`, 'read', ...WIDTHS.map((w) => cell('read', w))]);
    rows.push(['', '', '', '', '', 'write', ...WIDTHS.map((w) => cell('write', w))]);
    spans.forEach((h, i) => {
      if (h.region !== r.name) return;
      rows.push([`  heap ${h.name}`, hex(h.base), hex(h.base + h.size - 1), formatBytes(h.size), `at region offset ${hex(dev.heaps[i]!.offset, 0)}`]);
    });
  }
  out.push(...columns(rows));
  const notes = dev.regions.flatMap((r) => (r.description ? wrap(`${r.name}: ${r.description}`) : []));
  const heapNotes = dev.heaps.flatMap((h, i) => (h.description ? wrap(`heap ${spans[i]!.name}: ${h.description}`) : []));
  if (notes.length + heapNotes.length > 0) out.push('', 'Notes:', ...notes, ...heapNotes);
  out.push('', 'Sources and estimates:', ...wrap(dev.description));
  return out.join('\n') + '\n';
}

export const devicesCommand: CommandModule<object, DevicesArgs> = {
  command: 'devices [device]',
  describe: 'list the device profiles, or print one device\'s memory map (a shipped name or a .json path)',
  builder: (y: Argv<object>) =>
    y
      .positional('device', { type: 'string', describe: 'a shipped profile name (e.g. nds) or a path to a profile .json' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON ({ schema: 1, ... })' })
      .example('$0 devices', 'one line per shipped profile')
      .example('$0 devices nds', 'the Nintendo DS memory map and access costs')
      .example('$0 devices ./my-board.json --json', 'validate and show your own profile') as unknown as Argv<DevicesArgs>,
  handler: handler((args: DevicesArgs) => {
    if (args.device === undefined) {
      const devs = listDeviceNames().map((n) => loadDevice(n));
      if (args.json) {
        const list = devs.map((d) => ({ name: d.name, summary: summaryOf(d), cpu: d.cpu.name, clockHz: d.cpu.clockHz, ...totals(d), alignment: d.alignment }));
        process.stdout.write(JSON.stringify({ schema: 1, devices: list }, null, 2) + '\n');
      } else process.stdout.write(formatList(devs));
      return 0;
    }
    const dev = loadDevice(args.device);
    process.stdout.write(args.json ? JSON.stringify(deviceMap(dev), null, 2) + '\n' : formatMap(dev));
    return 0;
  }),
};
