import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// Import cycles make load order decide behaviour (a module sees another half-initialised) and keep layers from being
// moved or tested alone; type-only imports count too, since they tie the layers' designs together the same way.
const ROOT = resolve(__dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const c of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(c)) return c;
  return undefined;
}

/** Static relative imports and re-exports (`import … from './x'`, `export … from './x'`, `import './x'`). */
function edges(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'|^\s*import\s+'(\.[^']+)'/gm)) {
    const r = resolveImport(file, m[1] ?? m[2]);
    if (r) out.push(r);
  }
  return out;
}

/** Tarjan's strongly connected components: every component with more than one module is a cycle. */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), on = new Set<string>(), stack: string[] = [], out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) out.push(comp);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('module graph', () => {
  const graph = new Map(files(ROOT).map((f) => [f, edges(f)]));

  it('finds the imports it is meant to check (the scanner is not blind)', () => {
    const engine = graph.get(join(ROOT, 'rightsizing/engine/resource.ts'));
    assert.ok(engine && engine.includes(join(ROOT, 'rightsizing/engine/mora-strategy.ts')));
    assert.ok(cycles(new Map([['a', ['b']], ['b', ['a']], ['c', ['a']]])).length === 1);
  });

  it('has no import cycles in src/', () => {
    const found = cycles(graph).map((c) => c.map((f) => relative(ROOT, f)).sort().join(' → '));
    assert.deepEqual(found, []);
  });

  it('keeps rightsizing out of ml: forecasting does not import the engine, baselines or backtest', () => {
    const bad = [...graph].filter(([f]) => f.startsWith(join(ROOT, 'ml')))
      .flatMap(([f, deps]) => deps.filter((d) => d.startsWith(join(ROOT, 'rightsizing'))).map((d) => `${relative(ROOT, f)} → ${relative(ROOT, d)}`));
    assert.deepEqual(bad, []);
  });
});
