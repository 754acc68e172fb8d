"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.jsonLines = jsonLines;
exports.formatPath = formatPath;
exports.lineOf = lineOf;
exports.parseJsonText = parseJsonText;
/**
 * Where each value sits in a JSON text, so a profile error can name its line. A small scanner
 * over text that JSON.parse has already accepted: it records the 1-based line of every value
 * (and of the key that names it) under a path like `regions[1].base`.
 */
function jsonLines(text) {
    const lines = new Map();
    let i = 0;
    let line = 1;
    const ws = () => {
        for (; i < text.length; i++) {
            const c = text.charCodeAt(i);
            if (c === 10)
                line++;
            else if (c !== 32 && c !== 9 && c !== 13)
                break;
        }
    };
    const str = () => {
        const start = i;
        i++; // opening quote
        while (i < text.length && text[i] !== '"')
            i += text[i] === '\\' ? 2 : 1;
        i++;
        return JSON.parse(text.slice(start, i));
    };
    const value = (path, keyLine) => {
        ws();
        lines.set(path, keyLine);
        const c = text[i];
        if (c === '{') {
            i++;
            ws();
            if (text[i] === '}') {
                i++;
                return;
            }
            for (;;) {
                ws();
                const kl = line;
                const k = str();
                ws();
                i++; // colon
                value(path ? `${path}.${k}` : k, kl);
                ws();
                if (text[i++] === '}')
                    return;
            }
        }
        else if (c === '[') {
            i++;
            ws();
            if (text[i] === ']') {
                i++;
                return;
            }
            for (let n = 0;; n++) {
                ws();
                value(`${path}[${n}]`, line);
                ws();
                if (text[i++] === ']')
                    return;
            }
        }
        else if (c === '"') {
            str();
        }
        else {
            while (i < text.length && !/[\s,\]}]/.test(text[i]))
                i++;
        }
    };
    value('', 1);
    return lines;
}
/** `regions[1].base` from a zod-style path ['regions', 1, 'base']. */
function formatPath(path) {
    let s = '';
    for (const p of path)
        s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
    return s;
}
/** 1-based line of the JSON text where the value at `path` (or its nearest ancestor) starts. */
function lineOf(lines, path) {
    if (!lines)
        return undefined;
    for (let n = path.length; n >= 0; n--) {
        const l = lines.get(formatPath(path.slice(0, n)));
        if (l !== undefined)
            return l;
    }
    return undefined;
}
/** JSON.parse with the 1-based line of a syntax error (when the engine names a position). */
function parseJsonText(text) {
    try {
        return { ok: true, value: JSON.parse(text) };
    }
    catch (e) {
        const msg = e.message;
        const m = /position (\d+)/.exec(msg);
        return { ok: false, message: msg.replace(/\s+/g, ' '), line: m ? text.slice(0, Number(m[1])).split('\n').length : undefined };
    }
}
