"use strict";
/**
 * Charts as hand-written SVG: deterministic (fixed decimals, no timestamps, no random ids), so
 * they can be golden-tested and diffed.
 *
 * One chart per (device, allocator, trace) with two panels over op index:
 * - memory: live, used, free and largest allocatable bytes, the heap size as a dashed line,
 *   OOM markers (filled red triangles; hollow ones for fragmentation OOMs, where free >= size)
 *   and compaction marks (purple ticks);
 * - cycles per op (log scale): the mean and the maximum in each column.
 *
 * The input is the replay's bucketed series (RunResult.series: a fixed run of ops per point,
 * keeping the envelope that matters: max of live and used, min of free and largest, mean and max
 * cycles), so a chart of a 10-million-op trace costs the same as one of 10 thousand ops. OOM
 * markers closer than a pixel are drawn once (hollow if any of them was a fragmentation OOM).
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.chartFromRun = chartFromRun;
exports.escapeXml = escapeXml;
exports.niceStep = niceStep;
exports.byteTicks = byteTicks;
exports.countLabel = countLabel;
exports.renderChart = renderChart;
/** The chart of one replay; the run must have been made with a series (RunConfig.series). */
function chartFromRun(r) {
    const pts = r.series?.points ?? [];
    return {
        device: r.device,
        allocator: r.allocator,
        trace: r.trace.name,
        heapSize: r.heap.size,
        clockHz: r.cycles.clockHz,
        ops: r.trace.ops,
        every: r.series?.every ?? 1,
        points: pts.map((p) => ({
            op: p.op,
            maxLive: p.maxLive,
            maxUsed: p.maxUsed,
            minFree: p.minFree,
            minLargest: p.minLargest,
            cyclesMean: p.cyclesMean,
            cyclesMax: p.cyclesMax,
        })),
        ooms: r.oomEvents.map((e) => ({ op: e.op, fragmentation: e.fragmentation })),
        compactions: pts.filter((p) => p.compactions > 0).map((p) => p.op),
    };
}
// ---- rendering ---------------------------------------------------------------------------
const W = 960;
const PANEL_H = 260;
const M_LEFT = 78;
const M_RIGHT = 170; // legend column
const TOP1 = 56;
const GAP = 64;
const TOP2 = TOP1 + PANEL_H + GAP;
const H = TOP2 + PANEL_H + 46;
const PW = W - M_LEFT - M_RIGHT;
const COLORS = {
    live: '#1f77b4',
    used: '#d62728',
    free: '#2ca02c',
    largest: '#ff7f0e',
    heap: '#555555',
    mean: '#1f77b4',
    max: '#9ecae1',
    oom: '#d62728',
    compact: '#9467bd',
    grid: '#e6e6e6',
    axis: '#333333',
};
const f1 = (v) => {
    const s = v.toFixed(1);
    return s === '-0.0' ? '0.0' : s;
};
function escapeXml(s) {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
/** A "nice" step (1, 2 or 5 × 10^k) giving about `target` intervals over [0, max]. */
function niceStep(max, target = 5) {
    if (!(max > 0))
        return 1;
    const raw = max / target;
    const p = 10 ** Math.floor(Math.log10(raw));
    const m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}
/** Byte axis: ticks at nice steps of the unit that fits (B, KiB, MiB, GiB); labels in that unit. */
function byteTicks(max) {
    const units = [[1, 'B'], [1024, 'KiB'], [1024 ** 2, 'MiB'], [1024 ** 3, 'GiB']];
    let u = units[0];
    for (const c of units)
        if (max >= c[0])
            u = c;
    const step = niceStep(max / u[0]);
    const count = Math.max(1, Math.ceil(max / u[0] / step - 1e-9));
    const values = [];
    const labels = [];
    const decimals = step < 1 ? Math.ceil(-Math.log10(step) - 1e-9) : 0;
    for (let i = 0; i <= count; i++) {
        values.push(i * step * u[0]);
        labels.push(i === 0 ? '0' : `${(i * step).toFixed(decimals)} ${u[1]}`);
    }
    return { values, labels, top: count * step * u[0] };
}
/** Op-count axis: 0, 250k, 500k, 1.5M ... */
function countLabel(v) {
    if (v === 0)
        return '0';
    if (v >= 1e6)
        return `${trimZeros((v / 1e6).toFixed(2))}M`;
    if (v >= 1e3)
        return `${trimZeros((v / 1e3).toFixed(2))}k`;
    return String(Math.round(v));
}
function trimZeros(s) {
    return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
function polyline(pts0, x, val, y, color, width = 1.5) {
    if (pts0.length === 0)
        return '';
    const pts = [];
    for (const p of pts0)
        pts.push(`${f1(x(p.op))},${f1(y(val(p)))}`);
    return `<polyline fill="none" stroke="${color}" stroke-width="${width}" points="${pts.join(' ')}"/>`;
}
function legend(x, y, items) {
    const out = [];
    items.forEach(([label, color, dash], i) => {
        const yy = y + i * 18;
        out.push(`<line x1="${f1(x)}" y1="${f1(yy)}" x2="${f1(x + 22)}" y2="${f1(yy)}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`, `<text x="${f1(x + 28)}" y="${f1(yy + 4)}">${escapeXml(label)}</text>`);
    });
    return out.join('\n');
}
/** Renders the two-panel chart. Same input, same bytes. */
function renderChart(d) {
    const pts = d.points;
    const xmax = Math.max(1, d.ops);
    const xOfOp = (op) => M_LEFT + (PW * op) / xmax;
    const out = [];
    out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`, `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`, `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16">${escapeXml(`${d.device} · ${d.allocator} · ${d.trace}`)}</text>`, `<text x="${W / 2}" y="42" text-anchor="middle" fill="#555555">${escapeXml(`heap ${human(d.heapSize)} · ${d.ops} ops${d.every > 1 ? ` · ${d.every} ops per column` : ''}`)}</text>`);
    // x axis ticks, shared by both panels
    const xstep = Math.max(1, niceStep(xmax, 8)); // whole ops
    const xticks = [];
    for (let v = 0; v <= xmax + 1e-9; v += xstep)
        xticks.push(v);
    const xAxis = (top) => {
        const bottom = top + PANEL_H;
        for (const v of xticks) {
            const x = xOfOp(v);
            out.push(`<line x1="${f1(x)}" y1="${top}" x2="${f1(x)}" y2="${bottom}" stroke="${COLORS.grid}"/>`, `<line x1="${f1(x)}" y1="${bottom}" x2="${f1(x)}" y2="${bottom + 5}" stroke="${COLORS.axis}"/>`, `<text x="${f1(x)}" y="${bottom + 18}" text-anchor="middle">${countLabel(v)}</text>`);
        }
        out.push(`<line x1="${M_LEFT}" y1="${bottom}" x2="${M_LEFT + PW}" y2="${bottom}" stroke="${COLORS.axis}"/>`, `<line x1="${M_LEFT}" y1="${top}" x2="${M_LEFT}" y2="${bottom}" stroke="${COLORS.axis}"/>`, `<text x="${M_LEFT + PW / 2}" y="${bottom + 34}" text-anchor="middle" fill="#555555">op index</text>`);
    };
    // ---- memory panel
    let ymax = d.heapSize;
    for (const p of pts)
        ymax = Math.max(ymax, p.maxUsed, p.maxLive, p.minFree);
    const yt = byteTicks(Math.max(1, ymax));
    const yMem = (v) => TOP1 + PANEL_H - (PANEL_H * v) / yt.top;
    out.push(`<text x="${M_LEFT}" y="${TOP1 - 8}" font-size="13">memory (bytes)</text>`);
    yt.values.forEach((v, i) => {
        const y = yMem(v);
        out.push(`<line x1="${M_LEFT}" y1="${f1(y)}" x2="${M_LEFT + PW}" y2="${f1(y)}" stroke="${COLORS.grid}"/>`, `<text x="${M_LEFT - 6}" y="${f1(y + 4)}" text-anchor="end">${yt.labels[i]}</text>`);
    });
    xAxis(TOP1);
    out.push(`<line x1="${M_LEFT}" y1="${f1(yMem(d.heapSize))}" x2="${M_LEFT + PW}" y2="${f1(yMem(d.heapSize))}" stroke="${COLORS.heap}" stroke-dasharray="6 4"/>`, polyline(pts, xOfOp, (p) => p.minFree, yMem, COLORS.free), polyline(pts, xOfOp, (p) => p.minLargest, yMem, COLORS.largest), polyline(pts, xOfOp, (p) => p.maxUsed, yMem, COLORS.used), polyline(pts, xOfOp, (p) => p.maxLive, yMem, COLORS.live));
    let lastX = -Infinity;
    for (const op of d.compactions) {
        const x = xOfOp(op);
        if (x - lastX < 1)
            continue;
        lastX = x;
        out.push(`<line x1="${f1(x)}" y1="${TOP1 + PANEL_H - 14}" x2="${f1(x)}" y2="${TOP1 + PANEL_H}" stroke="${COLORS.compact}" stroke-width="2"/>`);
    }
    // One marker per pixel column: hollow when any OOM there was a fragmentation OOM.
    const marks = [];
    for (const o of d.ooms) {
        const x = xOfOp(o.op);
        const last = marks[marks.length - 1];
        if (last && x - last.x < 1) {
            last.frag ||= o.fragmentation;
            continue;
        }
        marks.push({ x, frag: o.fragmentation });
    }
    for (const m of marks) {
        const y = TOP1 + 2;
        out.push(`<path d="M${f1(m.x - 5)},${f1(y)} L${f1(m.x + 5)},${f1(y)} L${f1(m.x)},${f1(y + 9)} Z" ${m.frag ? `fill="#ffffff" stroke="${COLORS.oom}" stroke-width="1.5"` : `fill="${COLORS.oom}"`}/>`);
    }
    const lx = M_LEFT + PW + 16;
    out.push(legend(lx, TOP1 + 10, [
        ['live', COLORS.live],
        ['used', COLORS.used],
        ['free', COLORS.free],
        ['largest alloc.', COLORS.largest],
        ['heap size', COLORS.heap, '6 4'],
    ]), `<path d="M${lx + 6},${TOP1 + 100} L${lx + 16},${TOP1 + 100} L${lx + 11},${TOP1 + 109} Z" fill="${COLORS.oom}"/>`, `<text x="${lx + 28}" y="${TOP1 + 108}">OOM (${d.ooms.length})</text>`, `<path d="M${lx + 6},${TOP1 + 118} L${lx + 16},${TOP1 + 118} L${lx + 11},${TOP1 + 127} Z" fill="#ffffff" stroke="${COLORS.oom}" stroke-width="1.5"/>`, `<text x="${lx + 28}" y="${TOP1 + 126}">fragmentation OOM</text>`, `<line x1="${lx + 11}" y1="${TOP1 + 136}" x2="${lx + 11}" y2="${TOP1 + 148}" stroke="${COLORS.compact}" stroke-width="2"/>`, `<text x="${lx + 28}" y="${TOP1 + 146}">compaction</text>`);
    // ---- cycles panel (log10)
    let cmax = 1;
    for (const p of pts)
        cmax = Math.max(cmax, p.cyclesMax);
    const decades = Math.max(1, Math.ceil(Math.log10(cmax) - 1e-9));
    const yCyc = (v) => TOP2 + PANEL_H - (PANEL_H * Math.log10(Math.max(1, v))) / decades;
    out.push(`<text x="${M_LEFT}" y="${TOP2 - 8}" font-size="13">cycles per op (log scale)</text>`);
    for (let k = 0; k <= decades; k++) {
        const y = yCyc(10 ** k);
        out.push(`<line x1="${M_LEFT}" y1="${f1(y)}" x2="${M_LEFT + PW}" y2="${f1(y)}" stroke="${COLORS.grid}"/>`, `<text x="${M_LEFT - 6}" y="${f1(y + 4)}" text-anchor="end">${countLabel(10 ** k)}</text>`);
    }
    xAxis(TOP2);
    out.push(polyline(pts, xOfOp, (p) => p.cyclesMax, yCyc, COLORS.max), polyline(pts, xOfOp, (p) => p.cyclesMean, yCyc, COLORS.mean));
    out.push(legend(lx, TOP2 + 10, [
        ['mean per column', COLORS.mean],
        ['max per column', COLORS.max],
    ]));
    if (d.clockHz > 0)
        out.push(`<text x="${lx}" y="${TOP2 + 62}" fill="#555555">1000 cycles =</text>`, `<text x="${lx}" y="${TOP2 + 78}" fill="#555555">${escapeXml(`${(1e9 / d.clockHz).toFixed(2)} µs`)}</text>`);
    out.push('</svg>', '');
    return out.filter((s) => s !== '').join('\n') + '\n';
}
function human(n) {
    if (n < 1024)
        return `${n} B`;
    if (n < 1024 ** 2)
        return `${(n / 1024).toFixed(2)} KiB`;
    return `${(n / 1024 ** 2).toFixed(2)} MiB`;
}
