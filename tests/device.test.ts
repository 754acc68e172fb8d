/**
 * Device profiles: every shipped profile loads and is self-consistent; every validation error
 * is one SimError naming the file, the line and the field (via loadDevice and parseDevice, and
 * once per fixture through the real CLI: one stderr line, exit 2); the devices command's list,
 * memory map and JSON agree with the profiles and the bus's cost table.
 */
import { cli as spawnCli } from './cli-spawn';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as path from 'node:path';
import { costTable } from '../src/bus';
import { DEVICES_DIR, DeviceProfile, heapSpans, listDeviceNames, loadDevice, parseDevice } from '../src/device';
import { SimError } from '../src/errors';
import { deviceMap, formatList, formatMap } from '../src/cli/devices';

const ROOT = path.resolve(__dirname, '..');
const FIX = path.join('tests', 'fixtures', 'devices');
const fixture = (name: string): string => path.join(FIX, name);

function simErrorOf(fn: () => unknown): SimError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SimError) return e;
    throw e;
  }
  throw new Error('expected a SimError, none was thrown');
}

/** A deep copy of a parsed-able raw profile. */
const good = (): Record<string, any> => JSON.parse(JSON.stringify(require(path.join(ROOT, fixture('good.json')))));

// ---- shipped profiles -----------------------------------------------------------------------

const Shipped = suite('shipped profiles');
const EXPECTED = ['avr-uno', 'esp32', 'esp8266', 'gba', 'mac128k', 'nds', 'nds-slot2', 'palm', 'stm32f4'];

Shipped('all nine profiles ship and load', () => {
  assert.equal(listDeviceNames(), EXPECTED);
  for (const n of EXPECTED) {
    const d = loadDevice(n);
    assert.is(d.name, n, 'name matches the file name');
  }
});

Shipped('every heap lies inside its region, aligned, and the regions do not overlap', () => {
  for (const n of EXPECTED) {
    const d = loadDevice(n);
    for (const h of heapSpans(d)) {
      const r = d.regions.find((x) => x.name === h.region)!;
      assert.ok(h.base >= r.base && h.base + h.size <= r.base + r.size, `${n}: heap ${h.name} inside ${r.name}`);
      assert.is(h.base % d.alignment, 0, `${n}: heap ${h.name} start aligned`);
      assert.ok(h.base > 0, `${n}: heap ${h.name} not at address 0`);
    }
    const rs = [...d.regions].sort((a, b) => a.base - b.base);
    for (let i = 1; i < rs.length; i++) assert.ok(rs[i - 1]!.base + rs[i - 1]!.size <= rs[i]!.base, `${n}: regions overlap`);
    assert.ok(Number.isInteger(Math.log2(d.alignment)), `${n}: alignment power of two`);
  }
});

Shipped('descriptions name their sources and mark estimates', () => {
  const sources: Record<string, RegExp> = {
    nds: /GBATEK/, 'nds-slot2': /GBATEK/, gba: /GBATEK/, esp8266: /Espressif|datasheet/i, esp32: /Technical Reference Manual/,
    stm32f4: /RM0090|reference manual/i, 'avr-uno': /datasheet/i, mac128k: /Inside Macintosh/, palm: /Palm OS/,
  };
  for (const n of EXPECTED) {
    const d = loadDevice(n);
    assert.match(d.description, sources[n]!, `${n} names its source`);
    assert.match(d.description, /ESTIMATE/, `${n} marks its estimates`);
    assert.ok(d.summary && d.summary.length <= 80, `${n} has a one-line summary`);
  }
});

Shipped('nds: the brief\'s numbers and a stated heap figure', () => {
  const d = loadDevice('nds');
  assert.is(d.cpu.clockHz, 67027964);
  assert.is(d.cpu.busClockHz, 33513982);
  const main = d.regions.find((r) => r.name === 'main')!;
  assert.equal([main.base, main.size, main.busBits], [0x02000000, 4 << 20, 16]);
  const [heap] = heapSpans(d);
  assert.is(heap!.region, 'main');
  assert.match(d.description, /2 MiB/, 'the heap figure is stated');
  assert.is(heap!.size, 2 << 20);
  assert.is(d.alignment, 8);
});

Shipped('nds-slot2: slot-2 RAM is a second heap that takes 16-bit writes only', () => {
  const d = loadDevice('nds-slot2');
  const slot = d.regions.find((r) => r.name === 'slot2')!;
  assert.equal([slot.base, slot.size, slot.busBits, slot.writeWidths], [0x08000000, 32 << 20, 16, [16]]);
  const spans = heapSpans(d);
  assert.is(spans.length, 2);
  assert.is(spans[1]!.region, 'slot2');
});

