/**
 * A config file listing several devices: a command that takes a device runs once per device
 * (no --device given), each device's stdout under its own heading (or one JSON object), the
 * files it writes named per device, and the same figures as one run per device with -d.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, syntheticTrace, tempDir } from './cli-spawn';
import { joinDeviceOutputs, perDevicePath } from '../src/config/cli';

const dir = tempDir('rmalloc-config-devices-');
const T = path.join(dir, 'a.trace');
fs.writeFileSync(T, syntheticTrace(200, 5));
fs.writeFileSync(path.join(dir, 'rmalloc-sim.json'), JSON.stringify({ devices: ['nds', 'gba'], traces: [T], allocators: ['tlsf', 'buddy'] }));

test('per-device output names: before the first extension of a file, a sub-folder of a folder', () => {
  assert.is(perDevicePath('out/report.html', 'nds', false), path.join('out', 'report.nds.html'));
  assert.is(perDevicePath('c.json', 'boards/my-board.json', false), 'c.my-board.json');
  assert.is(perDevicePath('m.trace.gz', 'gba', false), 'm.gba.trace.gz');
  assert.is(perDevicePath('noext', 'gba', false), 'noext.gba');
  assert.is(perDevicePath('svgs', 'gba', true), path.join('svgs', 'gba'));
});

test('joined stdout: headings for text, one JSON object when every run printed JSON, nothing for silent runs', () => {
  assert.is(joinDeviceOutputs([{ device: 'a', text: 'x\n' }, { device: 'b', text: 'y' }]), '== device a ==\nx\n\n== device b ==\ny\n');
  assert.equal(JSON.parse(joinDeviceOutputs([{ device: 'a', text: '{"n":1}' }, { device: 'b', text: '[2]' }])), {
    devices: [{ device: 'a', result: { n: 1 } }, { device: 'b', result: [2] }],
  });
  // One run printing text makes the whole output text (never a half-JSON document).
  assert.match(joinDeviceOutputs([{ device: 'a', text: '{"n":1}' }, { device: 'b', text: 'oops' }]), /^== device a ==/);
  assert.is(joinDeviceOutputs([{ device: 'a', text: '' }]), '');
});

test('a config with two devices runs the command on each, with the figures of a run per device', () => {
  const both = cli(['compare', '--no-min-heap', '--jobs', '1', '--format', 'json', '--json', 'c.json'], { cwd: dir });
  assert.is(both.code, 0, both.stderr);
  const j = JSON.parse(both.stdout) as { devices: { device: string; result: { device: string } }[] };
  assert.equal(j.devices.map((d) => d.device), ['nds', 'gba']);
  for (const d of j.devices) {
    const one = cli(['compare', '--no-min-heap', '--jobs', '1', '--format', 'json', '-d', d.device], { cwd: dir });
    assert.is(one.code, 0, one.stderr);
    const strip = (x: unknown) => JSON.stringify(x, (k, v: unknown) => (k === 'wallMs' || k === 'wallSeconds' ? undefined : v));
    assert.is(strip(d.result), strip(JSON.parse(one.stdout)), d.device);
    // The file the command writes, one per device, holds the same result.
    assert.is(strip(JSON.parse(fs.readFileSync(path.join(dir, `c.${d.device}.json`), 'utf8'))), strip(d.result));
  }
  assert.not.ok(fs.existsSync(path.join(dir, 'c.json')));
  // Text output: a heading per device, in the file's order.
  const text = cli(['run'], { cwd: dir });
  assert.is(text.code, 0, text.stderr);
  assert.equal([...text.stdout.matchAll(/^== device (\S+) ==$/gm)].map((m) => m[1]), ['nds', 'gba']);
  assert.match(text.stdout, /tlsf on gba/);
  // --device picks one; --shard needs one.
  const one = cli(['run', '-d', 'gba'], { cwd: dir });
  assert.not.match(one.stdout, /== device/);
  assert.match(one.stdout, /tlsf on gba/);
  const shard = cli(['compare', '--shard', '1/2', '--out', 'p.json'], { cwd: dir });
  assert.is(shard.code, 2);
  assert.is(shard.stderr, 'rmalloc-sim: --shard runs on one device and the config file lists 2: give --device (USAGE)\n');
});

test('the worst exit code of the runs; a bad input stops at once', () => {
  fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ devices: ['nds', 'gba'], traces: [path.join(dir, 'missing.trace')], allocators: ['tlsf'] }));
  const r = cli(['run', '--config', 'bad.json'], { cwd: dir });
  assert.is(r.code, 2);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  // A board whose heap is too small for the trace: exit 1 from --fail-on-oom there, although nds passes.
  const tiny = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'devices', 'gba.json'), 'utf8')) as { name: string; heaps: { size: string }[] };
  tiny.name = 'tiny';
  tiny.heaps[0]!.size = '1KiB';
  fs.writeFileSync(path.join(dir, 'tiny.json'), JSON.stringify(tiny));
  fs.writeFileSync(path.join(dir, 'two.json'), JSON.stringify({ devices: ['nds', 'tiny.json'], traces: [T], allocators: ['buddy'] }));
  assert.is(cli(['run', '--config', 'two.json', '-d', 'nds', '--fail-on-oom'], { cwd: dir }).code, 0);
  assert.is(cli(['run', '--config', 'two.json', '-d', path.join(dir, 'tiny.json'), '--fail-on-oom'], { cwd: dir }).code, 1);
  const both = cli(['run', '--config', 'two.json', '--fail-on-oom'], { cwd: dir });
  assert.is(both.code, 1, both.stderr);
  assert.equal([...both.stdout.matchAll(/^== device (\S+) ==$/gm)].map((m) => m[1]), ['nds', path.join(dir, 'tiny.json')]);
});

test.run();
