/**
 * Parameter spaces declared in the allocator registry: every declared value passes the
 * registry's own parameter check, defaults lie inside their space, and on the nds every
 * discrete value creates the allocator (so the tune grid wastes no run on refused settings).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SimError } from '../src/errors';
import { loadDevice } from '../src/device';
import { allocatorNames, getFactory, resolveParams } from '../src/alloc';
import { buildRig } from '../src/sim';
import { defaultSetting, dimensionsOf, gridSettings, gridSize, settingKey, valuesOf } from '../src/study/tune-space';

test('every allocator with parameters declares a space for at least one of them', () => {
  for (const n of allocatorNames()) {
    const f = getFactory(n);
    if (f.params.length === 0) continue;
    assert.ok(dimensionsOf(f).length > 0, `${n} has parameters but no tune space`);
  }
});

test('declared values pass resolveParams and contain the default', () => {
  for (const n of allocatorNames()) {
    const f = getFactory(n);
    for (const p of f.params) {
      if (!p.space) continue;
      const vals = valuesOf(p.space);
      if (!vals) continue;
      assert.ok(vals.includes(p.default), `${n}.${p.name}: default ${String(p.default)} outside its space`);
      for (const v of vals) resolveParams(f, undefined, { [p.name]: String(v) });
    }
  }
});

test('on the nds every discrete value creates the allocator or is refused as a parameter error', () => {
  const dev = loadDevice('nds');
  for (const n of allocatorNames()) {
    const f = getFactory(n);
    for (const p of f.params) {
      const vals = p.space && valuesOf(p.space);
      if (!vals) continue;
      for (const v of vals) {
        try {
          const a = buildRig(dev, n, { params: { [p.name]: String(v) } }).allocator;
          assert.is(a.check().length, 0, `${n} ${p.name}=${String(v)}`);
        } catch (e) {
          // slab pages below descriptor + largest default class: fine with fewer classes.
          assert.instance(e, SimError, `${n} ${p.name}=${String(v)}`);
          assert.is((e as SimError).code, 'ALLOCATOR_PARAM');
        }
      }
    }
  }
});

test('grid: size, order and default of a small space (tlsf, buddy, first-fit)', () => {
  const t = dimensionsOf(getFactory('tlsf'));
  assert.is(gridSize(t), 5);
  assert.equal(gridSettings(t).map((s) => s.slLog2), [1, 2, 3, 4, 5]);
  const ff = dimensionsOf(getFactory('first-fit'));
  assert.is(gridSize(ff), 3 * 2 * 5);
  const g = gridSettings(ff);
  assert.is(new Set(g.map((s) => settingKey(ff, s))).size, 30);
  assert.ok(g.some((s) => settingKey(ff, s) === settingKey(ff, defaultSetting(ff))));
  assert.is(gridSize(dimensionsOf(getFactory('slab'))), Infinity);
  const rm = dimensionsOf(getFactory('rmalloc'));
  assert.equal(rm.filter((d) => d.kind === 'run').map((d) => d.name), ['compact-above', 'compact-budget']);
});

test.run();
