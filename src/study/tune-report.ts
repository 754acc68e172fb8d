/**
 * The tune report: default versus tuned side by side (figures from plain verification runs, not
 * from the search), the gain, the flags and config entry that reproduce the tuned allocator,
 * the Pareto front of min heap against mean cycles (JSON and SVG), and every setting evaluated.
 */
import { type GoalName, escapeXml, niceStep } from '../report';
import { describeSpace } from '../alloc';
import type { BaseRun, Figures, TraceFigures, TuneSearch } from './tune';
import { aggregate, flagsOf, paramsOf, paretoFront, runOf, ISLANDS, LAMBDA, SEARCH_TOLERANCE } from './tune';
import type { Setting } from './tune-space';

/** What a plain run of one setting over the search's traces gives (compare's figures). */
export interface Verified {
  perTrace: TraceFigures[];
  /** compare's min-heap tolerance. */
  tolerance: number;
}

export interface TuneSide {
  setting: Setting;
  /** Allocator parameters (as --param values; user-fixed ones included). */
  params: Record<string, string>;
  /** Flags that reproduce it in every command (empty for the default). */
  flags: string[];
  /** From the plain verification run. */
  figures: Figures;
  perTrace: TraceFigures[];
}

export interface TuneReport {
  schema: 1;
  command: 'tune';
  device: string;
  allocator: string;
  goal: GoalName;
  search: {
    method: 'grid' | 'local';
    gridSize: number | null;
    budget: number;
    seed: number;
    evaluated: number;
    refused: number;
    tolerance: number;
    islands?: number;
    neighboursPerStep?: number;
    dimensions: { name: string; kind: 'param' | 'run'; space: string; default: string }[];
  };
  traces: string[];
  excluded: { trace: string; peakLive: number; heap: number }[];
  verifyTolerance: number;
  default: TuneSide;
  tuned: TuneSide;
  /** Relative change tuned vs default, in percent (negative = smaller / faster). */
  gain: { space: number; speed: number; worst: number; score: number };
  /** The tuned setting is the default (nothing better was found). */
  unchanged: boolean;
  pareto: { key: string; space: number; speed: number; score: number }[];
  points: { key: string; tier: number; oomTraces: number; space: number | null; speed: number | null; worst: number | null; score: number | null; error?: string; refused?: boolean }[];
  /** A config-file allocator entry that reproduces the tuned allocator. */
  configEntry: { name: string; params: Record<string, string>; run?: Record<string, number> };
}

const pct = (a: number, b: number): number => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? Math.round(10000 * (a / b - 1)) / 100 : 0);
const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function buildTuneReport(
  device: string,
  allocator: string,
  goal: GoalName,
  search: TuneSearch,
  fixed: Record<string, string>,
  base: BaseRun,
  vDefault: Verified,
  vTuned: Verified,
): TuneReport {
  const dims = search.dims;
  const pDef = search.points.find((p) => p.key === search.defaultKey)!;
  const pBest = search.points.find((p) => p.key === search.bestKey)!;
  const fDef = aggregate(vDefault.perTrace, goal, null);
  const baseMeans = vDefault.perTrace.map((t) => t.mean);
  const fTun = aggregate(vTuned.perTrace, goal, baseMeans);
  const side = (s: Setting, f: Figures, per: TraceFigures[], withFlags: boolean): TuneSide => ({
    setting: s,
    params: paramsOf(dims, s, fixed),
    flags: withFlags ? flagsOf(dims, s, fixed) : [],
    figures: f,
    perTrace: per,
  });
  const run = runOf(dims, pBest.setting, base);
  const runEntry: Record<string, number> = {};
  for (const d of dims)
    if (d.kind === 'run' && pBest.setting[d.name] !== 'off') {
      const k = d.name === 'compact-every' ? 'compactEvery' : d.name === 'compact-above' ? 'compactAbove' : 'compactBudget';
      const v = d.name === 'compact-every' ? run.compactEvery : d.name === 'compact-above' ? run.compactAboveExtFrag : run.compactBudget;
      if (v !== undefined) runEntry[k] = v;
    }
  return {
    schema: 1,
    command: 'tune',
    device,
    allocator,
    goal,
    search: {
      method: search.method,
      gridSize: Number.isFinite(search.gridSize) ? search.gridSize : null,
      budget: search.budget,
      seed: search.seed,
      evaluated: search.evaluated,
      refused: search.refused,
      tolerance: SEARCH_TOLERANCE,
      ...(search.method === 'local' ? { islands: ISLANDS, neighboursPerStep: LAMBDA } : {}),
      dimensions: dims.map((d) => ({ name: d.name, kind: d.kind, space: describeSpace(d.space), default: String(d.default) })),
    },
    traces: search.traces,
    excluded: search.excluded,
    verifyTolerance: vTuned.tolerance,
    default: side(pDef.setting, fDef, vDefault.perTrace, false),
    tuned: side(pBest.setting, fTun, vTuned.perTrace, true),
    gain: { space: pct(fTun.space, fDef.space), speed: pct(fTun.speed, fDef.speed), worst: pct(fTun.worst, fDef.worst), score: pct(fTun.score, fDef.score) },
    unchanged: pBest.key === pDef.key,
    pareto: paretoFront(search.points).map((p) => ({ key: p.key, space: p.space, speed: p.speed, score: p.score })),
    points: search.points.map((p) => ({
      key: p.key, tier: p.tier, oomTraces: p.oomTraces, space: fin(p.space), speed: fin(p.speed), worst: fin(p.worst), score: fin(p.score),
      ...(p.error !== undefined ? { error: p.error } : {}),
      ...(p.refused ? { refused: true } : {}),
    })),
    configEntry: { name: allocator, params: paramsOf(dims, pBest.setting, fixed), ...(Object.keys(runEntry).length ? { run: runEntry } : {}) },
  };
}

