// The structure holds, read from the sources: no import cycle anywhere in the runtime code, and every import goes
// down (or across within its own folder) the layers of docs/architecture.md. ESLint enforces the finer rules
// (import-rules.test.ts proves they fire); this walks the whole graph, dynamic and type-only imports included.
import { describe, expect, it } from 'vitest';
import { cycles, importGraph, type ImportEdge } from './import-graph.ts';

/** Lower layers first; a file may import its own layer's folder or any layer below. */
const LAYERS: Array<{ layer: number; match: RegExp }> = [
  { layer: 0, match: /^shared\/(model|errors)\.ts$/ },
  { layer: 1, match: /^shared\/(util\/|aws-limits\.ts$|logging\.ts$|peer-text\.ts$)/ },
  { layer: 2, match: /^shared\/ports\// },
  { layer: 3, match: /^shared\/domain\// },
  { layer: 4, match: /^shared\/pki\// },
  { layer: 5, match: /^shared\/(protocol|monitor)\// },
  { layer: 6, match: /^shared\/(signing|admin|monitor-service)\// },
  { layer: 7, match: /^shared\/(issuers|store|notify|schedule)\// },
  { layer: 8, match: /^shared\/config\// },
  { layer: 9, match: /^(listener|functions)\// },
  { layer: 10, match: /^cli\// },
];

function layerOf(file: string): number | 'infra' {
  if (file.startsWith('infra/')) return 'infra';
  const found = LAYERS.find(({ match }) => match.test(file));
  if (!found) throw new Error(`${file} belongs to no layer: add its folder to the table in this test and to docs/architecture.md`);
  return found.layer;
}

const { files, edges } = importGraph();

describe('the import graph', () => {
  it('reads the imports of every runtime file', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(edges.some((edge) => edge.from === 'functions/sign/handler.ts' && edge.to === 'functions/bootstrap.ts')).toBe(true);
    // The issuer factories, loaded by a template import(`./${kind}/factory.ts`), count as imports of create.ts.
    const factories = edges.filter((edge) => edge.dynamic && edge.from === 'shared/issuers/create.ts').map((edge) => edge.to);
    expect(factories).toEqual(expect.arrayContaining(['shared/issuers/acm-pca/factory.ts', 'shared/issuers/capf-software/factory.ts']));
  });

  it('has no cycle, whether counting every import or only those that run', () => {
    expect(cycles(files, edges)).toEqual([]);
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    const made: ImportEdge[] = [
      { from: 'a.ts', to: 'b.ts', typeOnly: false, dynamic: false },
      { from: 'b.ts', to: 'c.ts', typeOnly: false, dynamic: true },
      { from: 'c.ts', to: 'a.ts', typeOnly: true, dynamic: false },
      { from: 'c.ts', to: 'd.ts', typeOnly: false, dynamic: false },
    ];
    expect(cycles(['a.ts', 'b.ts', 'c.ts', 'd.ts'], made)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('never imports from a lower layer into a higher one; infra imports no runtime code and only the CLI imports infra', () => {
    const upward = edges
      .filter((edge) => {
        const from = layerOf(edge.from);
        const to = layerOf(edge.to);
        // infra reaches nothing outside itself; only the CLI's tooling (the bundle bench) reaches infra's bundling set-up.
        if (from === 'infra') return to !== 'infra';
        if (to === 'infra') return from !== 10;
        return to > from;
      })
      .map((edge) => `${edge.from} -> ${edge.to}`);
    expect(upward).toEqual([]);
  });
});
