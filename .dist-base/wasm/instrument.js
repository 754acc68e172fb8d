"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.INSTRUMENT_VERSION = void 0;
exports.instrumentWasm = instrumentWasm;
/**
 * Instruments a wasm32 allocator module so the simulated device can charge it (design §5a).
 * Our own pass over binaryen's IR (the npm package `binaryen`, loaded only when a module is
 * built; the result is cached by src/wasm/toolchain.ts).
 *
 * How it works
 * ------------
 * Memory. Every load `load(ptr)` becomes `load(rsim.ld(ptr, offset, bytes))`: the import charges
 * the access (address = ptr + offset) and returns ptr unchanged, so the load runs as compiled.
 * A store whose value computation touches no memory becomes `store(rsim.st(ptr, offset, bytes),
 * value)`; one whose value loads or calls keeps wasm's order (address, value, store) through two
 * fresh locals: `store(local.tee $a ptr, (local.set $v value; rsim.stv($a, offset, bytes); $v))`,
 * so the store is charged after the value's own loads, as the CPU would do them.
 *
 * Copies. The bodies of `memcpy` and `memmove` (found by name) become one call of
 * `rsim.copy(dst, src, n)`: rmalloc-sim moves the bytes and charges them with the bus's memmove
 * model, exactly as it charges a built-in allocator's realloc copy.
 *
 * ALU work. Instructions are counted per straight-line run: inside every block list, a run of
 * statements up to one that may branch (br, br_if, br_table, return, unreachable) gets one
 * `rsim_ic += n` at its start, n being the wasm instructions of those statements outside nested
 * control structures (which count their own). `if` arms and loop bodies start runs of their own.
 * Block, loop and end markers count 0; everything else 1. This is an estimate (a run left early
 * by a nested branch is counted whole); the runtime multiplies it by the profile's cycles per
 * wasm instruction and the output marks it as an estimate.
 *
 * Budget. Every loop iteration starts with `if (rsim_ic > rsim_budget) rsim.budget()`; the import
 * throws, so a runaway allocator becomes an error event instead of a hang (every other path is
 * finite; deep recursion ends in a stack overflow, also caught).
 *
 * Exports added: the globals `rsim_ic`, `rsim_budget`, and every mutable i32 global of the
 * module as `rsim_g<i>` (the C stack pointer among them), so the runtime can save and restore
 * them around a probe or after a trap.
 */
const node_url_1 = require("node:url");
const errors_1 = require("../errors");
/** Bumped whenever the instrumentation changes (part of the cache key). */
exports.INSTRUMENT_VERSION = 1;
let loading;
/**
 * binaryen.js is an ES module with top-level await, which require() cannot load: import() it
 * once, by file URL, through a Function so that no CommonJS transpilation turns the import()
 * into a require().
 */
