/**
 * What grew between two V8 heap snapshots of one process (an early and a late one of a soak run, say):
 *
 *   npx ts-node --transpile-only scripts/heap-diff.ts EARLY.heapsnapshot LATE.heapsnapshot [--top N] [--json]
 *
 * Prints, biggest first:
 * - per class (an object's constructor, or the V8 node type for strings, arrays, closures, code): its count and
 *   self bytes in each snapshot and the change;
 * - the growth sites: the objects of the late snapshot that did not exist in the early one (V8 keeps an object's
 *   id across the snapshots of one isolate), grouped by where they hang: the nearest object on their shortest
 *   path from the GC roots that already existed early, and the edge from it (`RunRecord.recent`,
 *   `Array[]`…), with the path to it. That is where something keeps adding;
 * - the same sites net of what left them: a bounded window that slides (a ring, 60 s of books) shows many new
 *   objects but as many gone (the early snapshot's objects the late one no longer holds, grouped the same way in
 *   the early heap); what keeps growing is new minus gone.
 *
 * Written here rather than taken from npm: memlab (Meta's heap analysis) brings puppeteer and a Chromium of its
 * own for this one diff, and the small parsers on npm are unmaintained. The snapshot format is V8's documented
 * JSON (snapshot.meta describes the node and edge fields), read as flat arrays.
 */
import * as fs from 'node:fs';

interface Meta {
  node_fields: string[];
  node_types: [string[], ...unknown[]];
  edge_fields: string[];
  edge_types: [string[], ...unknown[]];
}

interface RawSnapshot {
  snapshot: { meta: Meta; node_count: number };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** A parsed snapshot: per node (by index) its class, id, self size, and the parent on its shortest path from the roots. */
export interface Heap {
  readonly count: number;
  readonly ids: Float64Array;
  readonly size: Float64Array;
  readonly cls: string[];
  /** Node index of the retainer on the shortest path from the root (-1: the root or unreachable). */
  readonly parent: Int32Array;
  /** Name of the edge from that retainer. */
  readonly parentEdge: string[];
}

/** The class a node is counted under: its constructor for objects, else its V8 type (strings of every kind are one). */
function classOf(type: string, name: string): string {
  switch (type) {
    case 'object':
      return name;
    case 'string':
    case 'concatenated string':
    case 'sliced string':
      return '(string)';
    case 'closure':
      return `(closure ${name || 'anonymous'})`;
    case 'array':
      return `(array ${name})`;
    case 'number':
      return '(heap number)';
    default:
      return `(${type})`;
  }
}

export function parseSnapshot(raw: RawSnapshot): Heap {
  const { meta } = raw.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const nType = meta.node_fields.indexOf('type');
  const nName = meta.node_fields.indexOf('name');
  const nId = meta.node_fields.indexOf('id');
  const nSize = meta.node_fields.indexOf('self_size');
  const nEdges = meta.node_fields.indexOf('edge_count');
  const eType = meta.edge_fields.indexOf('type');
  const eName = meta.edge_fields.indexOf('name_or_index');
  const eTo = meta.edge_fields.indexOf('to_node');
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const { nodes, edges, strings } = raw;
  const count = nodes.length / nf;
  const ids = new Float64Array(count);
  const size = new Float64Array(count);
  const cls: string[] = new Array<string>(count);
  const firstEdge = new Int32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    const base = i * nf;
    ids[i] = nodes[base + nId]!;
    size[i] = nodes[base + nSize]!;
    cls[i] = classOf(nodeTypes[nodes[base + nType]!]!, strings[nodes[base + nName]!]!);
    firstEdge[i] = e;
    e += nodes[base + nEdges]! * ef;
    firstEdge[i + 1] = e;
  }
  // Breadth first from the synthetic root (node 0) over strong edges: each node's parent on a shortest path.
  const parent = new Int32Array(count).fill(-1);
  const parentEdge: string[] = new Array<string>(count);
  const seen = new Uint8Array(count);
  const queue = new Int32Array(count);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  seen[0] = 1;
  while (head < tail) {
    const from = queue[head++]!;
    for (let e = firstEdge[from]!; e < firstEdge[from + 1]!; e += ef) {
      const type = edgeTypes[edges[e + eType]!]!;
      if (type === 'weak' || type === 'shortcut') continue;
      const to = edges[e + eTo]! / nf;
      if (seen[to]) continue;
      seen[to] = 1;
      parent[to] = from;
      const name = edges[e + eName]!;
      parentEdge[to] = type === 'element' || type === 'hidden' ? `[${name}]` : type === 'internal' ? `{${strings[name]}}` : String(strings[name]);
      queue[tail++] = to;
    }
  }
  return { count, ids, size, cls, parent, parentEdge };
}

