/**
 * `rmalloc-sim allocators`: the listing covers the whole registry; one allocator shows its
 * parameters, and with --device their values and block sizes; bad input is one stderr line and
 * exit 2. Spawns the real CLI (tests/cli-spawn.ts) and checks stdout, stderr and exit code apart.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allocatorNames, getFactory } from '../src/alloc';
import { cli } from './cli-spawn';

test('allocators lists every registered allocator with its parameter defaults', () => {
  const r = cli(['allocators']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^NAME\s+MOVING\s+MULTI-HEAP\s+PARAMS \(defaults\)\s+SUMMARY$/);
  for (const n of allocatorNames()) {
    const line = lines.find((l) => l.startsWith(n + ' '));
    assert.ok(line, `no line for ${n}`);
    const f = getFactory(n);
    for (const p of f.params) assert.ok(line!.includes(`${p.name}=${String(p.default)}`), `${n}: ${p.name} default missing`);
    assert.ok(line!.includes(f.summary));
  }
  assert.is(lines.length, allocatorNames().length + 1);
});

test('allocators --json is versioned and complete', () => {
  const r = cli(['allocators', '--json']);
  assert.is(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout) as { schema: number; allocators: { name: string; moving: boolean; params: unknown[] }[] };
  assert.is(o.schema, 1);
  assert.equal(o.allocators.map((a) => a.name), allocatorNames());
});

test('allocators slab --device nds --param page=8192: values after precedence and block sizes', () => {
  const r = cli(['allocators', 'slab', '--device', 'nds', '--param', 'page=8192']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^slab: /);
  assert.match(r.stdout, /page\s+0\s+8192\s+/);
  // Class 16 in an 8 KiB page after a 24-byte descriptor: (8192 - 24) / 16 = 510 objects,
  // so each takes 8192 / 510 = 16.06 bytes of slab.
  assert.match(r.stdout, /BLOCK BYTES\s+16\.06\s+/);
});

test('an allocator that does not fit the device heap says so and still shows its parameters', () => {
  const r = cli(['allocators', 'slab', '--device', 'avr-uno', '--param', 'classes=16,1024']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /classes\s+16,32,64,128,256,512,1024\s+16,1024\s/);
  assert.match(r.stdout, /Layout on avr-uno \(\d+ bytes of heap\): cannot be created: .*\(HEAP_TOO_SMALL\)/);
});

test('bad names and parameters: one line on stderr, exit 2', () => {
  for (const args of [['allocators', 'nosuch'], ['allocators', 'buddy', '--device', 'nds', '--param', 'min-order=2'], ['allocators', 'first-fit', '--param', 'order=random']]) {
    const r = cli(args);
    assert.is(r.code, 2, args.join(' '));
    assert.is(r.stdout, '');
    assert.is(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^rmalloc-sim: .*\((ALLOCATOR_UNKNOWN|ALLOCATOR_PARAM)\)\n$/);
  }
});

test.run();
