/**
 * CLI error handling (spawned): every kind of bad input prints exactly one line on stderr,
 * `rmalloc-sim: ... (CODE)`, nothing on stdout, and exits 2; no report file is left behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, syntheticTrace, tempDir } from './cli-spawn';

const dir = tempDir('rmalloc-cli-errors-');
const trace = path.join(dir, 'small.trace');
fs.writeFileSync(trace, syntheticTrace(60));
const bad = path.join(dir, 'bad.trace');
fs.writeFileSync(bad, 'a 1 16\nzz 2\n');

const RUN = ['run', '--device', 'nds', '--allocator', 'first-fit', '--trace', trace];

const cases: [string, string[], string, RegExp?][] = [
  ['unknown device', ['run', '--device', 'no-such-device', '--allocator', 'first-fit', '--trace', trace], 'DEVICE_UNKNOWN', /no-such-device/],
  ['unknown allocator (run)', ['run', '--allocator', 'no-such-alloc', '--trace', trace], 'ALLOCATOR_UNKNOWN', /no-such-alloc/],
  ['unknown allocator (min-heap)', ['min-heap', '--allocator', 'nope', '--trace', trace], 'ALLOCATOR_UNKNOWN'],
  ['missing trace file', ['run', '--allocator', 'first-fit', '--trace', path.join(dir, 'missing.trace')], 'TRACE_NOT_FOUND', /missing\.trace/],
  ['trace syntax error', ['run', '--allocator', 'first-fit', '--trace', bad], 'TRACE_SYNTAX', /bad\.trace:2/],
  ['heap larger than its region', [...RUN, '--heap', '64MiB'], 'HEAP_TOO_LARGE'],
  ['heap larger than its region (compare)', ['compare', '--allocator', 'first-fit', '--trace', trace, '--heap', '64MiB'], 'HEAP_TOO_LARGE'],
  ['heap too small for metadata', [...RUN, '--heap', '8'], 'HEAP_TOO_SMALL'],
  ['bad --oom', [...RUN, '--oom', 'explode'], 'USAGE', /--oom/],
  ['bad --locks', [...RUN, '--locks', 'pinned:2'], 'USAGE', /--locks/],
  ['bad --goal', ['compare', '--allocator', 'first-fit', '--trace', trace, '--goal', 'fastest'], 'USAGE', /--goal/],
  ['bad --format', ['compare', '--allocator', 'first-fit', '--trace', trace, '--format', 'xml'], 'USAGE', /--format/],
  ['bad --param', [...RUN, '--param', 'nosuchparam=1'], 'ALLOCATOR_PARAM'],
  ['report into a missing folder', [...RUN, '--json', path.join(dir, 'no', 'such', 'run.json')], 'IO'],
];

for (const [name, args, code, detail] of cases) {
  test(`${name}: one stderr line (${code}), empty stdout, exit 2`, () => {
    const r = cli(args);
    assert.is(r.stdout, '', 'stdout');
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.is(lines.length, 1, `stderr: ${r.stderr}`);
    assert.match(lines[0]!, new RegExp(`^rmalloc-sim: .+ \\(${code}\\)$`));
    if (detail) assert.match(lines[0]!, detail);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
    assert.is(r.code, 2);
  });
}

test('no partial report is left when the run fails', () => {
  const out = path.join(dir, 'never.json');
  const r = cli([...RUN, '--heap', '8', '--json', out]);
  assert.is(r.code, 2);
  assert.not.ok(fs.existsSync(out));
  assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test.run();
