/**
 * C allocators (design §5a): `--allocator path/to/alloc.c` (several files joined with commas:
 * `a.c,b.c`), or a prebuilt `.wasm`, beside the built-in allocators.
 *
 * The CLI calls prepareCAllocators() with the --allocator values and --cflags before any
 * command runs: each path-like value is built (src/wasm/toolchain.ts, cached by content) and
 * registered under its display name, the first file's name ("my_alloc.c"; the path as given
 * when two differ only in folder). getFactory() in src/alloc then finds it like a built-in.
 * Worker threads find it through RMALLOC_SIM_C_ALLOCATORS (name → cache key), set here and
 * inherited by every worker, and load the same cached module.
 */
import * as path from 'node:path';
import { SimError } from '../errors';
import type { AllocatorFactory } from '../alloc';
import { buildAllocator, cachedModule, splitFlags } from './toolchain';
import { cFactory } from './runtime';

export { INSTALL_LINE, TOOLCHAIN_PACKAGES } from './toolchain';

const ENV = 'RMALLOC_SIM_C_ALLOCATORS';

interface Entry {
  name: string;
  spec: string;
  flags: string[];
  key: string;
  files: string[];
}

const factories = new Map<string, AllocatorFactory>();
/** The C allocators this process built (what its workers inherit through ENV). */
const registered: Entry[] = [];

/** Is this --allocator value a C allocator (paths ending in .c or .wasm, comma-joined)? */
export function isCAllocatorSpec(s: string): boolean {
  const parts = s.split(',');
  return parts.every((p) => /\.(c|wasm)$/i.test(p.trim())) && parts.length > 0;
}

function entries(): Entry[] {
  const raw = process.env[ENV];
  if (!raw) return [];
  try {
    return JSON.parse(raw) as Entry[];
  } catch {
    return [];
  }
}

function factoryOf(e: Entry, bytes: Uint8Array): AllocatorFactory {
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (err) {
    throw new SimError('ALLOCATOR_BUILD', `cached module of ${e.name} is unreadable: ${(err as Error).message}`);
  }
  const f = cFactory({ name: e.name, files: e.files, module });
  factories.set(e.name, f);
  factories.set(e.spec, f);
  return f;
}

/** Builds and registers the C allocators among these --allocator values. */
export async function prepareCAllocators(values: readonly string[], cflags?: string): Promise<void> {
  const flags = splitFlags(cflags);
  for (const spec of new Set(values)) {
    if (!isCAllocatorSpec(spec) || registered.some((e) => e.spec === spec && e.flags.join(' ') === flags.join(' '))) continue;
    const files = spec.split(',').map((p) => p.trim());
    const built = await buildAllocator(files, flags);
    let name = path.basename(files[0]!);
    if (registered.some((e) => e.name === name && e.key !== built.key)) name = files[0]!;
    const e: Entry = { name, spec, flags, key: built.key, files };
    registered.push(e);
    // Set (not merged with an inherited value): a CLI started by another rmalloc-sim process
    // names its own allocators.
    process.env[ENV] = JSON.stringify(registered);
    factories.delete(name);
    factories.delete(spec);
    factoryOf(e, built.bytes);
  }
}

/** The factory of a prepared C allocator (by display name or spec), or undefined. */
export function cAllocatorFactory(name: string): AllocatorFactory | undefined {
  const f = factories.get(name);
  if (f) return f;
  // A worker thread: the main thread's allocators, by name, from the cache.
  const e = entries().find((x) => x.name === name || x.spec === name);
  if (e) {
    const bytes = cachedModule(e.key);
    if (bytes) return factoryOf(e, bytes);
  }
  if (isCAllocatorSpec(name))
    throw new SimError('ALLOCATOR_UNKNOWN', `C allocator ${name} was not built (pass it as --allocator ${name})`);
  return undefined;
}

/** Every prepared C allocator's display name (for the default allocator list). */
export function cAllocatorNames(): string[] {
  return [...new Set(entries().map((e) => e.name))];
}