Shipped('two-heap devices and the small ones', () => {
  const stm = heapSpans(loadDevice('stm32f4'));
  assert.equal(stm.map((h) => h.region), ['sram', 'ccm']);
  assert.is(loadDevice('stm32f4').regions.find((r) => r.name === 'ccm')!.size, 64 * 1024);
  const avr = loadDevice('avr-uno');
  assert.equal([avr.cpu.clockHz, avr.cpu.pointerBytes, avr.cpu.wordBytes, avr.regions[0]!.busBits, avr.regions[0]!.base, avr.regions[0]!.size], [16e6, 2, 1, 8, 0x100, 2048]);
  for (const n of ['mac128k', 'palm']) {
    const d = loadDevice(n);
    assert.is(d.cpu.endianness, 'big', n);
    assert.is(d.cpu.unaligned, 'fault', n);
    assert.is(d.cpu.accessAlignment, 2, n);
  }
});

Shipped('heapSpans: --heap resizes the first heap; too large is an error unless what-if', () => {
  const d = loadDevice('nds');
  assert.is(heapSpans(d, 4096)[0]!.size, 4096);
  const e = simErrorOf(() => heapSpans(d, 3 << 20));
  assert.is(e.code, 'HEAP_TOO_LARGE');
  assert.is(heapSpans(d, 3 << 20, true)[0]!.size, 3 << 20);
  assert.is(simErrorOf(() => heapSpans(d, 0)).code, 'USAGE');
});

Shipped('unknown names and missing files', () => {
  const e = simErrorOf(() => loadDevice('nds9000'));
  assert.is(e.code, 'DEVICE_UNKNOWN');
  assert.match(e.message, 'nds-slot2', 'lists the known names');
  const f = simErrorOf(() => loadDevice('no/such/file.json'));
  assert.is(f.code, 'DEVICE_UNKNOWN');
  assert.is(f.file, 'no/such/file.json');
  assert.ok(DEVICES_DIR.endsWith('devices'));
});

Shipped.run();

// ---- validation errors ----------------------------------------------------------------------

const Valid = suite('profile validation');

/** Each bad fixture, the field its error must name, a phrase of the cause, and its line. */
const BAD: { file: string; field: string; cause: RegExp; line: number }[] = [
  { file: 'unknown-key.json', field: 'cpu.turbo', cause: /unknown field/, line: 11 },
  { file: 'missing-field.json', field: 'alignment', cause: /required field is missing/, line: 1 },
  { file: 'heap-outside-region.json', field: 'heaps[0].size', cause: /past the end of region "ram"/, line: 39 },
  { file: 'overlapping-regions.json', field: 'regions[1]', cause: /region "fast" .* overlaps region "ram"/, line: 23 },
  { file: 'alignment-not-pow2.json', field: 'alignment', cause: /12 is not a power of two/, line: 42 },
];

Valid('the good fixture loads', () => {
  const d = loadDevice(fixture('good.json'));
  assert.is(d.name, 'fixture');
  assert.equal(heapSpans(d)[0], { name: 'main', region: 'ram', base: 0x1000 + 4096, size: 32 * 1024 });
});

for (const b of BAD) {
  Valid(`${b.file}: loadDevice names file, line and field`, () => {
    const e = simErrorOf(() => loadDevice(fixture(b.file)));
    assert.is(e.code, 'DEVICE_INVALID');
    assert.is(e.file, fixture(b.file));
    assert.is(e.line, b.line);
    assert.ok(e.message.startsWith(`${b.field}: `), `"${e.message}" starts with the field ${b.field}`);
    assert.match(e.message, b.cause);
    assert.not.match(e.oneLine(), '\n');
    assert.is(e.oneLine(), `${fixture(b.file)}:${b.line}: ${e.message} (DEVICE_INVALID)`);
  });
  Valid(`${b.file}: parseDevice on the parsed object names the field`, () => {
    const raw = require(path.join(ROOT, fixture(b.file)));
    const e = simErrorOf(() => parseDevice(raw, 'mine.json'));
    assert.is(e.code, 'DEVICE_INVALID');
    assert.is(e.file, 'mine.json');
    assert.is(e.line, undefined, 'no text, no line');
    assert.ok(e.message.startsWith(`${b.field}: `), e.message);
    assert.match(e.message, b.cause);
  });
}

Valid('a file that is not JSON: the line of the syntax error', () => {
  const e = simErrorOf(() => loadDevice(fixture('not-json.json')));
  assert.is(e.code, 'DEVICE_INVALID');
  assert.is(e.line, 4);
  assert.match(e.message, /not valid JSON/);
});

