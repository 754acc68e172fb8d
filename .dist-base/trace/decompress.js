"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.sniffCodec = sniffCodec;
exports.binaryKind = binaryKind;
exports.zstdHead = zstdHead;
exports.zstdStream = zstdStream;
exports.decoder = decoder;
/**
 * Compressed and binary input, told apart by magic bytes (never by file name).
 *
 * - gzip (1f 8b) is decoded with node:zlib, zstd (28 b5 2f fd; heaptrack writes its files this
 *   way) with fzstd, a small pure-JavaScript decoder: one layer of either, then the text.
 * - Anything else that is not text (a NUL or another control byte in its first line) is named
 *   by its magic bytes ("zstd data", "gzip data", "ELF executable", ...) so an error can say what
 *   the file is without echoing its bytes.
 */
const node_stream_1 = require("node:stream");
const zlib = __importStar(require("node:zlib"));
const fzstd_1 = require("fzstd");
const errors_1 = require("../errors");
/** The compression a buffer starts with, or null for none. */
function sniffCodec(head) {
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b)
        return 'gzip';
    if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd)
        return 'zstd';
    return null;
}
/** Magic bytes of common binary formats, each with the name an error message gives it. */
const MAGIC = [
    [0, [0x1f, 0x8b], 'gzip data'],
    [0, [0x28, 0xb5, 0x2f, 0xfd], 'zstd data'],
    [0, [0x42, 0x5a, 0x68], 'bzip2 data'],
    [0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz data'],
    [0, [0x04, 0x22, 0x4d, 0x18], 'lz4 data'],
    [0, [0x7f, 0x45, 0x4c, 0x46], 'ELF executable'],
    [0, [0x50, 0x4b, 0x03, 0x04], 'zip archive'],
    [0, [0x89, 0x50, 0x4e, 0x47], 'PNG image'],
    [0, [0xff, 0xd8, 0xff], 'JPEG image'],
    [0, [0x25, 0x50, 0x44, 0x46], 'PDF document'],
    [0, [0x00, 0x61, 0x73, 0x6d], 'WebAssembly module'],
    [257, [0x75, 0x73, 0x74, 0x61, 0x72], 'tar archive'],
];
/**
 * What a (decoded) head of a file is when it is not text: a format name, or "binary data";
 * null when it is text. Text: no NUL and no control byte other than tab, CR, LF, FF and ESC in
 * its first line (the recorder's raw logs end in NUL padding, which is fine).
 */
function binaryKind(head) {
    for (const [at, bytes, name] of MAGIC) {
        if (head.length >= at + bytes.length && bytes.every((b, i) => head[at + i] === b))
            return name;
    }
    const n = Math.min(head.length, 4096);
    for (let i = 0; i < n; i++) {
        const c = head[i];
        if (c === 10)
            break;
        if (c < 32 && c !== 9 && c !== 13 && c !== 12 && c !== 27)
            return 'binary data';
    }
    return null;
}
function zstdError(e, file) {
    return new errors_1.SimError('TRACE_FORMAT', `corrupt zstd data (${e.message})`, { file });
}
/** Decodes as much of a zstd stream's beginning as `raw` holds, up to `max` bytes. */
function zstdHead(raw, file, max = 65536) {
    const out = [];
    let got = 0;
    const d = new fzstd_1.Decompress((chunk) => {
        if (got < max) {
            out.push(Buffer.from(chunk));
            got += chunk.length;
        }
    });
    try {
        d.push(raw, false);
    }
    catch (e) {
        throw zstdError(e, file);
    }
    const b = Buffer.concat(out);
    return b.length > max ? b.subarray(0, max) : b;
}
/** A stream that decodes zstd (errors become SimError('TRACE_FORMAT')). */
function zstdStream(file) {
    let pending = [];
    const d = new fzstd_1.Decompress((chunk) => {
        pending.push(chunk);
    });
    const flushTo = (t) => {
        for (const c of pending)
            t.push(Buffer.from(c)); // a copy: the decoder may reuse its buffers
        pending = [];
    };
    return new node_stream_1.Transform({
        transform(chunk, _enc, cb) {
            try {
                d.push(chunk, false);
            }
            catch (e) {
                cb(zstdError(e, file));
                return;
            }
            flushTo(this);
            cb();
        },
        flush(cb) {
            try {
                d.push(new Uint8Array(0), true);
            }
            catch (e) {
                cb(zstdError(e, file));
                return;
            }
            flushTo(this);
            cb();
        },
    });
}
/** The decoding stream for a codec. */
function decoder(codec, file, chunkSize) {
    return codec === 'gzip' ? zlib.createGunzip({ chunkSize }) : zstdStream(file);
}
