/**
 * Records which heavy libraries (TensorFlow.js, the Kubernetes client) have been loaded in this process.
 * Their lazy loaders call `markHeavyLoaded`; the extension's tests assert activation loads none of them.
 * A registry is needed because bundled modules never appear in `require.cache`.
 */
const loaded = new Set<string>();

export function markHeavyLoaded(name: string): void {
  loaded.add(name);
}

export function heavyModulesLoaded(): string[] {
  const fromCache = typeof require !== 'undefined' && require.cache
    ? Object.keys(require.cache).filter((k) => /@tensorflow[\\/]|@kubernetes[\\/]client-node/.test(k))
    : [];
  return [...loaded, ...fromCache];
}