/** Further checks, each on an edited copy of the good fixture: [what, edit, field, cause]. */
const EDITS: [string, (r: Record<string, any>) => void, string, RegExp][] = [
  ['unknown key at the top', (r) => (r.colour = 'red'), 'colour', /unknown field/],
  ['unknown key in a region', (r) => (r.regions[0].speed = 1), 'regions[0].speed', /unknown field/],
  ['unknown cost width', (r) => (r.regions[0].cycles.n64 = 1), 'regions[0].cycles.n64', /unknown field/],
  ['missing cpu field', (r) => delete r.cpu.clockHz, 'cpu.clockHz', /required field is missing/],
  ['missing heaps', (r) => delete r.heaps, 'heaps', /required field is missing/],
  ['missing region name', (r) => delete r.regions[1].name, 'regions[1].name', /required field is missing/],
  ['wrong type', (r) => (r.cpu.clockHz = 'fast'), 'cpu.clockHz', /expected number, got string "fast"/],
  ['bad bus width', (r) => (r.regions[0].busBits = 12), 'regions[0].busBits', /8\|16\|32, got number 12/],
  ['bad size string', (r) => (r.regions[0].size = 'lots'), 'regions[0].size', /"lots" is not a byte count/],
  ['bad endianness', (r) => (r.cpu.endianness = 'middle'), 'cpu.endianness', /little.*big/],
  ['bus width costs missing', (r) => (r.regions[0].cycles = { n32: 1, s32: 1 }), 'regions[0].cycles', /n16 .* is required/],
  ['writeCycles without the bus width', (r) => (r.regions[0].writeCycles = { n8: 1, s8: 1 }), 'regions[0].writeCycles', /n16 .* is required/],
  ['duplicate region name', (r) => (r.regions[1].name = 'ram'), 'regions[1].name', /duplicate region name/],
  ['empty region', (r) => (r.regions[1].size = 0), 'regions[1].size', /cannot be empty/],
  ['region past 4 GiB', (r) => (r.regions[1].base = '0xFFFFF800'), 'regions[1].size', /32-bit address space/],
  ['heap in an unknown region', (r) => (r.heaps[0].region = 'rom'), 'heaps[0].region', /no region named "rom"/],
  ['heap offset outside its region', (r) => (r.heaps[0].offset = '64KiB'), 'heaps[0].offset', /outside region "ram"/],
  ['heap at address 0', (r) => { r.regions[0].base = 0; r.heaps[0].offset = 0; }, 'heaps[0].offset', /address 0/],
  ['misaligned heap start', (r) => (r.heaps[0].offset = 4100), 'heaps[0].offset', /not 8-byte aligned/],
  ['overlapping heaps', (r) => r.heaps.push({ name: 'b', region: 'ram', offset: '8KiB', size: 16 }), 'heaps[1]', /overlaps heaps\[0\]/],
  ['duplicate heap names', (r) => r.heaps.push({ name: 'main', region: 'fast', offset: 0, size: 16 }), 'heaps[1].name', /duplicate heap name/],
  ['alignment zero', (r) => (r.alignment = 0), 'alignment', /too small|>0|positive/i],
  ['accessAlignment 3', (r) => (r.cpu.accessAlignment = 3), 'cpu.accessAlignment', /1\|2\|4/],
  ['burst not a multiple of the word', (r) => (r.cpu.copyBurstBytes = 6), 'cpu.copyBurstBytes', /multiple of the 4-byte word/],
  ['bus clock above CPU clock', (r) => (r.cpu.busClockHz = 2e6), 'cpu.busClockHz', /exceeds the CPU clock/],
  ['summary too long', (r) => (r.summary = 'x'.repeat(81)), 'summary', /80/],
  ['not an object', (r) => { for (const k of Object.keys(r)) delete r[k]; }, 'name', /required field is missing/],
];

for (const [what, edit, field, cause] of EDITS) {
  Valid(`parseDevice: ${what}`, () => {
    const raw = good();
    edit(raw);
    const e = simErrorOf(() => parseDevice(raw, 'edited.json'));
    assert.is(e.code, 'DEVICE_INVALID');
    assert.ok(e.message.startsWith(`${field}: `), `"${e.message}" should name ${field}`);
    assert.match(e.message, cause);
    assert.is(e.oneLine().split('\n').length, 1);
  });
}

Valid('a region may start at address 0 (68000 machines) as long as no heap does', () => {
  const raw = good();
  raw.regions[0].base = 0;
  const d = parseDevice(raw, 'zero.json');
  assert.is(heapSpans(d)[0]!.base, 4096);
});

Valid.run();

// ---- the devices command --------------------------------------------------------------------

const Cmd = suite('devices command');

