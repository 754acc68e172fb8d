import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyLockModel, parseLockModel } from '../src/sim/locks';
import { packOps, OpTuple } from './helpers/pack';
import { SimError } from '../src/errors';
import { OP_NAMES, PackedTrace } from '../src/trace/types';
import { Prng } from '../src/util/prng';

const LETTER = ['a', 'f', 'r', 'l', 'u', 'i', 'x'];

/** The output as readable lines: `a 1 100 @1` (op, id, arg for a/r, source line). */
function listing(t: PackedTrace): string[] {
  const o = t.ops;
  const out: string[] = [];
  for (let i = 0; i < o.n; i++) {
    const k = o.kind[i]!;
    const arg = k === 0 || k === 2 ? ` ${o.arg[i]}` : '';
    out.push(`${LETTER[k]} ${o.id[i]}${arg} @${o.line[i]}`);
  }
  return out;
}

/** Replays the output's lock ops per id: counts never go negative and are 0 at every free. */
function lockDiscipline(t: PackedTrace): string[] {
  const o = t.ops;
  const count = new Map<number, number>();
  const bad: string[] = [];
  for (let i = 0; i < o.n; i++) {
    const k = o.kind[i]!;
    const id = o.id[i]!;
    if (k === 3) count.set(id, (count.get(id) ?? 0) + 1);
    else if (k === 4) {
      const c = (count.get(id) ?? 0) - 1;
      if (c < 0) bad.push(`op ${i}: unlock of unlocked ${id}`);
      count.set(id, c);
    } else if ((k === 1 || k === 2) && (count.get(id) ?? 0) !== 0) bad.push(`op ${i}: ${OP_NAMES[k]} of ${id} while locked`);
  }
  for (const [id, c] of count) if (c !== 0) bad.push(`id ${id} still locked at the end (${c})`);
  return bad;
}

const Parse = suite('parseLockModel');

Parse('accepts the four models', () => {
  assert.equal(parseLockModel('none'), { kind: 'none' });
  assert.equal(parseLockModel('pinned:0.25'), { kind: 'pinned', p: 0.25 });
  assert.equal(parseLockModel('lifetime:0.1'), { kind: 'lifetime', f: 0.1 });
  assert.equal(parseLockModel('access'), { kind: 'access' });
});

Parse('bad specs are USAGE errors', () => {
  for (const s of ['', 'pinned', 'pinned:', 'pinned:2', 'pinned:-0.1', 'lifetime:x', 'sometimes', 'access:1']) {
    try {
      parseLockModel(s);
      assert.unreachable(`"${s}" accepted`);
    } catch (e) {
      assert.instance(e, SimError, s);
      assert.is((e as SimError).code, 'USAGE');
    }
  }
  assert.throws(() => applyLockModel(packOps('t', [['a', 1, 8]]), 'pinned:7', 1), (e: unknown) => e instanceof SimError);
});

Parse.run();

const Pinned = suite('pinned');

const small: OpTuple[] = [['a', 1, 100], ['a', 2, 50], ['r', 1, 200], ['f', 2], ['a', 3, 10], ['f', 1]];

Pinned('none returns the trace unchanged', () => {
  const t = packOps('t', small);
  assert.is(applyLockModel(t, 'none', 1), t);
});

Pinned('pinned:1 locks every block for life, with u/r/l around reallocs and lines of the source op', () => {
  const out = applyLockModel(packOps('t', small), 'pinned:1', 7);
  assert.equal(listing(out), [
    'a 1 100 @1', 'l 1 @1',
    'a 2 50 @2', 'l 2 @2',
    'u 1 @3', 'r 1 200 @3', 'l 1 @3',
    'u 2 @4', 'f 2 @4',
    'a 3 10 @5', 'l 3 @5',
    'u 1 @6', 'f 1 @6',
    'u 3 @5', // still live at the end: unlocked there, with the line of its alloc
  ]);
  assert.equal(lockDiscipline(out), []);
});

