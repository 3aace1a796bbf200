/**
 * The house's layering, read from the import statements of every .ts file in src/ and streams/ (parsed by
 * TypeScript's own pre-processor: imports, `export … from`, `import x = require`, `require()` and dynamic
 * `import()`, type-only ones included):
 *
 *   src/domain (pure)  <  src/config, venues, sim, execution, logging, report, ops  <  streams/  <  streams/cli/
 *
 * - nothing in src/ imports streams/;
 * - src/domain imports only src/domain (plus pure libraries: no RxJS, no Node I/O);
 * - no folder imports a folder of a higher layer, and no two folders import each other, directly or round a
 *   longer loop.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinModules } from 'node:module';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');

interface Import {
  /** Importing file, relative to the repository root. */
  readonly from: string;
  /** As written. */
  readonly specifier: string;
  /** Resolved path relative to the root for a relative specifier (without extension); undefined for a package. */
  readonly target: string | undefined;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(rel));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

function importsOf(file: string): Import[] {
  const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles.map(({ fileName: specifier }) => ({
    from: file,
    specifier,
    target: specifier.startsWith('.') ? resolveRelative(file, specifier) : undefined,
  }));
}

/** A relative specifier as a path from the root; a folder (`'../src/config'`) means its index file. */
function resolveRelative(file: string, specifier: string): string {
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
  const abs = path.join(ROOT, target);
  return fs.existsSync(abs) && fs.statSync(abs).isDirectory() ? `${target}/index` : target;
}

/** The room a file (or resolved import target) is in: src/<folder>, streams/cli, or streams. */
export function roomOf(file: string): string | undefined {
  const parts = file.split('/');
  if (parts[0] === 'src') return parts.length > 2 ? `src/${parts[1]}` : 'src';
  if (parts[0] === 'streams') return parts[1] === 'cli' && parts.length > 2 ? 'streams/cli' : 'streams';
  return undefined;
}

const LAYER: Readonly<Record<string, number>> = {
  'src/domain': 0,
  'src/config': 1,
  'src/venues': 1,
  'src/sim': 1,
  'src/execution': 1,
  'src/logging': 1,
  'src/report': 1,
  'src/ops': 1,
  streams: 2,
  'streams/cli': 3,
};

/** Strongly connected groups of more than one node (Tarjan): each is a loop of imports between rooms. */
export function importCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) cycles.push(group.sort());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  return cycles;
}

const FILES = [...tsFiles('src'), ...tsFiles('streams')];
const IMPORTS = FILES.flatMap(importsOf);
const show = (i: Import): string => `${i.from} imports '${i.specifier}'`;

describe('layering', () => {
  it('reads the imports of every source file', () => {
    expect(FILES.length).toBeGreaterThan(50);
    // A parser that saw nothing would pass every rule below.
    expect(IMPORTS.filter((i) => i.from === 'streams/bot.ts').map((i) => i.specifier)).toContain('rxjs');
    expect(IMPORTS.every((i) => i.target === undefined || roomOf(i.target) !== undefined || i.target.startsWith('src') || i.target.startsWith('streams'))).toBe(true);
  });

  it('nothing in src/ imports streams/', () => {
    const up = IMPORTS.filter((i) => i.from.startsWith('src/') && i.target !== undefined && (i.target === 'streams' || i.target.startsWith('streams/')));
    expect(up.map(show)).toEqual([]);
  });

  it('src/domain imports only src/domain, and neither RxJS nor Node I/O', () => {
    const domain = IMPORTS.filter((i) => i.from.startsWith('src/domain/'));
    expect(domain.length).toBeGreaterThan(0);
    const outside = domain.filter((i) => i.target !== undefined && !i.target.startsWith('src/domain/'));
    expect(outside.map(show)).toEqual([]);
    const node = new Set(builtinModules);
    const impure = domain.filter((i) => i.target === undefined && (i.specifier === 'rxjs' || i.specifier.startsWith('rxjs/') || i.specifier.startsWith('node:') || node.has(i.specifier)));
    expect(impure.map(show)).toEqual([]);
  });

  it('every room imports only its own layer or the ones below', () => {
    const rooms = new Set(FILES.map(roomOf));
    for (const room of rooms) expect([room, LAYER[room ?? '']]).toEqual([room, expect.any(Number)]);
    const upward = IMPORTS.filter((i) => {
      if (i.target === undefined) return false;
      const from = LAYER[roomOf(i.from)!]!;
      const to = LAYER[roomOf(i.target) ?? ''];
      return to === undefined || to > from;
    });
    expect(upward.map(show)).toEqual([]);
  });

  it('no import cycles between rooms', () => {
    const edges = new Map<string, Set<string>>();
    for (const i of IMPORTS) {
      if (i.target === undefined) continue;
      const a = roomOf(i.from)!;
      const b = roomOf(i.target);
      if (b === undefined || a === b) continue;
      if (!edges.has(a)) edges.set(a, new Set());
      edges.get(a)!.add(b);
    }
    const cycles = importCycles(edges).map((group) =>
      group.map((room) => `${room} -> ${[...(edges.get(room) ?? [])].filter((r) => group.includes(r)).join(', ')} (${IMPORTS.filter((i) => roomOf(i.from) === room && i.target !== undefined && group.includes(roomOf(i.target) ?? '') && roomOf(i.target) !== room).map((i) => i.from).filter((f, n, all) => all.indexOf(f) === n).slice(0, 3).join(', ')})`),
    );
    expect(cycles).toEqual([]);
  });

  it('the cycle finder finds loops, direct and longer, and nothing in a layered graph', () => {
    const graph = (pairs: [string, string][]) => {
      const m = new Map<string, Set<string>>();
      for (const [a, b] of pairs) {
        if (!m.has(a)) m.set(a, new Set());
        if (!m.has(b)) m.set(b, new Set());
        m.get(a)!.add(b);
      }
      return m;
    };
    expect(importCycles(graph([['a', 'b'], ['b', 'a']]))).toEqual([['a', 'b']]);
    expect(importCycles(graph([['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'd']]))).toEqual([['a', 'b', 'c']]);
    expect(importCycles(graph([['streams', 'src/venues'], ['src/venues', 'src/domain'], ['streams', 'src/domain']]))).toEqual([]);
  });

  it('rooms are read from paths as the layers name them', () => {
    expect(roomOf('src/venues/paradex/sbe.ts')).toBe('src/venues');
    expect(roomOf('src/domain/market')).toBe('src/domain');
    expect(roomOf('streams/cli/main.ts')).toBe('streams/cli');
    expect(roomOf('streams/bot.ts')).toBe('streams');
  });
});