Cmd('list: one line per profile with CPU, clock, RAM and heap', () => {
  const devs = EXPECTED.map((n) => loadDevice(n));
  const lines = formatList(devs).trimEnd().split('\n');
  assert.is(lines.length, 1 + EXPECTED.length);
  assert.match(lines[0]!, /^NAME\s+CPU\s+CLOCK\s+RAM\s+HEAP\s+SUMMARY$/);
  const nds = lines.find((l) => l.startsWith('nds '))!;
  assert.match(nds, 'ARM946E-S');
  assert.match(nds, '67.03 MHz');
  assert.match(nds, '2.00 MiB');
  assert.match(nds, loadDevice('nds').summary!);
});

function mapOf(d: DeviceProfile): any {
  return deviceMap(d);
}

Cmd('map JSON: regions with end, costs from the bus cost table, heaps inside', () => {
  for (const n of EXPECTED) {
    const d = loadDevice(n);
    const m = mapOf(d);
    assert.is(m.schema, 1);
    assert.is(m.regions.length, d.regions.length);
    m.regions.forEach((r: any, i: number) => {
      const spec = d.regions[i]!;
      assert.is(r.end, spec.base + spec.size - 1);
      const t = costTable(spec);
      assert.is(r.cycles.read.n32, t[4]);
      assert.is(r.cycles.write.s16, t[6 + 3]);
      for (const h of r.heaps) assert.ok(h.base >= r.base && h.end <= r.end, `${n}: heap ${h.name} inside ${r.name}`);
    });
    assert.is(m.heapBytes, d.heaps.reduce((s, h) => s + h.size, 0));
  }
  const nds = mapOf(loadDevice('nds'));
  const main = nds.regions[0];
  assert.equal(main.cycles.read, { n8: 18, s8: 2, n16: 18, s16: 2, n32: 20, s32: 4 });
  assert.equal(main.heaps.map((h: any) => [h.name, h.base, h.size]), [['userland', 0x02180000, 2 << 20]]);
});

Cmd('map text: addresses, bus width, N/S costs and the heaps', () => {
  const text = formatMap(loadDevice('nds-slot2'));
  assert.match(text, /^nds-slot2: /);
  assert.match(text, /main\s+0x02000000\s+0x023fffff\s+4\.00 MiB\s+16-bit\s+read\s+18\/2\s+18\/2\s+20\/4/);
  assert.match(text, /heap userland\s+0x02180000\s+0x0237ffff\s+2\.00 MiB/);
  assert.match(text, /slot2\s+0x08000000\s+0x09ffffff\s+32\.00 MiB\s+16-bit\s+read\s+20\/12\s+20\/12\s+32\/24/);
  assert.match(text, /write\s+fault\s+20\/12\s+32\/24/);
  assert.match(text, /GBATEK/);
});

Cmd.run();

// ---- through the real CLI -------------------------------------------------------------------

const Cli = suite('devices via the CLI');

interface Ran { code: number | null; stdout: string; stderr: string }

function runCli(args: string[]): Promise<Ran> {
  // The shared spawn helper: a once-transpiled copy of the CLI (a ts-node spawn costs seconds).
  return Promise.resolve(spawnCli(args, { cwd: ROOT, env: { LOG_LEVEL: 'warn' } }));
}

/** Runs the jobs two at a time (a 2-core machine). */
async function pool<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

Cli('every validation error: one stderr line naming file, line and field; exit 2', async () => {
  const runs = await pool(BAD.map((b) => () => runCli(['devices', fixture(b.file)])));
  runs.forEach((r, i) => {
    const b = BAD[i]!;
    assert.is(r.code, 2, `${b.file}: exit code (stderr: ${r.stderr})`);
    assert.is(r.stdout, '', `${b.file}: nothing on stdout`);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.is(lines.length, 1, `${b.file}: one stderr line, got ${JSON.stringify(r.stderr)}`);
    assert.ok(lines[0]!.startsWith(`rmalloc-sim: ${fixture(b.file)}:${b.line}: ${b.field}: `), lines[0]);
    assert.match(lines[0]!, b.cause);
    assert.match(lines[0]!, /\(DEVICE_INVALID\)$/);
  });
});

Cli('devices --json lists the nine profiles; devices nds prints the map', async () => {
  const [list, map] = await pool([() => runCli(['devices', '--json']), () => runCli(['devices', 'nds'])]);
  assert.is(list!.code, 0, list!.stderr);
  const j = JSON.parse(list!.stdout);
  assert.is(j.schema, 1);
  assert.equal(j.devices.map((d: any) => d.name), EXPECTED);
  const nds = j.devices.find((d: any) => d.name === 'nds');
  assert.equal([nds.cpu, nds.clockHz, nds.heapBytes], ['ARM946E-S (ARMv5TE)', 67027964, 2 << 20]);
  assert.is(map!.code, 0, map!.stderr);
  assert.is(map!.stdout, formatMap(loadDevice('nds')));
});

Cli.run();