// ---- text ---------------------------------------------------------------------------------

const kib = (n: number | null): string => (n === null ? '-' : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`);
const num = (n: number, d = 1): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '-');
const signed = (p: number): string => `${p > 0 ? '+' : p < 0 ? '−' : '±'}${Math.abs(p).toFixed(1)} %`;

function columns(rows: string[][], right: boolean[]): string[] {
  const w: number[] = [];
  for (const r of rows) r.forEach((c, i) => (w[i] = Math.max(w[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (right[i] ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd());
}

export function tuneText(r: TuneReport): string {
  const out: string[] = [];
  const s = r.search;
  out.push(`tune ${r.allocator} on ${r.device} (goal: ${r.goal}) over ${r.traces.length} trace${r.traces.length === 1 ? '' : 's'}`);
  for (const e of r.excluded) out.push(`  left out: ${e.trace} needs ${kib(e.peakLive)} live at peak, more than the ${kib(e.heap)} heap`);
  const how =
    s.method === 'grid'
      ? `exhaustive grid of ${s.gridSize ?? 0} setting${s.gridSize === 1 ? '' : 's'}`
      : `seeded local search (seed ${s.seed}, ${s.islands} starting points, ${s.neighboursPerStep} neighbours per step; budget ${s.budget}) over a space too large for a grid`;
  const refused = s.refused ? `, ${s.refused} more refused by the allocator (no runs)` : '';
  out.push(`search: ${how}; ${s.evaluated} settings evaluated${refused} (min heap within ${s.tolerance * 100} %)`);
  out.push(`figures below: plain runs of both settings (device-heap replay + min heap within ${r.verifyTolerance * 100} %), not the search's`);
  out.push('');
  const rows: string[][] = [['', 'default', 'tuned', 'gain']];
  for (const d of s.dimensions) rows.push([d.name, String(r.default.setting[d.name]), String(r.tuned.setting[d.name]), '']);
  const fd = r.default.figures, ft = r.tuned.figures;
  rows.push(['traces with OOMs', String(fd.oomTraces), String(ft.oomTraces), '']);
  rows.push(['min heap / peak live', `${num(fd.space, 3)}×`, `${num(ft.space, 3)}×`, signed(r.gain.space)]);
  rows.push(['mean cycles/op', num(fd.speed), num(ft.speed), signed(r.gain.speed)]);
  rows.push(['worst op (cycles)', num(fd.worst, 0), num(ft.worst, 0), signed(r.gain.worst)]);
  rows.push([`score (${r.goal})`, num(fd.score, 3), num(ft.score, 3), signed(r.gain.score)]);
  out.push(...columns(rows, [false, true, true, true]));
  out.push('');
  const tr: string[][] = [['trace', 'peak live', 'min heap', 'tuned', 'change', 'cyc mean', 'tuned', 'change']];
  r.default.perTrace.forEach((d, i) => {
    const t = r.tuned.perTrace[i]!;
    tr.push([
      d.trace, kib(d.peakLive), kib(d.minHeap), kib(t.minHeap),
      d.minHeap && t.minHeap ? signed(pct(t.minHeap, d.minHeap)) : '-',
      num(d.mean), num(t.mean), signed(pct(t.mean, d.mean)),
    ]);
  });
  out.push(...columns(tr, [false, true, true, true, true, true, true, true]));
  out.push('');
  if (r.unchanged) out.push(`No setting beat the default for ${r.goal} on these traces: keep ${r.allocator} as it is.`);
  else {
    const flags = r.tuned.flags.join(' ');
    out.push(`Reproduce the tuned ${r.allocator} in every command with: ${flags}`);
    out.push(`  e.g. rmalloc-sim compare -d ${r.device} -a ${r.allocator} ${flags}`);
    out.push(`  or in rmalloc-sim.json: "allocators": [${JSON.stringify(r.configEntry)}]`);
  }
  out.push(`Pareto front (min heap / peak live against mean cycles/op): ${r.pareto.length} of ${r.points.filter((p) => p.tier === 0).length} settings (--svg F draws it)`);
  return out.join('\n') + '\n';
}

