/**
 * scripts/heap-diff.ts on two small snapshots in V8's format: what grew, by class, and where the new objects hang.
 */
import { classChanges, growthSites, parseSnapshot } from '../../scripts/heap-diff';

const NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'];
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

interface N {
  type: string;
  name: string;
  id: number;
  size: number;
  edges: { type: string; name: string | number; to: number }[];
}

/** A snapshot as V8 writes it (flat arrays, strings by index) from a list of nodes; node 0 is the root. */
function snapshot(nodes: N[]) {
  const strings: string[] = [];
  const str = (s: string) => (strings.includes(s) ? strings.indexOf(s) : strings.push(s) - 1);
  const flatNodes: number[] = [];
  const flatEdges: number[] = [];
  for (const n of nodes) {
    flatNodes.push(NODE_TYPES.indexOf(n.type), str(n.name), n.id, n.size, n.edges.length, 0, 0);
    for (const e of n.edges) flatEdges.push(EDGE_TYPES.indexOf(e.type), typeof e.name === 'number' ? e.name : str(e.name), e.to * 7);
  }
  return {
    snapshot: {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
        node_types: [NODE_TYPES, 'string', 'number', 'number', 'number', 'number', 'number'] as [string[], ...string[]],
        edge_fields: ['type', 'name_or_index', 'to_node'],
        edge_types: [EDGE_TYPES, 'string_or_number', 'node'] as [string[], ...string[]],
      },
      node_count: nodes.length,
    },
    nodes: flatNodes,
    edges: flatEdges,
    strings,
  };
}

/** root → Holder.items → Array → Row × rows (ids 100, 102, …), root → Cache.rows → Array → Row × cached. */
function heap(rows: number, cached: number, garbage = 0): N[] {
  const nodes: N[] = [
    { type: 'synthetic', name: '', id: 1, size: 0, edges: [{ type: 'element', name: 1, to: 1 }, { type: 'element', name: 2, to: 3 }] },
    { type: 'object', name: 'Holder', id: 3, size: 24, edges: [{ type: 'property', name: 'items', to: 2 }] },
    { type: 'object', name: 'Array', id: 5, size: 16, edges: [] },
    { type: 'object', name: 'Cache', id: 7, size: 24, edges: [{ type: 'property', name: 'rows', to: 4 }] },
    { type: 'object', name: 'Array', id: 9, size: 16, edges: [] },
  ];
  const add = (into: number, count: number, firstId: number) => {
    for (let i = 0; i < count; i++) {
      nodes[into]!.edges.push({ type: 'element', name: i, to: nodes.length });
      nodes.push({ type: 'object', name: 'Row', id: firstId + 2 * i, size: 40, edges: [{ type: 'property', name: 'label', to: nodes.length + 1 }] });
      nodes.push({ type: 'string', name: `row ${i}`, id: firstId + 2 * i + 1, size: 20, edges: [] });
    }
  };
  add(2, rows, 100);
  add(4, cached, 1000);
  // Unreachable: garbage the snapshot still saw, counted nowhere.
  for (let i = 0; i < garbage; i++) nodes.push({ type: 'object', name: 'Row', id: 5000 + i, size: 40, edges: [] });
  return nodes;
}

describe('heap-diff', () => {
  const before = parseSnapshot(snapshot(heap(2, 3)));
  const after = parseSnapshot(snapshot(heap(5, 3, 4)));

  it('counts each class in both snapshots, reachable objects only, biggest growth first', () => {
    const rows = classChanges(before, after).find((c) => c.cls === 'Row')!;
    expect(rows).toEqual({ cls: 'Row', countBefore: 5, countAfter: 8, bytesBefore: 200, bytesAfter: 320 });
    expect(classChanges(before, after)[0]!.cls).toBe('Row');
    expect(classChanges(before, after).find((c) => c.cls === '(string)')).toMatchObject({ countBefore: 5, countAfter: 8 });
  });

  it('hangs the new objects on the old object that holds them, with its path, and leaves the unchanged cache out', () => {
    const sites = growthSites(before, after);
    expect(sites).toHaveLength(1);
    expect(sites[0]).toMatchObject({ site: 'Holder.items > Array.[]', count: 6, bytes: 3 * 60 });
    expect(sites[0]!.path).toBe('Holder.items > Array');
    expect(sites[0]!.classes).toEqual([
      { cls: 'Row', count: 3, bytes: 120 },
      { cls: '(string)', count: 3, bytes: 60 },
    ]);
  });
});
