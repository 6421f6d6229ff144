// The repository's import graph, read from the sources: every relative import of every runtime file (shared,
// listener, functions, cli, infra), for the architecture tests.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

export const ROOT = process.cwd();
export const RUNTIME_FOLDERS = ['shared', 'listener', 'functions', 'cli', 'infra'];

export interface ImportEdge {
  from: string;
  to: string;
  /** `import type` / `export type`: erased at run time. */
  typeOnly: boolean;
  /** `import('...')`: loaded when called. */
  dynamic: boolean;
}

function sourceFiles(folder: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(ROOT, folder))) {
    const path = join(folder, entry);
    if (statSync(join(ROOT, path)).isDirectory()) files.push(...sourceFiles(path));
    else if (path.endsWith('.ts')) files.push(path);
  }
  return files;
}

const STATIC = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?'([^']+)'/gm;
const DYNAMIC = /\bimport\(\s*'([^']+)'\s*\)/g;
/** `import(\`./${kind}/factory.ts\`)`: every file the pattern can name, as bundlers read it. */
const DYNAMIC_TEMPLATE = /\bimport\(\s*`([^`]+)`\s*\)/g;

export function importGraph(): { files: string[]; edges: ImportEdge[] } {
  const files = RUNTIME_FOLDERS.flatMap(sourceFiles);
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const text = readFileSync(join(ROOT, from), 'utf8');
    const add = (specifier: string, typeOnly: boolean, dynamic: boolean) => {
      if (!specifier.startsWith('.')) return;
      edges.push({ from, to: normalize(relative(ROOT, join(ROOT, dirname(from), specifier))), typeOnly, dynamic });
    };
    for (const match of text.matchAll(STATIC)) add(match[3] as string, match[2] !== undefined, false);
    for (const match of text.matchAll(DYNAMIC)) add(match[1] as string, false, true);
    for (const match of text.matchAll(DYNAMIC_TEMPLATE)) {
      const pattern = normalize(relative(ROOT, join(ROOT, dirname(from), (match[1] as string).replace(/\$\{[^}]*\}/g, '\u0000'))));
      const matcher = new RegExp(`^${pattern.split('\u0000').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}$`);
      for (const to of files) if (matcher.test(to)) edges.push({ from, to, typeOnly: false, dynamic: true });
    }
  }
  return { files, edges };
}

/** Every cycle (as a strongly connected component of two or more files, or a file importing itself) among `edges`. */
export function cycles(files: readonly string[], edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>(files.map((file) => [file, []]));
  for (const edge of edges) next.get(edge.from)?.push(edge.to);
  // Tarjan's strongly connected components.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string) => {
    index.set(file, counter);
    low.set(file, counter);
    counter++;
    stack.push(file);
    onStack.add(file);
    for (const to of next.get(file) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file) as number, low.get(to) as number));
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file) as number, index.get(to) as number));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || (next.get(file) ?? []).includes(file)) found.push(component.sort());
    }
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return found;
}
