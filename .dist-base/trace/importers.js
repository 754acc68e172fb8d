"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.IMPORTERS = exports.nativeImporter = void 0;
exports.getImporter = getImporter;
exports.detectImporter = detectImporter;
/**
 * Import formats: the registry behind `trace convert --from <name>` and auto-detection.
 *
 * Detection looks at the first non-blank lines of a file (after gunzip): a head that is all
 * native ops and comments is native; otherwise the first importer whose `detect` accepts the
 * head wins, in registry order; if none does, the file is read as native (so a broken native
 * trace reports its first bad line rather than "unknown format").
 */
const errors_1 = require("../errors");
const native_1 = require("./native");
const import_rep_1 = require("./import-rep");
const import_mtrace_1 = require("./import-mtrace");
const import_valgrind_1 = require("./import-valgrind");
const import_thesis_1 = require("./import-thesis");
// importer modules: one import per format (keep this comment)
const import_rawlog_1 = require("./import-rawlog");
const import_heaptrack_1 = require("./import-heaptrack");
const import_ltrace_1 = require("./import-ltrace");
/** The native format as an Importer (line by line; the reader uses the byte parser instead). */
exports.nativeImporter = {
    name: 'native',
    description: 'rmalloc-sim native trace: a/f/r/l/u/i/x ops, # comments (design §6)',
    detect: native_1.looksNative,
    create(file, sink) {
        const p = new native_1.NativeParser(sink, file);
        return {
            line(text, lineNo) {
                p.line = lineNo - 1;
                const b = Buffer.from(`${text}\n`, 'utf8');
                p.parse(b, 0, b.length, 1);
            },
            end() {
                p.finish();
            },
        };
    },
};
exports.IMPORTERS = [
    exports.nativeImporter,
    import_rep_1.repImporter,
    import_mtrace_1.mtraceImporter,
    import_thesis_1.memtraceImporter,
    import_valgrind_1.valgrindImporter,
    import_thesis_1.opsImporter,
    // importers: one line per format (keep this comment)
    import_rawlog_1.rawlogImporter,
    import_heaptrack_1.heaptrackImporter,
    import_ltrace_1.ltraceImporter,
];
/** The importer called `name` (case-insensitive); SimError('TRACE_FORMAT') listing the known ones. */
function getImporter(name) {
    const n = name.toLowerCase();
    const imp = exports.IMPORTERS.find((i) => i.name === n);
    if (imp === undefined)
        throw new errors_1.SimError('TRACE_FORMAT', `unknown trace format "${name}"; known: ${exports.IMPORTERS.map((i) => i.name).join(', ')}`);
    return imp;
}
/** The importer for a file, chosen from its first non-blank lines. */
function detectImporter(head, _file) {
    if (exports.nativeImporter.detect(head))
        return exports.nativeImporter;
    for (const imp of exports.IMPORTERS)
        if (imp !== exports.nativeImporter && imp.detect(head))
            return imp;
    return exports.nativeImporter;
}
