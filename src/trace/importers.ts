/**
 * Import formats: the registry behind `trace convert --from <name>` and auto-detection.
 *
 * Detection looks at the first non-blank lines of a file (after gunzip): a head that is all
 * native ops and comments is native; otherwise the first importer whose `detect` accepts the
 * head wins, in registry order; if none does, the file is read as native (so a broken native
 * trace reports its first bad line rather than "unknown format").
 */
import { SimError } from '../errors';
import type { Importer, OpSink } from './types';
import { looksNative, NativeParser } from './native';
import { repImporter } from './import-rep';
import { mtraceImporter } from './import-mtrace';
import { valgrindImporter } from './import-valgrind';
import { memtraceImporter, opsImporter } from './import-thesis';
// importer modules: one import per format (keep this comment)
import { rawlogImporter } from './import-rawlog';
import { heaptrackImporter } from './import-heaptrack';
import { ltraceImporter } from './import-ltrace';

/** The native format as an Importer (line by line; the reader uses the byte parser instead). */
export const nativeImporter: Importer = {
  name: 'native',
  description: 'rmalloc-sim native trace: a/f/r/l/u/i/x ops, # comments (design §6)',
  detect: looksNative,
  create(file: string, sink: OpSink) {
    const p = new NativeParser(sink, file);
    return {
      line(text: string, lineNo: number): void {
        p.line = lineNo - 1;
        const b = Buffer.from(`${text}\n`, 'utf8');
        p.parse(b, 0, b.length, 1);
      },
      end(): void {
        p.finish();
      },
    };
  },
};

export const IMPORTERS: Importer[] = [
  nativeImporter,
  repImporter,
  mtraceImporter,
  memtraceImporter,
  valgrindImporter,
  opsImporter,
  // importers: one line per format (keep this comment)
  rawlogImporter,
  heaptrackImporter,
  ltraceImporter,
];

/** The importer called `name` (case-insensitive); SimError('TRACE_FORMAT') listing the known ones. */
export function getImporter(name: string): Importer {
  const n = name.toLowerCase();
  const imp = IMPORTERS.find((i) => i.name === n);
  if (imp === undefined)
    throw new SimError('TRACE_FORMAT', `unknown trace format "${name}"; known: ${IMPORTERS.map((i) => i.name).join(', ')}`);
  return imp;
}

/** The importer for a file, chosen from its first non-blank lines. */
export function detectImporter(head: readonly string[], _file?: string): Importer {
  if (nativeImporter.detect(head)) return nativeImporter;
  for (const imp of IMPORTERS) if (imp !== nativeImporter && imp.detect(head)) return imp;
  return nativeImporter;
}
