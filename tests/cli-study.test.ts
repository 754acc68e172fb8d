/**
 * The plain bugs of issue 10, spawned: `run` says `oom` when allocations failed (exit 0 unless
 * --fail-on-oom); "-" is stdout for every output flag (--json -, --csv -, --svg -, compare
 * --json -/--csv -); run and compare never skip trace lines silently (a count on stderr) and
 * --strict makes a skipped line an error (exit 2) in both.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, tempDir } from './cli-spawn';

const dir = tempDir('rms-cli-study-');
// avr-uno has a 1280-byte heap: the two 3000-byte requests fail; line 3 frees an unknown id.
const T = path.join(dir, 'skip.trace');
fs.writeFileSync(T, 'a 1 10\nf 1\nf 7\na 2 3000\na 3 3000\nf 2\nf 3\n');
const RUN = ['run', '-d', 'avr-uno', '-a', 'first-fit', '-t', T];
const SKIP_LINE = `rmalloc-sim: ${T}:3: skipped 1 x free of an unknown id (first at this line)\n`;

test('run: status oom when allocations failed, exit 0; --fail-on-oom exits 1', () => {
  const r = cli(RUN);
  assert.is(r.code, 0);
  assert.match(r.stdout, /^first-fit on avr-uno, trace skip: oom \(2 allocations failed\)$/m);
  assert.is(r.stderr, SKIP_LINE, 'the skipped line is counted on stderr');
  const j = cli([...RUN, '--json', '-']);
  assert.is(j.code, 0);
  assert.is(JSON.parse(j.stdout).status, 'oom');
  const f = cli([...RUN, '--fail-on-oom']);
  assert.is(f.code, 1);
  assert.match(f.stderr, /2 allocation\(s\) failed; first at op 2 \(line 4\) \(OOM\)/);
});

test('"-" is stdout for --json, --csv and --svg', () => {
  const j = cli([...RUN, '--json', '-']);
  assert.is(j.code, 0, j.stderr);
  assert.is(JSON.parse(j.stdout).schema, 1);
  const c = cli([...RUN, '--csv', '-']);
  assert.is(c.code, 0, c.stderr);
  assert.match(c.stdout, /^op,live,used,/);
  const s = cli([...RUN, '--svg', '-']);
  assert.is(s.code, 0, s.stderr);
  assert.match(s.stdout, /^<svg /);
  const cj = cli(['compare', '-d', 'avr-uno', '-a', 'first-fit', '-t', T, '--no-min-heap', '--jobs', '1', '--json', '-']);
  assert.is(cj.code, 0, cj.stderr);
  assert.is(JSON.parse(cj.stdout).traces[0].trace, 'skip');
  const cc = cli(['compare', '-d', 'avr-uno', '-a', 'first-fit', '-t', T, '--no-min-heap', '--jobs', '1', '--csv', '-']);
  assert.is(cc.code, 0, cc.stderr);
  assert.match(cc.stdout, /^trace,allocator,status,/);
  assert.match(cc.stdout, /\nskip,first-fit,oom,/);
});

test('compare counts skipped lines on stderr; --strict makes them errors in run and compare', () => {
  const c = cli(['compare', '-d', 'avr-uno', '-a', 'first-fit', '-t', T, '--no-min-heap', '--jobs', '1']);
  assert.is(c.code, 0);
  assert.is(c.stderr, SKIP_LINE);
  for (const args of [RUN, ['compare', '-d', 'avr-uno', '-a', 'first-fit', '-t', T, '--jobs', '1']]) {
    const s = cli([...args, '--strict']);
    assert.is(s.code, 2);
    assert.is(s.stdout, '');
    assert.is(s.stderr, `rmalloc-sim: ${T}:3: free of an unknown id (id 7) (TRACE_SEMANTIC)\n`);
  }
});

test.run();
