/**
 * The HTML report in a real browser: Debian's chromium driven by playwright-core.
 *
 * A synthetic fragmenting trace (made here, deterministic) goes through `buildHtmlReport` for
 * first-fit, best-fit and rmalloc (which compacts on OOM) into out/browser-report.html; the page
 * is opened from file:// with every request routed (anything but the file itself fails the test)
 * and every console error recorded (any fails the test). Then: the first frame is drawn with as
 * many block groups as first-fit's walk() has blocks at that op (replayed here); moving the
 * scrubber changes the op label and the block count to those of the new op; rmalloc's
 * before/after compaction views match walk() before and after its first compaction; unticking
 * best-fit hides its table row, chart and OOM list. Screenshots go to out/.
 *
 * Without /usr/bin/chromium the test FAILS ("chromium missing: apt-get install chromium")
 * unless RMALLOC_SKIP_BROWSER=1, when it logs that it was skipped.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import { fragTrace } from './helpers/frag';
import * as assert from 'uvu/assert';
import { buildHtmlReport } from '../src/cli/report';
import { loadDevice } from '../src/device';
import { replay } from '../src/sim';
import type { OomPolicy } from '../src/sim';
import { traceFromText } from '../src/trace';

/** Debian's chromium; RMALLOC_CHROMIUM overrides the path (e.g. to check the missing-browser failure). */
const CHROMIUM = process.env.RMALLOC_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'out');
const HEAP = 4608;

/** Fragmenting workload: small blocks, every other one freed, then bigger requests. */
const syntheticTrace = (): string => fragTrace(3, '# synthetic: fragmentation then larger requests (browser test)');

/** walk() block counts of a replay at the given ops, and before/after its first compaction. */
function walkCounts(text: string, allocator: string, oom: OomPolicy, ops: number[]): { at: Map<number, number>; compaction?: [number, number, number] } {
  const t = traceFromText(text, 'synthetic');
  const count = (v: { allocator: { walk(f: () => void): void } }): number => {
    let n = 0;
    v.allocator.walk(() => n++);
    return n;
  };
  const at = new Map<number, number>();
  let before = -1;
  let compaction: [number, number, number] | undefined;
  replay(t, { device: loadDevice('nds'), allocator, oom, heapSize: HEAP }, {
    afterOp(i, v) {
      if (ops.includes(i)) at.set(i, count(v));
    },
    beforeCompact(_i, v) {
      if (!compaction) before = count(v);
    },
    afterCompact(i, v) {
      if (!compaction) compaction = [i, before, count(v)];
    },
  });
  return compaction ? { at, compaction } : { at };
}