function loadBinaryen() {
    const url = (0, node_url_1.pathToFileURL)(require.resolve('binaryen')).href;
    const dynImport = new Function('u', 'return import(u)');
    loading ??= dynImport(url).then((mod) => mod.default);
    return loading;
}
async function instrumentWasm(raw, file) {
    const b = await loadBinaryen();
    let m;
    try {
        m = b.readBinary(raw);
    }
    catch (e) {
        throw new errors_1.SimError('ALLOCATOR_BUILD', `not a valid wasm module: ${e.message}`, { file });
    }
    try {
        return new Pass(b, m, file).run();
    }
    finally {
        m.dispose();
    }
}
class Pass {
    b;
    m;
    file;
    i32;
    none;
    /** Set while visiting a statement when it (at its own level) may branch. */
    branches = false;
    /** Locals added to the function being instrumented, by type. */
    func = 0;
    constructor(b, m, file) {
        this.b = b;
        this.m = m;
        this.file = file;
        this.i32 = b.i32;
        this.none = b.none;
    }
    run() {
        const { b, m } = this;
        const i32 = this.i32;
        if (!this.hasMemoryImport())
            throw new errors_1.SimError('ALLOCATOR_BUILD', 'the module defines its own memory: link it with -Wl,--import-memory (rmalloc-sim lays out the memory)', { file: this.file });
        m.setFeatures(m.getFeatures() | b.Features.MutableGlobals);
        const three = b.createType([i32, i32, i32]);
        m.addFunctionImport('rsim_ld', 'rsim', 'ld', three, i32);
        m.addFunctionImport('rsim_st', 'rsim', 'st', three, i32);
        m.addFunctionImport('rsim_stv', 'rsim', 'stv', three, this.none);
        m.addFunctionImport('rsim_copy', 'rsim', 'copy', three, this.none);
        m.addFunctionImport('rsim_budget_hit', 'rsim', 'budget', b.none, this.none);
        // Mutable i32 globals (the stack pointer) exported for save/restore.
        const n = m.getNumGlobals();
        for (let i = 0; i < n; i++) {
            const g = b.getGlobalInfo(m.getGlobalByIndex(i));
            if (g.mutable && g.type === i32 && !g.module)
                m.addGlobalExport(g.name, `rsim_g${i}`);
        }
        m.addGlobal('rsim_ic', i32, true, m.i32.const(0));
        m.addGlobal('rsim_budget', i32, true, m.i32.const(0x7fffffff));
        m.addGlobalExport('rsim_ic', 'rsim_ic');
        m.addGlobalExport('rsim_budget', 'rsim_budget');
        const nf = m.getNumFunctions();
        for (let i = 0; i < nf; i++) {
            const f = m.getFunctionByIndex(i);
            const info = b.getFunctionInfo(f);
            if (info.module)
                continue; // an import
            this.func = f;
            if (info.name === 'memcpy' || info.name === 'memmove') {
                this.replaceCopy(f);
                continue;
            }
            b.Function.setBody(f, this.body(info.body));
        }
        m.addCustomSection('rsim.layout', new TextEncoder().encode(JSON.stringify({ memMin: m.getMemoryInfo().initial })));
        if (!m.validate())
            throw new errors_1.SimError('ALLOCATOR_BUILD', 'instrumentation produced an invalid module (a bug in rmalloc-sim)', { file: this.file });
        return m.emitBinary();
    }
    hasMemoryImport() {
        const { b, m } = this;
        if (!m.hasMemory())
            return false;
        return Boolean(m.getMemoryInfo().module);
    }
    replaceCopy(f) {
        const { b, m, i32 } = this;
        const get = (k) => m.local.get(k, i32);
        b.Function.setBody(f, m.block(null, [m.call('rsim_copy', [get(0), get(1), get(2)], this.none), m.return(get(0))]));
    }
    inc(n) {
        const { m, i32 } = this;
        return m.global.set('rsim_ic', m.i32.add(m.global.get('rsim_ic', i32), m.i32.const(n)));
    }
    /** Instruments a function body, loop body or if arm: a run of its own. */
    body(e) {
        const { b, m } = this;
        if (b.getExpressionId(e) === b.BlockId) {
            this.visit(e);
            return e;
        }
        const saved = this.branches;
        const c = this.visit(e);
        this.branches = saved;
        return c > 0 ? m.block(null, [this.inc(c), e], b.getExpressionType(e)) : e;
    }
    /** Inserts the counter increments into a block's statement list. */
    blockList(blk) {
        const { b } = this;
        const kids = b.Block.getChildren(blk);
        const out = [];
        let run = [];
        let count = 0;
        const flush = () => {
            if (count > 0)
                out.push(this.inc(count));
            out.push(...run);
            run = [];
            count = 0;
        };
        for (const k of kids) {
            const saved = this.branches;
            this.branches = false;
            count += this.visit(k);
            run.push(k);
            const br = this.branches;
            this.branches = saved;
            if (br)
                flush();
        }
        flush();
        b.Block.setChildren(blk, out);
    }
    /**
     * Instruments e in place; returns its instruction count outside nested control structures
     * (which insert their own increments).
     */
    visit(e) {
        const { b, m } = this;
        const id = b.getExpressionId(e);
        const kid = (x) => (x ? this.visit(x) : 0);
        switch (id) {
            case b.BlockId:
                this.blockList(e);
                return 0;
            case b.LoopId: {
                const body = this.body(b.Loop.getBody(e));
                const check = m.if(m.i32.gt_u(m.global.get('rsim_ic', this.i32), m.global.get('rsim_budget', this.i32)), m.call('rsim_budget_hit', [], this.none));
                b.Loop.setBody(e, m.block(null, [check, body], b.getExpressionType(body)));
                return 0;
            }
            case b.IfId: {
                const c = kid(b.If.getCondition(e));
                b.If.setIfTrue(e, this.body(b.If.getIfTrue(e)));
                const f = b.If.getIfFalse(e);
                if (f)
                    b.If.setIfFalse(e, this.body(f));
                return c + 1;
            }
            case b.BreakId: {
                const c = kid(b.Break.getCondition(e)) + kid(b.Break.getValue(e)) + 1;
                this.branches = true;
                return c;
            }
            case b.SwitchId: {
                const c = kid(b.Switch.getCondition(e)) + kid(b.Switch.getValue(e)) + 1;
                this.branches = true;
                return c;
            }
            case b.ReturnId: {
                const c = kid(b.Return.getValue(e)) + 1;
                this.branches = true;
                return c;
            }
            case b.UnreachableId:
                this.branches = true;
                return 1;
            case b.CallId: {
                let c = 1;
                for (const o of b.Call.getOperands(e))
                    c += this.visit(o);
                return c;
            }
            case b.CallIndirectId: {
                let c = 1 + kid(b.CallIndirect.getTarget(e));
                for (const o of b.CallIndirect.getOperands(e))
                    c += this.visit(o);
                return c;
            }
            case b.LocalGetId:
            case b.GlobalGetId:
            case b.ConstId:
            case b.NopId:
            case b.MemorySizeId:
                return 1;
            case b.LocalSetId:
                return kid(b.LocalSet.getValue(e)) + 1;
            case b.GlobalSetId:
                return kid(b.GlobalSet.getValue(e)) + 1;
            case b.DropId:
                return kid(b.Drop.getValue(e)) + 1;
            case b.UnaryId:
                return kid(b.Unary.getValue(e)) + 1;
            case b.MemoryGrowId:
                return kid(b.MemoryGrow.getDelta(e)) + 1;
            case b.BinaryId:
                return kid(b.Binary.getLeft(e)) + kid(b.Binary.getRight(e)) + 1;
            case b.SelectId:
                return kid(b.Select.getIfTrue(e)) + kid(b.Select.getIfFalse(e)) + kid(b.Select.getCondition(e)) + 1;
            case b.LoadId: {
                const c = kid(b.Load.getPtr(e)) + 1;
                const args = [b.Load.getPtr(e), m.i32.const(b.Load.getOffset(e)), m.i32.const(b.Load.getBytes(e))];
                b.Load.setPtr(e, m.call('rsim_ld', args, this.i32));
                return c;
            }
            case b.StoreId: {
                const value = b.Store.getValue(e);
                const c = kid(b.Store.getPtr(e)) + kid(value) + 1;
                const off = m.i32.const(b.Store.getOffset(e));
                const bytes = m.i32.const(b.Store.getBytes(e));
                if (!this.touchesMemory(value)) {
                    b.Store.setPtr(e, m.call('rsim_st', [b.Store.getPtr(e), off, bytes], this.i32));
                }
                else {
                    const vt = b.getExpressionType(value);
                    const la = b._BinaryenFunctionAddVar(this.func, this.i32);
                    const lv = b._BinaryenFunctionAddVar(this.func, vt);
                    b.Store.setPtr(e, m.local.tee(la, b.Store.getPtr(e), this.i32));
                    b.Store.setValue(e, m.block(null, [m.local.set(lv, value), m.call('rsim_stv', [m.local.get(la, this.i32), off, bytes], this.none), m.local.get(lv, vt)], vt));
                }
                return c;
            }
            default:
                throw new errors_1.SimError('ALLOCATOR_BUILD', `the module uses a wasm feature rmalloc-sim does not instrument (expression id ${id}: atomics, SIMD, bulk memory or exceptions); build for plain wasm32`, { file: this.file });
        }
    }
    /** Does evaluating e load, store or call (so its place relative to a store matters)? */
    touchesMemory(e) {
        const { b } = this;
        const id = b.getExpressionId(e);
        switch (id) {
            case b.ConstId:
            case b.LocalGetId:
            case b.GlobalGetId:
                return false;
            case b.UnaryId:
                return this.touchesMemory(b.Unary.getValue(e));
            case b.BinaryId:
                return this.touchesMemory(b.Binary.getLeft(e)) || this.touchesMemory(b.Binary.getRight(e));
            case b.LocalSetId:
                return this.touchesMemory(b.LocalSet.getValue(e));
            case b.SelectId:
                return this.touchesMemory(b.Select.getIfTrue(e)) || this.touchesMemory(b.Select.getIfFalse(e)) || this.touchesMemory(b.Select.getCondition(e));
            default:
                return true;
        }
    }
}
