/**
 * `--mix T1,T2` with run, compare and report (spawned), through the same loader as squeeze
 * (src/trace/mix.ts loadMix, seeded by --seed): a mixed run's peak live equals the peak of the
 * interleaving computed independently (tests/helpers/mix-peak.ts); compare and report name the
 * mix; run takes one trace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadTrace, mixTraces } from '../src/trace';
import { cli, syntheticTrace, tempDir } from './cli-spawn';
import { independentMixPeak } from './helpers/mix-peak';

const dir = tempDir('rmalloc-cli-mix-');
const t1 = path.join(dir, 'shell.trace');
const t2 = path.join(dir, 'game.trace');
fs.writeFileSync(t1, syntheticTrace(300, 5));
fs.writeFileSync(t2, syntheticTrace(200, 6));
const MIX = `${t1},${t2}`;

test('run --mix: peak live is the independently computed peak of the interleaving', async () => {
  const r = cli(['run', '-d', 'nds', '-a', 'first-fit', '--mix', MIX, '--seed', '7', '--json', '-']);
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.is(j.trace.name, 'shell+game');
  assert.is(j.trace.ops, 500);
  const progs = [await loadTrace(t1), await loadTrace(t2)];
  const m = mixTraces(progs, { seed: 7 });
  const peak = independentMixPeak(m, m.mix.parts.map((p) => p.idOffset), progs);
  assert.is(j.summary.peakLive, peak);
  assert.is(j.summary.ooms, 0);
});

test('compare --mix: the table and the JSON name the mix; traces and mixes together', () => {
  const json = path.join(dir, 'mix.json');
  const r = cli(['compare', '-d', 'nds', '-a', 'first-fit', '-a', 'buddy', '-t', t1, '--mix', MIX, '--jobs', '1', '--json', json]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /\n\nshell\+game \(a mix: shell \+ game, seed 1\): 500 ops, peak live /);
  assert.match(r.stdout, /tight memory/);
  const j = JSON.parse(fs.readFileSync(json, 'utf8'));
  assert.equal(j.traces.map((t: { trace: string }) => t.trace), ['shell', 'shell+game']);
  assert.equal(j.traces[1].mix.parts.map((p: { name: string }) => p.name), ['shell', 'game']);
  assert.ok(j.traces[1].results[0].tight.startsFailingBelow > 0);
});

test('report --mix: the page names the mix', () => {
  const out = path.join(dir, 'mix.html');
  const r = cli(['report', '-d', 'nds', '-a', 'first-fit', '--mix', MIX, '--jobs', '1', '-o', out, '--max-frames', '4']);
  assert.is(r.code, 0, r.stderr);
  const html = fs.readFileSync(out, 'utf8');
  assert.match(html, '<h2>shell+game</h2>');
  assert.match(html, '(a mix: shell + game, seed 1)');
  assert.match(html, '<h3>Tight memory</h3>');
});

test('run takes one trace: --trace or one --mix', () => {
  for (const [args, msg] of [
    [['--mix', MIX, '-t', t1], 'not both'],
    [['--mix', MIX, '--mix', MIX], 'given 2 times'],
    [[], 'run needs a trace'],
    [['--mix', t1], 'at least two traces'],
  ] as const) {
    const r = cli(['run', '-d', 'nds', '-a', 'first-fit', ...args]);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.stderr, msg);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test.run();
