/**
 * The self-contained HTML report (`rmalloc-sim report`): one file with inline CSS, inline SVG
 * and a little inline JavaScript; no network, no CDN, no external fonts. Deterministic: same
 * input, same bytes (no timestamps, no random ids).
 *
 * Per trace: the comparison table (the rows of the stdout table, src/report/table.ts), the
 * memory-over-time and cycles-per-op chart of each allocator (src/report/svg.ts, from the
 * replay's series thinned to at most CHART_POINTS columns), the OOM events, and a heap-map
 * scrubber: a slider over the sampled frames of the chosen allocator (src/report/frames.ts) and
 * a before/after view of each kept compaction. The page decodes frames and draws them with the
 * very functions the CLI uses (hmRenderBlocks, decodeFrame: their source is embedded), so a
 * frame in the page is the same picture `rmalloc-sim heapmap --at OP` draws. Allocator toggles
 * at the top hide an allocator's rows, charts, OOM lists and scrubber entries everywhere.
 *
 * Frame data sits in one `<script type="application/json">` per trace: per allocator the frame
 * offsets and one gzip-compressed base64 blob of all its frames, inflated in the page with
 * DecompressionStream when that allocator is first shown (only the first one at load, so the
 * page opens fast). The charts are inline SVG.
 */
import type { RunResult } from '../sim';
import { formatBytes } from '../util';
import type { AllocFrames } from './frames';
import { decodeFrame } from './frames';
import { HM_DEFS, HM_LEGEND, hmRenderBlocks, regionBar } from './heapmap';
import type { MapGeometry, MapHeap, RegionLike } from './heapmap';
import type { CompareReport } from './json';
import { chartFromRun, escapeXml, renderChart } from './svg';
import type { ChartPoint, RunLike } from './svg';
import { cellRow, COMPARE_HEAD, mixNote, rankingText, tableNotes, TIGHT_HEADING, tightRows } from './table';

/** Chart columns kept per allocator (the series is merged down to this many). */
export const CHART_POINTS = 480;
/** OOM events listed per allocator and trace (all are counted). */
export const OOM_ROWS = 50;

/** The geometry of the page's heap maps (the CLI picture's, without title and region bar above). */
export const PAGE_MAP: MapGeometry = { x0: 92, y0: 6, width: 844, rowHeight: 11, rowPitch: 14, rows: 34, minPx: 1 };
export const PAGE_MAP_H = PAGE_MAP.y0 + PAGE_MAP.rows * PAGE_MAP.rowPitch + 4;

export interface HtmlTrace {
  /** Index into report.traces. */
  index: number;
  /** Device-heap runs, one per allocator in report.traces[index].results order (null: crashed). */
  runs: (RunResult | null)[];
  frames: AllocFrames[];
}

export interface HtmlReportInput {
  report: CompareReport;
  /** The device's regions and heaps (the memory map at the top). */
  regions: RegionLike[];
  heaps: MapHeap[];
  /** OOM policy each allocator ran with. */
  policies: Record<string, string>;
  traces: HtmlTrace[];
  /** Command line that made the report (shown; no timestamp, to stay deterministic). */
  command?: string;
}

/** Merges a run's series buckets so at most `max` columns remain (envelopes kept exact). */
export function thinRun(r: RunResult, max = CHART_POINTS): RunLike {
  const s = r.series;
  if (!s || s.points.length <= max) return r;
  const g = Math.ceil(s.points.length / max);
  const points: (ChartPoint & { compactions: number })[] = [];
  for (let i = 0; i < s.points.length; i += g) {
    const grp = s.points.slice(i, i + g);
    const last = grp[grp.length - 1]!;
    let cm = 0;
    for (const p of grp) cm += p.cyclesMean;
    points.push({
      op: last.op,
      maxLive: Math.max(...grp.map((p) => p.maxLive)),
      maxUsed: Math.max(...grp.map((p) => p.maxUsed)),
      minFree: Math.min(...grp.map((p) => p.minFree)),
      minLargest: Math.min(...grp.map((p) => p.minLargest)),
      cyclesMean: cm / grp.length,
      cyclesMax: Math.max(...grp.map((p) => p.cyclesMax)),
      compactions: grp.reduce((a, p) => a + p.compactions, 0),
    });
  }
  return { ...r, series: { every: s.every * g, points } };
}

