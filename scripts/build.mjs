// One small esbuild script for MOrA's bundles:
//   extension (node, cjs, `vscode` external), worker (node: TensorFlow.js training off the host thread), lstm-shard (a
//   global LSTM's second training thread),
//   webview (browser, iife), cli (node). `--production` minifies; source maps always. `--only=cli,worker` builds only
//   those bundles (`npm pack` needs the CLI and the worker bundles it starts: cli, worker, lstm-shard).
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');

const common = {
  bundle: true,
  sourcemap: true,
  minify: production,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': production ? '"production"' : '"development"' },
};

// tfjs-node is optional: never bundled, loaded at run time only when installed.
const nodeExternals = ['vscode', '@tensorflow/tfjs-node'];

const builds = [
  { ...common, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternals },
  { ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternals },
  { ...common, entryPoints: { live: 'src/data/live-bundle.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternals },
  { ...common, entryPoints: { worker: 'src/ml/worker/main.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternals },
  // The LSTM's data-parallel training thread (src/ml/lstm/shards.ts), started from whichever bundle trains a global model.
  { ...common, entryPoints: { 'lstm-shard': 'src/ml/lstm/shard-worker.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternals },
  { ...common, entryPoints: { webview: 'src/webview/main.ts' }, outdir: 'dist/webview', platform: 'browser', format: 'iife', target: 'es2022' },
].filter((b) => Object.values(b.entryPoints).every((p) => existsSync(p)))
  .filter((b) => !only || Object.keys(b.entryPoints).some((name) => only.includes(name)));

// The WASM backend loads its .wasm binaries from beside the bundle.
function copyWasm() {
  const pkg = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  mkdirSync('dist', { recursive: true });
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    const src = join(pkg, 'dist', f);
    if (existsSync(src)) cpSync(src, join('dist', f));
  }
}

if (!only || only.includes('worker') || only.includes('extension')) copyWasm();
if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