Pinned('pinned:0 inserts nothing; a fraction p is locked, seeded', () => {
  const ops: OpTuple[] = [];
  for (let i = 0; i < 4000; i++) ops.push(['a', i, 16], ['f', i]);
  const t = packOps('t', ops);
  assert.is(applyLockModel(t, 'pinned:0', 1).ops.n, t.ops.n);
  const count = (x: PackedTrace) => listing(x).filter((l) => l.startsWith('l ')).length;
  const a = applyLockModel(t, 'pinned:0.3', 1);
  const b = applyLockModel(t, 'pinned:0.3', 1);
  const c = applyLockModel(t, 'pinned:0.3', 2);
  assert.equal(listing(a), listing(b), 'same seed, same output');
  assert.not.equal(listing(a), listing(c), 'another seed, another choice');
  const n = count(a);
  assert.ok(n > 4000 * 0.3 - 150 && n < 4000 * 0.3 + 150, `locked ${n} of 4000`);
  assert.equal(lockDiscipline(a), []);
});

Pinned('existing lock ops are kept and nest with inferred ones', () => {
  const t = packOps('t', [['a', 1, 64], ['l', 1], ['u', 1], ['l', 1], ['u', 1], ['f', 1]]);
  const out = applyLockModel(t, 'pinned:1', 1);
  assert.equal(listing(out), ['a 1 64 @1', 'l 1 @1', 'l 1 @2', 'u 1 @3', 'l 1 @4', 'u 1 @5', 'u 1 @6', 'f 1 @6']);
  assert.equal(lockDiscipline(out), []);
});

Pinned.run();

const Lifetime = suite('lifetime');

Lifetime('locks exactly the blocks living under f x trace length', () => {
  // 10 ops; f = 0.3 -> lifetimes under 3 ops are locked.
  const t = packOps('t', [
    ['a', 1, 8], //  0: lives 0..9 (f at 9): 9 ops
    ['a', 2, 8], //  1: freed at 2: 1 op -> locked
    ['f', 2], //     2
    ['a', 3, 8], //  3: freed at 6: 3 ops -> not locked (not under 3)
    ['a', 4, 8], //  4: freed at 5: 1 op -> locked
    ['f', 4], //     5
    ['f', 3], //     6
    ['a', 5, 8], //  7: never freed: 10 - 7 = 3 ops -> not locked
    ['a', 6, 8], //  8: never freed: 2 ops -> locked, unlocked at the end
    ['f', 1], //     9
  ]);
  const out = applyLockModel(t, 'lifetime:0.3', 1);
  assert.equal(listing(out), [
    'a 1 8 @1', 'a 2 8 @2', 'l 2 @2', 'u 2 @3', 'f 2 @3', 'a 3 8 @4', 'a 4 8 @5', 'l 4 @5', 'u 4 @6', 'f 4 @6',
    'f 3 @7', 'a 5 8 @8', 'a 6 8 @9', 'l 6 @9', 'f 1 @10', 'u 6 @9',
  ]);
  assert.equal(lockDiscipline(out), []);
});

Lifetime('lifetime:0 locks nothing, lifetime:1 locks everything', () => {
  const t = packOps('t', small);
  assert.is(applyLockModel(t, 'lifetime:0', 1).ops.n, t.ops.n);
  const all = listing(applyLockModel(t, 'lifetime:1', 1)).filter((l) => l.startsWith('l ') && !l.includes('@3'));
  assert.is(all.length, 3);
});

Lifetime.run();

const Access = suite('access');

