/**
 * `rmalloc-sim trace stats|convert` as a user runs it: the real CLI in a child process,
 * stdout, stderr and exit code checked separately.
 */
import { cli as spawnCli } from './cli-spawn';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const DIR = path.join(__dirname, 'fixtures', 'traces');

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnCli(args, { cwd: ROOT, env: { LOG_LEVEL: 'warn' } });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

const c = suite('trace CLI');

c('a malformed line: exit 2, nothing on stdout, one line on stderr naming file and line', () => {
  const f = path.join(DIR, 'malformed', 'non-numeric-size.trace');
  const r = cli('trace', 'stats', f);
  assert.is(r.code, 2);
  assert.is(r.out, '');
  assert.is(r.err, `rmalloc-sim: ${f}:2: size is not a number: "12k" (TRACE_SYNTAX)\n`);
});

c('stats --json: schema-1 keys, skipped counts on stderr', () => {
  const f = path.join(DIR, 'mtrace.out');
  const r = cli('trace', 'stats', f, '--json');
  assert.is(r.code, 0);
  const j = JSON.parse(r.out);
  for (const k of ['schema', 'trace', 'ops', 'allocs', 'frees', 'reallocs', 'locks', 'ids', 'peakLive', 'maxSize', 'liveAtEnd', 'sizeHistogram', 'lifetimeHistogram', 'skipped'])
    assert.ok(k in j, `key ${k}`);
  assert.is(j.schema, 1);
  assert.is(j.format, 'mtrace');
  assert.is(j.ops, 6);
  assert.is(j.peakLive, 96); // 16 + 32, then the 16-byte block grows to 64
  assert.match(r.err, `rmalloc-sim: ${f}:7: skipped 1 x free of an unknown pointer (first at this line)\n`);
  assert.match(r.err, /ignored 1 x failed allocation/);
});

c('convert a malloc-lab trace to stdout with --from; the header mismatch warns on stderr', () => {
  const r = cli('trace', 'convert', '--from', 'rep', path.join(DIR, 'rep-weight.rep'), '-');
  assert.is(r.code, 0, r.err);
  assert.match(r.err, /malloc-lab header says 3 ids and 5 ops; the body has 2 ids and 4 ops/);
  assert.match(r.err, /rep-weight\.rep:7: ignored 1 x realloc of a freed id: imported as an allocation/);
  assert.match(r.out, /^# malloc-lab header: 1 3 5 512 \(ids 3, ops 5\)\n# converted by rmalloc-sim from .*rep-weight\.rep \(format rep\)\n# rmalloc-sim: complete when the last line is "# end: <ops> ops"\na 0 512\nf 0\na 0 64\na 2 1\n# end: 4 ops\n$/);
});

c.run();
