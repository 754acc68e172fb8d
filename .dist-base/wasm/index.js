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
exports.TOOLCHAIN_PACKAGES = exports.INSTALL_LINE = void 0;
exports.isCAllocatorSpec = isCAllocatorSpec;
exports.prepareCAllocators = prepareCAllocators;
exports.cAllocatorFactory = cAllocatorFactory;
exports.cAllocatorNames = cAllocatorNames;
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
const path = __importStar(require("node:path"));
const errors_1 = require("../errors");
const toolchain_1 = require("./toolchain");
const runtime_1 = require("./runtime");
var toolchain_2 = require("./toolchain");
Object.defineProperty(exports, "INSTALL_LINE", { enumerable: true, get: function () { return toolchain_2.INSTALL_LINE; } });
Object.defineProperty(exports, "TOOLCHAIN_PACKAGES", { enumerable: true, get: function () { return toolchain_2.TOOLCHAIN_PACKAGES; } });
const ENV = 'RMALLOC_SIM_C_ALLOCATORS';
const factories = new Map();
/** The C allocators this process built (what its workers inherit through ENV). */
const registered = [];
/** Is this --allocator value a C allocator (paths ending in .c or .wasm, comma-joined)? */
function isCAllocatorSpec(s) {
    const parts = s.split(',');
    return parts.every((p) => /\.(c|wasm)$/i.test(p.trim())) && parts.length > 0;
}
function entries() {
    const raw = process.env[ENV];
    if (!raw)
        return [];
    try {
        return JSON.parse(raw);
    }
    catch {
        return [];
    }
}
function factoryOf(e, bytes) {
    let module;
    try {
        module = new WebAssembly.Module(bytes);
    }
    catch (err) {
        throw new errors_1.SimError('ALLOCATOR_BUILD', `cached module of ${e.name} is unreadable: ${err.message}`);
    }
    const f = (0, runtime_1.cFactory)({ name: e.name, files: e.files, module });
    factories.set(e.name, f);
    factories.set(e.spec, f);
    return f;
}
/** Builds and registers the C allocators among these --allocator values. */
async function prepareCAllocators(values, cflags) {
    const flags = (0, toolchain_1.splitFlags)(cflags);
    for (const spec of new Set(values)) {
        if (!isCAllocatorSpec(spec) || registered.some((e) => e.spec === spec && e.flags.join(' ') === flags.join(' ')))
            continue;
        const files = spec.split(',').map((p) => p.trim());
        const built = await (0, toolchain_1.buildAllocator)(files, flags);
        let name = path.basename(files[0]);
        if (registered.some((e) => e.name === name && e.key !== built.key))
            name = files[0];
        const e = { name, spec, flags, key: built.key, files };
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
function cAllocatorFactory(name) {
    const f = factories.get(name);
    if (f)
        return f;
    // A worker thread: the main thread's allocators, by name, from the cache.
    const e = entries().find((x) => x.name === name || x.spec === name);
    if (e) {
        const bytes = (0, toolchain_1.cachedModule)(e.key);
        if (bytes)
            return factoryOf(e, bytes);
    }
    if (isCAllocatorSpec(name))
        throw new errors_1.SimError('ALLOCATOR_UNKNOWN', `C allocator ${name} was not built (pass it as --allocator ${name})`);
    return undefined;
}
/** Every prepared C allocator's display name (for the default allocator list). */
function cAllocatorNames() {
    return [...new Set(entries().map((e) => e.name))];
}