// ---- SVG ----------------------------------------------------------------------------------

/** The Pareto chart: every feasible setting, the front joined, default and tuned marked. */
export function paretoSvg(r: TuneReport): string {
  const W = 720, H = 440, L = 80, R = 170, T = 50, B = 60;
  const pw = W - L - R, ph = H - T - B;
  const pts = r.points.filter((p) => p.tier === 0 && p.space !== null && p.speed !== null) as { key: string; space: number; speed: number }[];
  const xs = pts.map((p) => p.space), ys = pts.map((p) => p.speed);
  const pad = (lo: number, hi: number): [number, number] => {
    const d = hi - lo || Math.abs(hi) * 0.1 || 1;
    return [lo - d * 0.08, hi + d * 0.08];
  };
  const [x0, x1] = pad(Math.min(...xs, r.default.figures.space), Math.max(...xs, r.default.figures.space));
  const [y0, y1] = pad(Math.min(...ys, r.default.figures.speed), Math.max(...ys, r.default.figures.speed));
  const sx = (v: number): number => L + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v: number): number => T + ph - ((v - y0) / (y1 - y0)) * ph;
  const f = (v: number): string => (Math.round(v * 10) / 10).toString();
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  o.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  o.push(`<text x="${L}" y="24" font-size="15" font-weight="bold">${escapeXml(`${r.allocator} on ${r.device}: ${r.search.evaluated} settings, Pareto front of min heap against mean cycles`)}</text>`);
  // axes and ticks
  const ticks = (lo: number, hi: number): number[] => {
    const st = niceStep(hi - lo, 5);
    const out: number[] = [];
    for (let v = Math.ceil(lo / st) * st; v <= hi + 1e-12; v += st) out.push(Math.round(v / st) * st);
    return out;
  };
  o.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  for (const v of ticks(x0, x1)) {
    const x = f(sx(v));
    o.push(`<line x1="${x}" y1="${T + ph}" x2="${x}" y2="${T + ph + 5}" stroke="#999"/><text x="${x}" y="${T + ph + 18}" text-anchor="middle">${escapeXml(+v.toFixed(4) + '')}</text>`);
  }
  for (const v of ticks(y0, y1)) {
    const y = f(sy(v));
    o.push(`<line x1="${L - 5}" y1="${y}" x2="${L}" y2="${y}" stroke="#999"/><text x="${L - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(+v.toFixed(2) + '')}</text>`);
  }
  o.push(`<text x="${L + pw / 2}" y="${H - 18}" text-anchor="middle">min heap / peak live (geometric mean over traces; lower is smaller)</text>`);
  o.push(`<text transform="translate(18 ${T + ph / 2}) rotate(-90)" text-anchor="middle">mean cycles per op (geometric mean)</text>`);
  // all points
  for (const p of pts) o.push(`<circle cx="${f(sx(p.space))}" cy="${f(sy(p.speed))}" r="3" fill="#bbb"><title>${escapeXml(p.key)}</title></circle>`);
  // the front
  const front = r.pareto;
  if (front.length)
    o.push(`<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${front.map((p) => `${f(sx(p.space))},${f(sy(p.speed))}`).join(' ')}"/>`);
  for (const p of front) o.push(`<circle cx="${f(sx(p.space))}" cy="${f(sy(p.speed))}" r="4" fill="#1f77b4"><title>${escapeXml(p.key)}</title></circle>`);
  // default and tuned (search figures, so they sit among the points)
  const mark = (key: string, color: string): string => {
    const p = pts.find((q) => q.key === key);
    return p ? `<circle cx="${f(sx(p.space))}" cy="${f(sy(p.speed))}" r="7" fill="none" stroke="${color}" stroke-width="2.5"><title>${escapeXml(key)}</title></circle>` : '';
  };
  const keyOf = (s: Setting): string => r.search.dimensions.map((d) => `${d.name}=${String(s[d.name])}`).join(' ');
  o.push(mark(keyOf(r.default.setting), '#2ca02c'));
  o.push(mark(keyOf(r.tuned.setting), '#d62728'));
  const lx = L + pw + 16;
  const legend: [string, string][] = [['#bbb', 'setting evaluated'], ['#1f77b4', 'Pareto front'], ['#2ca02c', 'default'], ['#d62728', `tuned (${r.goal})`]];
  legend.forEach(([c, t], i) => {
    o.push(`<circle cx="${lx + 6}" cy="${T + 10 + i * 20}" r="5" fill="${c}"/><text x="${lx + 18}" y="${T + 10 + i * 20}" dominant-baseline="middle">${escapeXml(t)}</text>`);
  });
  o.push('</svg>');
  return o.join('\n') + '\n';
}
