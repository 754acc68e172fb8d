/**
 * `rmalloc-sim squeeze` (spawned): the table, JSON keys, CSV rows, the SVG file, --mix, and the
 * one-line usage errors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, syntheticTrace, tempDir } from './cli-spawn';
import { SQUEEZE_CSV_HEADER } from '../src/report/squeeze';

const dir = tempDir('rmalloc-cli-squeeze-');
const t1 = path.join(dir, 'one.trace');
const t2 = path.join(dir, 'two.trace');
fs.writeFileSync(t1, syntheticTrace(400, 3));
fs.writeFileSync(t2, syntheticTrace(300, 4));
const BASE = ['squeeze', '--device', 'nds', '-a', 'first-fit', '-a', 'tlsf', '--steps', '4', '--jobs', '1'];

test('table: one line per allocator with the summary columns; JSON, CSV and SVG files written', () => {
  const json = path.join(dir, 'sq.json');
  const csv = path.join(dir, 'sq.csv');
  const svg = path.join(dir, 'sq.svg');
  const r = cli([...BASE, '-t', t1, '--json', json, '--csv', csv, '--svg', svg]);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.match(r.stdout, /^one: 400 ops, peak live /);
  assert.match(r.stdout, /first-fit/);
  assert.match(r.stdout, /tlsf/);
  const rep = JSON.parse(fs.readFileSync(json, 'utf8'));
  assert.is(rep.schema, 1);
  assert.is(rep.kind, 'squeeze');
  assert.is(rep.policy, 'compact');
  const a = rep.traces[0].allocators[0];
  assert.is(a.allocator, 'first-fit');
  assert.is(a.points.length, 4);
  assert.is(a.points[0].heap, a.minHeap);
  assert.is(a.points[0].failures, 0);
  for (const k of ['heap', 'managed', 'failures', 'failedBytes', 'fragmentation', 'exhaustion', 'recovered', 'firstFailure'])
    assert.ok(k in a.points[1], k);
  // The bottom of the default ladder is below peak live: it must fail.
  assert.ok(a.points[3].heap < rep.traces[0].peakLive && a.points[3].failures > 0);
  const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
  assert.is(lines[0], SQUEEZE_CSV_HEADER.join(','));
  assert.is(lines.length, 1 + 2 * 4);
  assert.ok(fs.readFileSync(svg, 'utf8').startsWith('<svg'));
});

test('--mix: the programs share one heap; JSON says what was mixed', () => {
  const r = cli([...BASE, '-a', 'buddy', '--mix', `${t1},${t2}`, '--format', 'json']);
  assert.is(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.is(rep.traces.length, 1);
  const t = rep.traces[0];
  assert.is(t.trace, 'one+two');
  assert.is(t.ops, 700);
  assert.equal(t.mix.parts.map((p: { name: string }) => p.name), ['one', 'two']);
});

test('worker threads give the same report as one thread (no allocator factory crosses a thread)', () => {
  const args = ['squeeze', '--device', 'nds', '-a', 'first-fit', '-a', 'rmalloc', '--steps', '3', '-t', t2, '--format', 'json'];
  const one = cli([...args, '--jobs', '1']);
  const two = cli([...args, '--jobs', '2']);
  assert.is(two.code, 0, two.stderr);
  assert.equal(JSON.parse(two.stdout), JSON.parse(one.stdout));
});

test('bad input: one line, exit 2', () => {
  for (const args of [['--heaps', '1:2'], ['--steps', '1'], ['--mix', t1], ['--oom', 'sometimes']]) {
    const r = cli(['squeeze', '-a', 'tlsf', '--jobs', '1', '-t', t1, ...args]);
    assert.is(r.code, 2, args.join(' '));
    assert.is(r.stdout, '');
    assert.match(r.stderr, /^rmalloc-sim: .*\(USAGE\)\n$/);
  }
});

test.run();