const esc = escapeXml;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const attr = (s: string): string => esc(s);

/** JSON that is safe inside <script>: no "</script>" or "<!--" can appear. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function usText(us: number): string {
  if (!Number.isFinite(us)) return '-';
  if (us < 1000) return `${us.toFixed(us < 10 ? 2 : 1)} µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(2)} ms`;
  return `${(us / 1e6).toFixed(2)} s`;
}

const CSS = `
:root{--fg:#222;--muted:#666;--line:#ddd;--accent:#1f77b4}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);margin:0 auto;max-width:1000px;padding:16px}
h1{font-size:22px;margin:4px 0}h2{font-size:18px;margin:28px 0 6px;border-bottom:2px solid var(--line)}h3{font-size:15px;margin:18px 0 6px}
.muted{color:var(--muted)}
pre.ranking{background:#f7f7f7;padding:8px;overflow-x:auto;font-size:12px}
table.cmp{border-collapse:collapse;font-size:12px;width:100%}
table.cmp th,table.cmp td{padding:3px 6px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
table.cmp th:first-child,table.cmp td:first-child,table.cmp td:last-child{text-align:left}
table.tight{border-collapse:collapse;font-size:12px}
table.tight td{padding:3px 6px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
table.oom{border-collapse:collapse;font-size:12px}table.oom td,table.oom th{padding:2px 6px;border-bottom:1px solid var(--line);text-align:right}
.toggles{position:sticky;top:0;background:#fff;padding:6px 0;border-bottom:1px solid var(--line);z-index:2}
.toggles label{margin-right:10px;white-space:nowrap;font-size:13px}
.charts .chart svg{width:100%;height:auto}
details.allocs>summary{cursor:pointer;font-weight:600}
.scrubber{border:1px solid var(--line);padding:8px;margin-top:6px}
.scrubber .controls{display:flex;gap:10px;align-items:center;flex-wrap:wrap}
.scrubber input[type=range]{flex:1;min-width:260px}
.scrubber svg{width:100%;height:auto;display:block}
.legend span{display:inline-block;margin-right:12px;font-size:12px}
.legend i{display:inline-block;width:12px;height:10px;margin-right:4px;vertical-align:-1px}
.cpair{display:grid;grid-template-columns:1fr;gap:4px}
[hidden]{display:none!important}
`;

/** The page's script: the shared renderers' source plus the wiring. */
function pageScript(): string {
  const G = JSON.stringify(PAGE_MAP);
  return `
"use strict";
${hmRenderBlocks.toString()}
${decodeFrame.toString()}
(function(){
var G=${G};
var DEFS=${JSON.stringify(HM_DEFS)};
function n(x){return x.toLocaleString('en-US');}
function bytes(x){return x<1024?x+' B':x<1048576?(x/1024).toFixed(x<10240?2:1)+' KiB':(x/1048576).toFixed(2)+' MiB';}
function inflate(a){
  if(!a.p){
    var bin=atob(a.z),u=new Uint8Array(bin.length);
    for(var i=0;i<bin.length;i++)u[i]=bin.charCodeAt(i);
    a.p=new Response(new Blob([u]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer().then(function(ab){a.buf=new Uint8Array(ab);return a;});
  }
  return a.p;
}
function blocksOf(a,at){return decodeFrame(a.buf,a.heaps,at[0],at[1]);}
function draw(svg,a,at){
  var blocks=blocksOf(a,at);
  var lay=hmRenderBlocks(a.heaps,blocks,G);
  svg.innerHTML=DEFS+lay.svg;
  svg.setAttribute('data-blocks',String(lay.blockCount));
  svg.setAttribute('viewBox','0 0 960 '+(G.y0+lay.rowsUsed*G.rowPitch+4));
  return {lay:lay,blocks:blocks};
}
function totals(blocks){
  var t={live:0,slack:0,meta:0,free:0};
  blocks.forEach(function(b){
    if(b.kind===0)t.free+=b.size;else if(b.kind===1)t.meta+=b.size;else if(b.kind===2||b.kind===3){t.live+=b.requested;t.slack+=b.usable-b.requested;t.meta+=b.size-b.usable;}
  });
  return 'live '+bytes(t.live)+' · slack '+bytes(t.slack)+' · metadata '+bytes(t.meta)+' · free '+bytes(t.free);
}
function setup(el){
  var data=JSON.parse(document.getElementById(el.getAttribute('data-src')).textContent);
  var sel=el.querySelector('select.alloc'),range=el.querySelector('input.op'),label=el.querySelector('.op-label');
  var svg=el.querySelector('svg.hm.now'),info=el.querySelector('.hm-info');
  var csel=el.querySelector('select.compaction'),cbox=el.querySelector('.cpair');
  var cb=el.querySelector('svg.before'),ca=el.querySelector('svg.after'),clabel=el.querySelector('.c-label');
  function cur(){return data.allocs[sel.value];}
  function show(){
    var a=cur();if(!a||!a.buf)return;
    var i=Math.min(Number(range.value),a.frames.length-1);
    var f=a.frames[i];
    var r=draw(svg,a,f.at);
    label.textContent='after op '+n(f.op)+' of '+n(a.ops);
    info.textContent=totals(r.blocks)+' · one row = '+bytes(r.lay.bytesPerRow)+' · frame '+(i+1)+' of '+a.frames.length+' (every '+n(a.every)+' ops)';
    el.setAttribute('data-shown',sel.value+':'+i);
  }
  function showCompaction(){
    var a=cur();if(!a||!a.buf)return;
    if(!a.compactions.length){cbox.hidden=true;csel.hidden=true;clabel.textContent='no compactions';el.setAttribute('data-compaction',sel.value+':none');return;}
    cbox.hidden=false;csel.hidden=false;
    var j=Number(csel.value)||0,c=a.compactions[j]||a.compactions[0];
    draw(cb,a,c.before);draw(ca,a,c.after);
    clabel.textContent='compaction at op '+n(c.op)+': moved '+bytes(c.moved)+' ('+a.compactions.length+' of '+n(a.compactionCount)+' compactions kept)';
    el.setAttribute('data-compaction',sel.value+':'+j);
  }
  function pick(){
    var a=cur();if(!a)return Promise.resolve();
    range.max=String(a.frames.length-1);
    if(Number(range.value)>a.frames.length-1)range.value=range.max;
    csel.innerHTML='';
    a.compactions.forEach(function(c,i){var o=document.createElement('option');o.value=String(i);o.textContent='#'+(i+1)+' at op '+n(c.op)+' · moved '+bytes(c.moved);csel.appendChild(o);});
    var want=sel.value;
    return inflate(a).then(function(){if(sel.value===want){show();showCompaction();}});
  }
  sel.addEventListener('change',pick);
  range.addEventListener('input',show);
  csel.addEventListener('change',showCompaction);
  el.rmPick=pick;
  return pick();
}
var ready=[];
document.querySelectorAll('.scrubber').forEach(function(el){ready.push(setup(el));});
document.querySelectorAll('.toggles input[type=checkbox]').forEach(function(cbx){
  cbx.addEventListener('change',function(){
    var name=cbx.value,on=cbx.checked;
    document.querySelectorAll('[data-alloc]').forEach(function(e){if(e.getAttribute('data-alloc')===name)e.hidden=!on;});
    document.querySelectorAll('.scrubber').forEach(function(el){
      var sel=el.querySelector('select.alloc');
      var o=sel.options[sel.selectedIndex];
      if(o&&o.hidden){for(var k=0;k<sel.options.length;k++)if(!sel.options[k].hidden){sel.selectedIndex=k;el.rmPick();break;}}
    });
  });
});
Promise.all(ready).then(function(){
  document.body.setAttribute('data-ready-ms',String(Math.round(performance.now())));
  document.body.setAttribute('data-ready','1');
},function(e){console.error('heap map: '+e);});
})();
`;
}

