"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.renderSqueezeChart = renderSqueezeChart;
const svg_1 = require("./svg");
const W = 980;
const PANEL_H = 300;
const M_LEFT = 70;
const M_RIGHT = 240;
const TOP = 64;
const PANEL_GAP = 92;
const PW = W - M_LEFT - M_RIGHT;
/** Distinguishable colours (Tableau 20 order, dark shades first). */
const PALETTE = [
    '#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
    '#393b79', '#ad494a', '#637939', '#8c6d31', '#7b4173', '#3182bd',
];
const f1 = (v) => {
    const s = v.toFixed(1);
    return s === '-0.0' ? '0.0' : s;
};
function human(n) {
    const trim = (s) => s.replace(/\.0+$/, '');
    if (n < 1024)
        return `${n} B`;
    if (n < 1024 ** 2)
        return `${trim((n / 1024).toFixed(1))} KiB`;
    return `${trim((n / 1024 ** 2).toFixed(2))} MiB`;
}
function panel(t, rep, top, out) {
    const pts = t.allocators.flatMap((a) => a.points.filter((p) => p.status !== 'error' && Number.isFinite(p.failures)));
    let xmin = Math.min(t.peakLive, ...pts.map((p) => p.heap));
    // The range ends at the largest min heap, unless one allocator needs far more than the
    // others: then at max(2 × peak live, 1.2 × the median min heap), and the lines that go on
    // are cut at the edge and labelled with where they end (one outlier must not squash the rest).
    const mins = t.allocators.map((a) => a.minHeap).filter((m) => m !== null).sort((a, b) => a - b);
    const median = mins.length ? mins[Math.floor((mins.length - 1) / 2)] : t.peakLive;
    let xmax = Math.max(t.peakLive, ...pts.map((p) => p.heap));
    const cap = Math.max(2 * t.peakLive, 1.2 * median);
    const clipped = xmax > cap;
    if (clipped)
        xmax = Math.max(cap, t.peakLive, xmin + 1);
    if (!(xmax > xmin)) {
        xmin = Math.max(0, xmin - 1);
        xmax = xmin + 2;
    }
    const pad = (xmax - xmin) * 0.04;
    xmin = Math.max(0, xmin - pad);
    xmax += pad;
    const x = (v) => M_LEFT + (PW * (v - xmin)) / (xmax - xmin);
    const maxF = Math.max(1, ...pts.map((p) => p.failures));
    const decades = Math.max(1, Math.ceil(Math.log10(1 + maxF) - 1e-9));
    const y = (f) => top + PANEL_H - (PANEL_H * Math.log10(1 + Math.max(0, f))) / decades;
    const bottom = top + PANEL_H;
    const mix = t.mix ? ` (mix of ${t.mix.parts.map((p) => p.name).join(' + ')})` : '';
    out.push(`<text x="${M_LEFT}" y="${top - 26}" font-size="15">${(0, svg_1.escapeXml)(`${t.trace}${mix}`)}</text>`, `<text x="${M_LEFT}" y="${top - 9}" fill="#555555">${(0, svg_1.escapeXml)(`${t.ops} ops · peak live ${human(t.peakLive)} · failed requests (log scale) against heap size`)}</text>`);
    // y grid: 0, 1, 10, 100, ...
    for (let k = -1; k < decades + 1; k++) {
        const v = k < 0 ? 0 : 10 ** k;
        if (Math.log10(1 + v) > decades + 1e-9)
            break;
        const yy = y(v);
        out.push(`<line x1="${M_LEFT}" y1="${f1(yy)}" x2="${M_LEFT + PW}" y2="${f1(yy)}" stroke="#e6e6e6"/>`, `<text x="${M_LEFT - 6}" y="${f1(yy + 4)}" text-anchor="end">${(0, svg_1.countLabel)(v)}</text>`);
    }
    // x ticks at a nice step of the byte unit that fits
    const unit = xmax >= 1024 ** 2 ? 1024 ** 2 : xmax >= 1024 ? 1024 : 1;
    const fine = (0, svg_1.niceStep)((xmax - xmin) / unit, 6) * unit;
    const first = Math.ceil(xmin / fine) * fine;
    for (let v = first; v <= xmax + 1e-9; v += fine) {
        const xx = x(v);
        out.push(`<line x1="${f1(xx)}" y1="${top}" x2="${f1(xx)}" y2="${bottom}" stroke="#f0f0f0"/>`, `<line x1="${f1(xx)}" y1="${bottom}" x2="${f1(xx)}" y2="${bottom + 5}" stroke="#333333"/>`, `<text x="${f1(xx)}" y="${bottom + 18}" text-anchor="middle">${(0, svg_1.escapeXml)(human(Math.round(v)))}</text>`);
    }
    out.push(`<line x1="${M_LEFT}" y1="${bottom}" x2="${M_LEFT + PW}" y2="${bottom}" stroke="#333333"/>`, `<line x1="${M_LEFT}" y1="${top}" x2="${M_LEFT}" y2="${bottom}" stroke="#333333"/>`, `<text x="${M_LEFT + PW / 2}" y="${bottom + 36}" text-anchor="middle" fill="#555555">heap size (first heap) →</text>`);
    // peak live and the device heap
    const mark = (v, label, color, dy) => {
        if (v < xmin || v > xmax)
            return;
        const xx = x(v);
        out.push(`<line x1="${f1(xx)}" y1="${top}" x2="${f1(xx)}" y2="${bottom}" stroke="${color}" stroke-width="2" stroke-dasharray="6 4"/>`, `<text x="${f1(xx + 4)}" y="${top + 12 + dy}" fill="${color}">${(0, svg_1.escapeXml)(label)}</text>`);
    };
    mark(t.peakLive, `peak live ${human(t.peakLive)}`, '#000000', 0);
    mark(rep.deviceHeap, `${rep.device} heap`, '#777777', 16);
    // one line per allocator, cut at the plot's right edge
    const clipId = `plot${top}`;
    out.push(`<clipPath id="${clipId}"><rect x="${M_LEFT}" y="${top - 6}" width="${PW}" height="${PANEL_H + 12}"/></clipPath>`, `<g clip-path="url(#${clipId})">`);
    const beyond = [];
    t.allocators.forEach((a, i) => {
        const color = PALETTE[i % PALETTE.length];
        const ok = a.points.filter((p) => p.status !== 'error' && Number.isFinite(p.failures)).sort((p, q) => p.heap - q.heap);
        if (ok.length === 0)
            return;
        out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${ok.map((p) => `${f1(x(p.heap))},${f1(y(p.failures))}`).join(' ')}"/>`);
        for (const p of ok) {
            const frag = p.failures > 0 && p.fragmentation * 2 > p.failures;
            out.push(`<circle cx="${f1(x(p.heap))}" cy="${f1(y(p.failures))}" r="3.5" ${frag ? `fill="#ffffff" stroke="${color}" stroke-width="1.5"` : `fill="${color}"`}/>`);
        }
        if (a.minHeap !== null && a.minHeap > xmax)
            beyond.push({ name: a.allocator, color, minHeap: a.minHeap });
    });
    out.push('</g>');
    beyond.forEach((b, k) => {
        out.push(`<text x="${M_LEFT + PW - 4}" y="${bottom - 10 - 15 * k}" text-anchor="end" fill="${b.color}">${(0, svg_1.escapeXml)(`${b.name} → clean from ${human(b.minHeap)}`)}</text>`);
    });
    // legend: allocator and its min heap
    const lx = M_LEFT + PW + 18;
    t.allocators.forEach((a, i) => {
        const color = PALETTE[i % PALETTE.length];
        const yy = top + 6 + i * 17;
        out.push(`<line x1="${lx}" y1="${yy}" x2="${lx + 20}" y2="${yy}" stroke="${color}" stroke-width="2.5"/>`, `<text x="${lx + 26}" y="${yy + 4}">${(0, svg_1.escapeXml)(`${a.allocator}${a.minHeap !== null ? `  ≥ ${human(a.minHeap)}` : '  (no clean heap)'}`)}</text>`);
    });
    const ly = top + 14 + t.allocators.length * 17;
    out.push(`<circle cx="${lx + 10}" cy="${ly}" r="3.5" fill="#555555"/><text x="${lx + 26}" y="${ly + 4}">mostly exhaustion</text>`, `<circle cx="${lx + 10}" cy="${ly + 17}" r="3.5" fill="#ffffff" stroke="#555555" stroke-width="1.5"/><text x="${lx + 26}" y="${ly + 21}">mostly fragmentation</text>`, `<text x="${lx}" y="${ly + 40}" fill="#555555">≥: min heap (clean from there)</text>`);
}
function renderSqueezeChart(rep) {
    const panels = Math.max(1, rep.traces.length);
    const panelH = (t) => Math.max(PANEL_H, 60 + t.allocators.length * 17 + 60);
    const H = TOP + rep.traces.reduce((s, t) => s + panelH(t) + PANEL_GAP, 0) + 10;
    const out = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
        `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
        `<text x="${W / 2}" y="24" text-anchor="middle" font-size="17">${(0, svg_1.escapeXml)(`squeeze · ${rep.device} · on NULL: ${rep.policy}`)}</text>`,
    ];
    let top = TOP + 34;
    for (const t of rep.traces) {
        panel(t, rep, top, out);
        top += panelH(t) + PANEL_GAP;
    }
    if (panels === 0)
        out.push(`<text x="${W / 2}" y="80" text-anchor="middle">no traces</text>`);
    out.push('</svg>', '');
    return out.join('\n');
}