test('report in headless chromium: scrubber, compaction view, toggles; offline, no console errors', async () => {
  if (!fs.existsSync(CHROMIUM)) {
    if (process.env.RMALLOC_SKIP_BROWSER === '1') {
      console.log('browser test skipped: chromium missing and RMALLOC_SKIP_BROWSER=1');
      return;
    }
    throw new Error('chromium missing: apt-get install chromium');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require('playwright-core') as typeof import('playwright-core');

  fs.mkdirSync(OUT, { recursive: true });
  const text = syntheticTrace();
  const tf = path.join(OUT, 'browser-synthetic.trace');
  fs.writeFileSync(tf, text);
  const html = await buildHtmlReport({
    device: 'nds', allocators: ['first-fit', 'best-fit', 'rmalloc'], traces: [tf], heapSize: HEAP, locks: 'none',
    params: {}, seed: 1, check: false, goal: 'balanced', jobs: 1, frameBudget: 4 << 20, maxFrames: 60,
  });
  const file = path.join(OUT, 'browser-report.html');
  fs.writeFileSync(file, html);
  const url = pathToFileURL(file).href;

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'rms-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1100, height: 1400 },
  });
  const problems: string[] = [];
  try {
    await ctx.route('**/*', (route) => {
      const u = route.request().url();
      if (u === url) return route.continue();
      problems.push(`network request: ${u}`);
      return route.abort();
    });
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      if (r.url() !== url) problems.push(`request failed: ${r.url()}`);
    });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="1"]');

    const data = JSON.parse((await page.locator('#hmdata-0').textContent()) ?? '{}') as {
      allocs: Record<string, { ops: number; frames: { op: number }[]; compactions: { op: number }[] }>;
    };
    const ff = data.allocs['first-fit']!;
    const ops = text.split('\n').filter((s) => /^[afr] /.test(s)).length;
    assert.is(ff.ops, ops);
    assert.ok(ff.frames.length >= 3, `${ff.frames.length} frames`);
    const k = Math.min(5, ff.frames.length - 1);
    const opK = ff.frames[k]!.op;
    const ffWalk = walkCounts(text, 'first-fit', 'fail', [0, opK]);

    const scrub = page.locator('.scrubber').first();
    const label = scrub.locator('.op-label');
    const blocks = (sel: string): Promise<number> => scrub.locator(`svg.${sel} g.blk`).count();
    // first frame: after op 0, as many block groups as walk() blocks
    assert.is(await label.textContent(), `after op 0 of ${ops}`);
    assert.is(await blocks('now'), ffWalk.at.get(0));
    await page.screenshot({ path: path.join(OUT, 'browser-report.png'), fullPage: false });

    // move the scrubber to frame k
    await scrub.locator('input.op').fill(String(k));
    await page.waitForSelector(`.scrubber[data-shown="first-fit:${k}"]`);
    assert.is(await label.textContent(), `after op ${opK.toLocaleString('en-US')} of ${ops}`);
    assert.is(await blocks('now'), ffWalk.at.get(opK));
    assert.is(await scrub.locator('svg.now').getAttribute('data-blocks'), String(ffWalk.at.get(opK)));
    // a tooltip names the block's address
    assert.match((await scrub.locator('svg.now g.blk title').first().textContent()) ?? '', /^0x02180000 · /);

    // rmalloc: its compactions, before and after
    await scrub.locator('select.alloc').selectOption('rmalloc');
    await page.waitForSelector('.scrubber[data-compaction="rmalloc:0"]'); // its frames are inflated on first use
    const rm = data.allocs.rmalloc!;
    assert.ok(rm.compactions.length > 0, 'rmalloc should compact on this trace');
    const rmWalk = walkCounts(text, 'rmalloc', 'compact', []);
    const [cop, nBefore, nAfter] = rmWalk.compaction!;
    assert.is(rm.compactions[0]!.op, cop);
    assert.is(await blocks('before'), nBefore);
    assert.is(await blocks('after'), nAfter);
    assert.ok(nAfter < nBefore, 'compaction merges free blocks');
    assert.match((await scrub.locator('.c-label').textContent()) ?? '', new RegExp(`^compaction at op ${cop.toLocaleString('en-US')}: moved `));
    await scrub.locator('svg.before').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(OUT, 'browser-compaction.png'), fullPage: false });

    // toggle best-fit off: its row, chart and OOM entry disappear; first-fit's stay
    const bfRow = page.locator('table.cmp tr[data-alloc="best-fit"]');
    assert.ok(await bfRow.isVisible());
    await page.locator('.toggles input[value="best-fit"]').uncheck();
    assert.ok(await bfRow.isHidden());
    assert.ok(await page.locator('details.chart[data-alloc="best-fit"]').isHidden());
    assert.ok(await page.locator('[data-alloc="best-fit"]').evaluateAll((els) => els.every((e) => (e as unknown as { hidden: boolean }).hidden)));
    assert.ok(await page.locator('table.cmp tr[data-alloc="first-fit"]').isVisible());
    assert.is(await page.locator('table.cmp tbody tr:visible').count(), 2);
    await page.screenshot({ path: path.join(OUT, 'browser-toggled.png'), fullPage: true });
  } finally {
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  assert.equal(problems, []);
});

test.run();