export function loadSnapshot(file: string): Heap {
  return parseSnapshot(JSON.parse(fs.readFileSync(file, 'utf8')) as RawSnapshot);
}

export interface ClassChange {
  cls: string;
  countBefore: number;
  countAfter: number;
  bytesBefore: number;
  bytesAfter: number;
}

export interface GrowthSite {
  /** `Holder.edge > Owner.edge` of the nearest old object the new ones hang from (two steps of its path, and the edge). */
  site: string;
  /** The path from the roots to that owner, a few steps (nearest last). */
  path: string;
  count: number;
  bytes: number;
  /** The new objects' classes there, biggest first. */
  classes: Array<{ cls: string; count: number; bytes: number }>;
}

function perClass(heap: Heap): Map<string, { count: number; bytes: number }> {
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < heap.count; i++) {
    if (heap.parent[i] === -1 && i !== 0) continue; // unreachable: garbage the snapshot still saw
    const c = out.get(heap.cls[i]!) ?? { count: 0, bytes: 0 };
    c.count++;
    c.bytes += heap.size[i]!;
    out.set(heap.cls[i]!, c);
  }
  return out;
}

export function classChanges(before: Heap, after: Heap): ClassChange[] {
  const a = perClass(before);
  const b = perClass(after);
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names]
    .map((cls) => ({ cls, countBefore: a.get(cls)?.count ?? 0, countAfter: b.get(cls)?.count ?? 0, bytesBefore: a.get(cls)?.bytes ?? 0, bytesAfter: b.get(cls)?.bytes ?? 0 }))
    .sort((x, y) => y.bytesAfter - y.bytesBefore - (x.bytesAfter - x.bytesBefore));
}

function pathTo(heap: Heap, node: number, steps: number): string {
  let text = heap.cls[node] ?? '?';
  for (let n = node, k = 0; heap.parent[n]! > 0 && k < steps; n = heap.parent[n]!, k++) text = `${heap.cls[heap.parent[n]!]}.${heap.parentEdge[n]} > ${text}`;
  return text;
}

/** The late snapshot's new objects (ids the early one does not hold), grouped by the old object they hang from. */
export function growthSites(before: Heap, after: Heap): GrowthSite[] {
  const old = new Set<number>();
  for (let i = 0; i < before.count; i++) old.add(before.ids[i]!);
  const isNew = (n: number) => !old.has(after.ids[n]!);
  const sites = new Map<string, { path: string; count: number; bytes: number; classes: Map<string, { count: number; bytes: number }> }>();
  for (let i = 1; i < after.count; i++) {
    if (after.parent[i] === -1 || !isNew(i)) continue;
    let child = i;
    while (after.parent[child]! > 0 && isNew(after.parent[child]!)) child = after.parent[child]!;
    const owner = after.parent[child]!;
    const edge = /^\[\d+\]$/.test(after.parentEdge[child] ?? '') ? '[]' : after.parentEdge[child];
    // Named with the owner's own place (`OpsState.recent > Array.[]`): `Array.[]` alone would merge every array.
    const key = `${pathTo(after, owner, 2)}.${edge}`;
    let s = sites.get(key);
    if (s === undefined) {
      s = { path: pathTo(after, owner, 8), count: 0, bytes: 0, classes: new Map() };
      sites.set(key, s);
    }
    s.count++;
    s.bytes += after.size[i]!;
    const c = s.classes.get(after.cls[i]!) ?? { count: 0, bytes: 0 };
    c.count++;
    c.bytes += after.size[i]!;
    s.classes.set(after.cls[i]!, c);
  }
  return [...sites.entries()]
    .map(([site, s]) => ({ site, path: s.path, count: s.count, bytes: s.bytes, classes: [...s.classes.entries()].map(([cls, c]) => ({ cls, ...c })).sort((x, y) => y.bytes - x.bytes) }))
    .sort((x, y) => y.bytes - x.bytes);
}