function compareTableHtml(rep: CompareReport, ti: number): string {
  const t = rep.traces[ti]!;
  const head = COMPARE_HEAD.map((h) => `<th>${esc(h)}</th>`).join('');
  const rows = t.results.map((c) => {
    const cells = cellRow(c, rep.clockHz).map((v) => `<td>${esc(v)}</td>`).join('');
    return `<tr data-alloc="${attr(c.allocator)}">${cells}</tr>`;
  });
  return `<table class="cmp"><thead><tr>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/** The tight-memory lines (src/study/tight.ts), the same text as under compare's tables. */
function tightHtml(t: CompareReport['traces'][number]): string {
  const rows = tightRows(t);
  if (rows.length === 0) return '';
  const body = rows.map((r) => `<tr class="tight" data-alloc="${attr(r.allocator)}"><td>${esc(r.allocator)}</td><td>${esc(r.line)}</td></tr>`).join('\n');
  const title = TIGHT_HEADING.replace(/:$/, '');
  return `<h3>Tight memory</h3><p class="muted">${esc(title[0]!.toUpperCase() + title.slice(1))}.</p><table class="tight"><tbody>\n${body}\n</tbody></table>`;
}

function oomHtml(runs: (RunResult | null)[], policies: Record<string, string>): string {
  const out: string[] = [];
  const none: string[] = [];
  for (const r of runs) {
    if (!r) continue;
    const n = r.summary.ooms + r.summary.recoveredOoms;
    const pol = policies[r.allocator] ?? 'fail';
    if (n === 0) {
      none.push(`<span data-alloc="${attr(r.allocator)}">${esc(r.allocator)}${pol !== 'fail' ? ` (oom ${esc(pol)})` : ''}; </span>`);
      continue;
    }
    const rows = r.oomEvents.slice(0, OOM_ROWS).map(
      (e) =>
        `<tr><td>${int(e.op)}</td><td>${e.line}</td><td>${e.kind}</td><td>${e.id}</td><td>${esc(formatBytes(e.size))}</td><td>${esc(
          formatBytes(e.free),
        )}</td><td>${esc(formatBytes(e.largest))}</td><td>${esc(formatBytes(e.live))}</td><td>${e.outcome}</td><td>${e.fragmentation ? 'yes' : ''}</td></tr>`,
    );
    out.push(
      `<details data-alloc="${attr(r.allocator)}" class="oom"><summary>${esc(r.allocator)}: ${int(r.summary.ooms)} failed, ${int(
        r.summary.recoveredOoms,
      )} recovered by compaction, ${int(r.summary.fragmentationOoms)} fragmentation OOMs (policy ${esc(pol)})${
        r.oomEvents.length > OOM_ROWS ? `; first ${OOM_ROWS} shown` : ''
      }</summary>`,
      `<table class="oom"><thead><tr><th>op</th><th>line</th><th>kind</th><th>id</th><th>size</th><th>free</th><th>largest</th><th>live</th><th>outcome</th><th>frag.</th></tr></thead><tbody>${rows.join(
        '',
      )}</tbody></table></details>`,
    );
  }
  if (none.length) out.push(`<p class="muted no-oom">No OOM: ${none.join('')}</p>`);
  return out.join('\n');
}

function scrubberHtml(tr: HtmlTrace, traceName: string, dataScripts: string[]): string {
  if (tr.frames.length === 0) return '<p class="muted">No heap-map frames.</p>';
  const data = {
    trace: traceName,
    allocs: Object.fromEntries(tr.frames.map((f) => [f.allocator, f])),
  };
  const opts = tr.frames
    .map((f, i) => `<option value="${attr(f.allocator)}" data-alloc="${attr(f.allocator)}"${i === 0 ? ' selected' : ''}>${esc(f.allocator)}</option>`)
    .join('');
  const legend = HM_LEGEND.map(([c, l]) => `<span><i style="background:${c}"></i>${esc(l)}</span>`).join('');
  const svg = (cls: string): string =>
    `<svg class="hm ${cls}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 960 ${PAGE_MAP_H}" font-family="sans-serif" font-size="12"></svg>`;
  dataScripts.push(`<script type="application/json" id="hmdata-${tr.index}">${scriptJson(data)}</script>`);
  return [
    `<div class="scrubber" data-src="hmdata-${tr.index}">`,
    `<div class="controls"><label>allocator <select class="alloc">${opts}</select></label>`,
    `<input class="op" type="range" min="0" max="0" step="1" value="0" aria-label="frame"><span class="op-label"></span></div>`,
    `<div class="legend">${legend}<span><i style="background:repeating-linear-gradient(45deg,#000 0 1px,#fff 1px 3px);outline:1px solid #000"></i>locked</span></div>`,
    `<div class="muted hm-info"></div>`,
    svg('now'),
    `<h3>Compaction: before and after</h3><div><select class="compaction"></select> <span class="c-label muted"></span></div>`,
    `<div class="cpair"><div class="muted">before</div>${svg('before')}<div class="muted">after</div>${svg('after')}</div>`,
    `</div>`,
  ].join('\n');
}

/** The whole page. */
export function renderHtmlReport(inp: HtmlReportInput): string {
  const rep = inp.report;
  const allocs: string[] = [];
  for (const t of rep.traces) for (const c of t.results) if (!allocs.includes(c.allocator)) allocs.push(c.allocator);
  const title = `rmalloc-sim report: ${rep.device}`;
  const body: string[] = [];
  // the frame data goes last, so the tables and charts above it render while it is parsed
  const dataScripts: string[] = [];
  body.push(
    `<h1>${esc(title)}</h1>`,
    `<p class="muted">Device ${esc(rep.device)} · heap ${esc(formatBytes(rep.heap.size))} at 0x${rep.heap.base.toString(16)} · clock ${(rep.clockHz / 1e6).toFixed(2)} MHz · ${rep.traces.length} trace(s) · ${allocs.length} allocator(s) · goal ${esc(rep.goal)}${
      inp.command ? `<br><code>${esc(inp.command)}</code>` : ''
    }</p>`,
    `<svg class="regions" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 960 100" font-family="sans-serif" font-size="12">${regionBar(inp.regions, inp.heaps, 92, 20, 844)}</svg>`,
    `<div class="toggles"><b>Allocators:</b> ${allocs
      .map((a) => `<label><input type="checkbox" value="${attr(a)}" checked> ${esc(a)}${inp.policies[a] && inp.policies[a] !== 'fail' ? ` <span class="muted">(oom ${esc(inp.policies[a]!)})</span>` : ''}</label>`)
      .join(' ')}</div>`,
    `<h2>Advice</h2><pre class="advice">${esc((rep.advice?.lines ?? []).join('\n'))}</pre>`,
    `<h2>Ranking</h2><pre class="ranking">${esc(rankingText(rep.ranking, rep.device, rep.goal))}</pre>`,
  );
  // The study's compare report itself (the compare JSON, schema 1): what the page shows, as data.
  dataScripts.push(`<script type="application/json" id="compare-data">${scriptJson(rep)}</script>`);
  for (const tr of inp.traces) {
    const t = rep.traces[tr.index]!;
    body.push(
      `<section class="trace" data-trace="${attr(t.trace)}">`,
      `<h2>${esc(t.trace)}</h2>`,
      `<p class="muted">${esc(mixNote(t.mix).trim())}${t.mix ? ' · ' : ''}${int(t.ops)} ops · peak live ${esc(formatBytes(t.peakLive))}</p>`,
      `<h3>Comparison</h3>`,
      compareTableHtml(rep, tr.index),
      ...tableNotes(rep, t).map((n) => `<p class="muted">${esc(n.trim())}</p>`),
      `<p class="muted">min heap: smallest heap with no failed allocation; µs/op: mean allocator time per op at the device clock (${esc(
        usText(1e6 / Math.max(1, rep.clockHz) * 1000),
      )} per 1000 cycles).</p>`,
      tightHtml(t),
      `<h3>Out-of-memory events</h3>`,
      oomHtml(tr.runs, inp.policies),
      `<h3>Heap map</h3>`,
      scrubberHtml(tr, t.trace, dataScripts),
      `<h3>Memory and cycles over time</h3>`,
      `<div class="charts">`,
    );
    tr.runs.forEach((r) => {
      if (!r) return;
      body.push(`<details class="chart" data-alloc="${attr(r.allocator)}" open><summary>${esc(r.allocator)}</summary>${renderChart(chartFromRun(thinRun(r)))}</details>`);
    });
    body.push(`</div>`, `</section>`);
  }
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    ...body,
    ...dataScripts,
    `<script>${pageScript()}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
