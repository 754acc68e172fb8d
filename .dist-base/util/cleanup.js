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
exports.registerTemp = registerTemp;
exports.releaseTemp = releaseTemp;
exports.removeTemp = removeTemp;
exports.addExitHook = addExitHook;
exports.removeAllTemps = removeAllTemps;
exports.ignoreInterrupts = ignoreInterrupts;
exports.signalExitCode = signalExitCode;
exports.installSignalHandlers = installSignalHandlers;
/**
 * Temporary files and signals: nothing half-written survives the process.
 *
 * Every temporary file or folder the program creates (an output being written before its
 * rename, a spooled copy of a pipe) is registered here and removed when the process ends:
 * normally, on an error, or on SIGINT / SIGTERM / SIGHUP, which then exit with 128 + the
 * signal number (130, 143, 129) as shells expect. The CLI calls installSignalHandlers() once.
 *
 * Synchronous writes (reports written with writeFileSync) cannot be interrupted by a handled
 * signal: the handler runs when the write loop yields, after the renames. Streamed writes
 * (traces) are interrupted between chunks and their temporary files removed here.
 */
const fs = __importStar(require("node:fs"));
const temps = new Set();
const hooks = new Set();
let installed = false;
let ignoreInt = 0;
const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };
/** Registers a temporary path (file or folder) to remove at exit unless released first. */
function registerTemp(p) {
    temps.add(p);
}
/** Forgets a temporary path (it was renamed into place or removed by its owner). */
function releaseTemp(p) {
    temps.delete(p);
}
/** Removes a temporary path now and forgets it. */
function removeTemp(p) {
    temps.delete(p);
    try {
        fs.rmSync(p, { recursive: true, force: true });
    }
    catch {
        /* already gone, or nothing we can do while exiting */
    }
}
/**
 * Adds a function to run at exit before the temporary paths go (e.g. release a FIFO open that
 * blocks a thread, which would otherwise keep the process from exiting); returns its remover.
 */
function addExitHook(fn) {
    hooks.add(fn);
    return () => hooks.delete(fn);
}
/** Runs the exit hooks and removes every registered temporary path (at exit). */
function removeAllTemps() {
    for (const h of [...hooks]) {
        hooks.delete(h);
        try {
            h();
        }
        catch {
            /* best effort while exiting */
        }
    }
    for (const p of [...temps])
        removeTemp(p);
}
/**
 * While the returned function is not called, SIGINT is ignored (the recorder hands the
 * terminal's Ctrl-C to the program it runs). Nests.
 */
function ignoreInterrupts() {
    ignoreInt++;
    let done = false;
    return () => {
        if (!done)
            ignoreInt--;
        done = true;
    };
}
/** The exit status for a signal: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
function signalExitCode(sig) {
    return 128 + (SIGNALS[sig] ?? 0);
}
/** Installs the exit and signal handlers (idempotent). */
function installSignalHandlers() {
    if (installed)
        return;
    installed = true;
    process.on('exit', removeAllTemps);
    for (const sig of Object.keys(SIGNALS)) {
        process.on(sig, () => {
            if (sig === 'SIGINT' && ignoreInt > 0)
                return;
            removeAllTemps();
            process.stderr.write(`rmalloc-sim: interrupted by ${sig}; no partial output left behind\n`);
            process.exit(signalExitCode(sig));
        });
    }
}
