/**
 * tune, the config file and --shard/merge through the real CLI (tests/cli-spawn.ts): the flags
 * tune prints reproduce its tuned figures in compare; a config file drives every command and
 * flags override it; config errors name file, line and field (exit 2); 3 shards merged equal
 * the unsharded run for compare, squeeze and tune, deep-equal.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, syntheticTrace, tempDir } from './cli-spawn';

const dir = tempDir('rmalloc-tune-test-');
const A = path.join(dir, 'a.trace');
const B = path.join(dir, 'b.trace');
fs.writeFileSync(A, syntheticTrace(300, 3));
fs.writeFileSync(B, syntheticTrace(250, 11));

interface TuneJson {
  search: { method: string; evaluated: number };
  default: { perTrace: { trace: string; minHeap: number; mean: number }[] };
  tuned: { flags: string[]; perTrace: { trace: string; minHeap: number; mean: number; ooms: number }[] };
  unchanged: boolean;
}
interface CompareJson {
  traces: { trace: string; results: { allocator: string; minHeap: { minHeap: number }; cycles: { ops: { mean: number } } }[] }[];
}

test('tune prints flags that reproduce its tuned figures in compare', () => {
  const r = cli(['tune', '-d', 'nds', '-a', 'tlsf', '-t', A, '-t', B, '--goal', 'space', '--format', 'json', '--jobs', '1']);
  assert.is(r.code, 0, r.stderr);
  const t = JSON.parse(r.stdout) as TuneJson;
  assert.is(t.search.method, 'grid');
  assert.is(t.search.evaluated, 5);
  const flags = t.tuned.flags.flatMap((f) => f.split(' '));
  const c = cli(['compare', '-d', 'nds', '-a', 'tlsf', '-t', A, '-t', B, '--format', 'json', '--jobs', '1', ...flags]);
  assert.is(c.code, 0, c.stderr);
  const cj = JSON.parse(c.stdout) as CompareJson;
  for (const pt of t.tuned.perTrace) {
    const cell = cj.traces.find((x) => x.trace === pt.trace)!.results[0]!;
    assert.is(cell.minHeap.minHeap, pt.minHeap, pt.trace);
    assert.is(cell.cycles.ops.mean, pt.mean, pt.trace);
  }
  // The tuned setting is at least as small as the default on these traces.
  const sum = (xs: { minHeap: number }[]) => xs.reduce((s, x) => s + Math.log(x.minHeap), 0);
  assert.ok(sum(t.tuned.perTrace) <= sum(t.default.perTrace) + 1e-9);
});

test('config file: read from the current folder or --config, flags override it', () => {
  const cdir = tempDir('rmalloc-config-test-');
  fs.writeFileSync(path.join(cdir, 'rmalloc-sim.json'), JSON.stringify({
    devices: ['gba'], traces: [A], allocators: ['tlsf', { name: 'slab', params: { page: 8192 } }], goal: 'space', policies: { oom: 'fail', seed: 1 },
  }, null, 2));
  const fromCfg = cli(['compare', '--no-min-heap', '--format', 'json', '--jobs', '1'], { cwd: cdir });
  assert.is(fromCfg.code, 0, fromCfg.stderr);
  const j = JSON.parse(fromCfg.stdout) as { device: string; goal: string; traces: { results: { allocator: string; params: Record<string, unknown> }[] }[] };
  assert.is(j.device, 'gba');
  assert.is(j.goal, 'space');
  assert.equal(j.traces[0]!.results.map((c) => c.allocator), ['tlsf', 'slab']);
  const flags = cli(['compare', '--no-min-heap', '--format', 'json', '--jobs', '1', '-d', 'gba', '-t', A, '-a', 'tlsf', '-a', 'slab', '--param', 'page=8192', '--goal', 'space']);
  assert.equal(JSON.parse(fromCfg.stdout).ranking, JSON.parse(flags.stdout).ranking);
  // Flags win: device and allocator from the command line.
  const over = cli(['compare', '--no-min-heap', '--format', 'json', '--jobs', '1', '-d', 'nds', '-a', 'buddy'], { cwd: cdir });
  const o = JSON.parse(over.stdout) as { device: string; traces: { results: { allocator: string }[] }[] };
  assert.is(o.device, 'nds');
  assert.equal(o.traces[0]!.results.map((c) => c.allocator), ['buddy']);
  // A single-allocator command takes the first listed; --config names another file.
  const out = path.join(cdir, 'run.json');
  const run = cli(['run', '--json', out], { cwd: cdir });
  assert.is(run.code, 0, run.stderr);
  assert.is((JSON.parse(fs.readFileSync(out, 'utf8')) as { allocator: string }).allocator, 'tlsf');
  const other = path.join(cdir, 'other.json');
  fs.writeFileSync(other, JSON.stringify({ devices: ['nds'], traces: [A], allocators: ['buddy'] }));
  const viaFlag = cli(['run', '--config', other, '--json', out]);
  assert.is(viaFlag.code, 0, viaFlag.stderr);
  assert.is((JSON.parse(fs.readFileSync(out, 'utf8')) as { allocator: string }).allocator, 'buddy');
});

test('config errors name file, line and field; exit 2', () => {
  const cdir = tempDir('rmalloc-config-bad-');
  const cases: [string, RegExp][] = [
    ['{\n  "devices": ["nds"],\n  "allocators": [\n    { "name": "slab", "parms": {} }\n  ]\n}\n', /^rmalloc-sim: bad\.json:4: config: allocators\[0\]\.parms: unknown field \(USAGE\)\n$/],
    ['{\n  "goal": "fastest"\n}\n', /^rmalloc-sim: bad\.json:2: config: goal: expected one of .*got string "fastest" \(USAGE\)\n$/],
    ['{\n  "policies": {\n    "seed": "x"\n  }\n}\n', /^rmalloc-sim: bad\.json:3: config: policies\.seed: expected number, got string "x" \(USAGE\)\n$/],
    ['{\n  "traces": [1]\n}\n', /^rmalloc-sim: bad\.json:2: config: traces\[0\]: expected string, got number 1 \(USAGE\)\n$/],
  ];
  // One command per case, so every kind of command is seen failing on a bad config.
  const commands = [['compare'], ['run'], ['tune', '-a', 'tlsf'], ['devices']];
  cases.forEach(([text, re], i) => {
    fs.writeFileSync(path.join(cdir, 'bad.json'), text);
    const cmd = commands[i]!;
    const r = cli([...cmd, '--config', 'bad.json'], { cwd: cdir });
    assert.is(r.code, 2, `${cmd[0]}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.is(r.stdout, '');
  });
});

test('3 shards merged deep-equal the unsharded run: compare, squeeze, tune', () => {
  const sdir = tempDir('rmalloc-shard-test-');
  const runs: [string, string[]][] = [
    ['compare', ['compare', '-d', 'nds', '-t', A, '-t', B, '-a', 'tlsf', '-a', 'slab', '--format', 'json', '--jobs', '1']],
    ['squeeze', ['squeeze', '-d', 'nds', '-t', A, '-a', 'tlsf', '-a', 'buddy', '-a', 'best-fit', '--format', 'json', '--jobs', '1']],
    ['tune', ['tune', '-d', 'nds', '-t', A, '-a', 'slab', '--budget', '7', '--format', 'json', '--jobs', '1']],
  ];
  for (const [name, args] of runs) {
    const whole = cli(args);
    assert.is(whole.code, 0, whole.stderr);
    const parts: string[] = [];
    for (let k = 1; k <= 3; k++) {
      const p = path.join(sdir, `${name}-${k}.json`);
      const r = cli([...args, '--shard', `${k}/3`, '--out', p]);
      assert.is(r.code, 0, r.stderr);
      assert.is(r.stdout, '');
      parts.push(p);
    }
    const merged = cli(['merge', parts[2]!, parts[0]!, parts[1]!]);
    assert.is(merged.code, 0, merged.stderr);
    assert.equal(JSON.parse(merged.stdout), JSON.parse(whole.stdout), name);
  }
  // A missing shard is named.
  const r = cli(['merge', path.join(sdir, 'compare-1.json'), path.join(sdir, 'compare-3.json')]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /shard 2\/3 missing/);
});

test.run();
