/**
 * The part of the WebAssembly JS API that src/wasm uses. Node has it at run time; the project's
 * lib (ES2022, no DOM) does not declare it.
 */
declare namespace WebAssembly {
  type ImportValue = Function | Global | Memory | Table;
  type Imports = Record<string, Record<string, ImportValue>>;
  type Exports = Record<string, Function | Global | Memory | Table>;
  interface ModuleImportDescriptor {
    module: string;
    name: string;
    kind: 'function' | 'table' | 'memory' | 'global';
  }
  class Module {
    constructor(bytes: Uint8Array);
    static imports(m: Module): ModuleImportDescriptor[];
    static exports(m: Module): { name: string; kind: string }[];
    static customSections(m: Module, name: string): ArrayBuffer[];
  }
  class Instance {
    constructor(m: Module, imports?: Imports);
    readonly exports: Exports;
  }
  class Memory {
    constructor(d: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Global {
    value: number | bigint;
  }
  class Table {}
  class RuntimeError extends Error {}
  class CompileError extends Error {}
  class LinkError extends Error {}
}