/** Naive reference of the fine rule: touches every live block on every access. */
function naiveAccess(ops: OpTuple[]): string[] {
  const score = new Map<number, number>();
  const locked = new Set<number>();
  const out: string[] = [];
  ops.forEach(([op, id, arg], i) => {
    const line = i + 1;
    if (op === 'x') {
      const events: string[] = [];
      for (const [b, s] of score) {
        if (b === id) continue;
        const ns = Math.max(0, s - 0.5);
        score.set(b, ns);
        if (ns === 0 && locked.has(b)) { locked.delete(b); events.push(`u ${b} @${line}`); }
      }
      if (score.has(id)) {
        score.set(id, score.get(id)! + 1);
        if (!locked.has(id)) { locked.add(id); events.push(`l ${id} @${line}`); }
      }
      out.push(...events.sort());
    } else if (op === 'a') {
      out.push(`a ${id} ${arg} @${line}`);
      if (!score.has(id)) score.set(id, 0);
    } else if (op === 'f') {
      if (locked.delete(id)) out.push(`u ${id} @${line}`);
      score.delete(id);
      out.push(`f ${id} @${line}`);
    } else if (op === 'r') {
      if (locked.has(id)) out.push(`u ${id} @${line}`, `r ${id} ${arg} @${line}`, `l ${id} @${line}`);
      else out.push(`r ${id} ${arg} @${line}`);
      if (!score.has(id)) score.set(id, 0);
    } else out.push(`${op} ${id} @${line}`);
  });
  const last = ops.length;
  for (const b of [...locked]) out.push(`u ${b} @${last}`);
  return out;
}

/** Sorts each run of lock ops derived from one access (same line), for comparison. */
function normalise(lines: string[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  let runLine = '';
  const flush = () => { out.push(...run.sort()); run = []; };
  for (const l of lines) {
    const isLock = l.startsWith('l ') || l.startsWith('u ');
    const at = l.slice(l.indexOf('@'));
    if (isLock && at === runLine) run.push(l);
    else {
      flush();
      if (isLock) { run.push(l); runLine = at; } else { out.push(l); runLine = ''; }
    }
  }
  flush();
  return out;
}

Access('a hand-worked sequence', () => {
  // a1 a2; x1: s1=1 (lock 1); x2: s1=0.5, s2=1 (lock 2); x2: s1=0 (unlock 1), s2=2;
  // x2: s2=3; x1: s1=1 (lock 1), s2=2.5; f2: unlock 2, free; f1 at the end: unlock 1, free.
  const t = packOps('t', [['a', 1, 8], ['a', 2, 8], ['x', 1], ['x', 2], ['x', 2], ['x', 2], ['x', 1], ['f', 2], ['f', 1]]);
  const out = applyLockModel(t, 'access', 1);
  assert.equal(listing(out), ['a 1 8 @1', 'a 2 8 @2', 'l 1 @3', 'l 2 @4', 'u 1 @5', 'l 1 @7', 'u 2 @8', 'f 2 @8', 'u 1 @9', 'f 1 @9']);
});

Access('streaming rule equals the naive rule on random access traces, and strips access ops', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const rng = new Prng(seed);
    const ops: OpTuple[] = [];
    const live: number[] = [];
    let next = 0;
    for (let i = 0; i < 3000; i++) {
      const r = rng.next();
      if (live.length === 0 || r < 0.08) { ops.push(['a', next, 16]); live.push(next++); }
      else if (r < 0.13) { const k = rng.int(0, live.length - 1); ops.push(['f', live[k]!]); live.splice(k, 1); }
      else if (r < 0.15) ops.push(['r', live[rng.int(0, live.length - 1)]!, 32]);
      else if (r < 0.16) ops.push(['x', 99999]); // access to an unknown block still ages the others
      else {
        // skewed: a few hot blocks
        const k = Math.min(live.length - 1, Math.floor(live.length * rng.next() ** 3));
        ops.push(['x', live[k]!]);
      }
    }
    const got = listing(applyLockModel(packOps('t', ops), 'access', 1));
    assert.not.ok(got.some((l) => l.startsWith('x ')), 'access ops stripped');
    assert.equal(normalise(got), normalise(naiveAccess(ops)), `seed ${seed}`);
    assert.equal(lockDiscipline(applyLockModel(packOps('t', ops), 'access', 1)), [], `seed ${seed}`);
  }
});

Access.run();