export interface NetSite extends GrowthSite {
  /** What the early snapshot held there that the late one no longer does. */
  goneCount: number;
  goneBytes: number;
}

/** Growth sites net of what left them (growthSites the other way round, matched by site), most net growth first. */
export function netGrowthSites(before: Heap, after: Heap, grown = growthSites(before, after)): NetSite[] {
  const gone = new Map(growthSites(after, before).map((s) => [s.site, s]));
  const out: NetSite[] = grown.map((s) => ({ ...s, goneCount: gone.get(s.site)?.count ?? 0, goneBytes: gone.get(s.site)?.bytes ?? 0 }));
  for (const [site, g] of gone) if (!grown.some((s) => s.site === site)) out.push({ site, path: g.path, count: 0, bytes: 0, classes: [], goneCount: g.count, goneBytes: g.bytes });
  return out.sort((x, y) => y.bytes - y.goneBytes - (x.bytes - x.goneBytes));
}

const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

function main(argv: string[]): void {
  const files = argv.filter((a) => !a.startsWith('--') && !/^\d+$/.test(a));
  const topAt = argv.indexOf('--top');
  const top = topAt >= 0 ? Number(argv[topAt + 1]) : 25;
  if (files.length !== 2) {
    process.stderr.write('usage: heap-diff.ts EARLY.heapsnapshot LATE.heapsnapshot [--top N] [--json]\n');
    process.exit(2);
  }
  const before = loadSnapshot(files[0]!);
  const after = loadSnapshot(files[1]!);
  const changes = classChanges(before, after);
  const sites = growthSites(before, after);
  const net = netGrowthSites(before, after, sites);
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ classes: changes.slice(0, top), sites: sites.slice(0, top), net: net.slice(0, top) }, null, 2)}\n`);
    return;
  }
  const total = (h: Heap) => h.size.reduce((a, b, i) => (h.parent[i] === -1 && i !== 0 ? a : a + b), 0);
  process.stdout.write(`reachable: ${kb(total(before))} -> ${kb(total(after))} (${signed(Math.round((total(after) - total(before)) / 1024))} KB)\n\n`);
  process.stdout.write('class                                              count (change)        bytes (change)\n');
  for (const c of changes.slice(0, top)) {
    process.stdout.write(`${c.cls.slice(0, 50).padEnd(50)} ${String(c.countAfter).padStart(8)} (${signed(c.countAfter - c.countBefore).padStart(7)})  ${kb(c.bytesAfter).padStart(11)} (${kb(c.bytesAfter - c.bytesBefore).padStart(10)})\n`);
  }
  process.stdout.write('\nnew objects by growth site (owner.edge: count, bytes; path from the roots; classes)\n');
  for (const s of sites.slice(0, top)) {
    process.stdout.write(`${s.site}: ${s.count} objects, ${kb(s.bytes)}\n    at ${s.path}\n    ${s.classes.slice(0, 5).map((c) => `${c.cls} ${c.count} ${kb(c.bytes)}`).join(', ')}\n`);
  }
  process.stdout.write('\nnet growth by site (new - gone: a sliding window nets to ~0; what keeps growing stays)\n');
  for (const s of net.slice(0, top)) {
    process.stdout.write(`${kb(s.bytes - s.goneBytes).padStart(10)} net (${signed(s.count)} / -${s.goneCount} objects, ${kb(s.bytes)} / -${kb(s.goneBytes)})  ${s.site}\n`);
  }
}

if (require.main === module) main(process.argv.slice(2));
