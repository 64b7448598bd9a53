/**
 * The `execArgv` that lets a worker thread load a TypeScript entry (the CLI or tests run from the sources): tsx's
 * CommonJS hook, resolved from MOrA's own folder. A bare `--require tsx/cjs` is looked up from the working directory,
 * so a checkout's CLI run from another folder (`npm install -g .`, then `mora` anywhere) failed every LSTM training with
 * "Cannot find module 'tsx/cjs'". Bundles (dist/worker.js, dist/lstm-shard.js) need no hook and never call this.
 */
export function tsxExecArgv(from: string = __dirname): string[] {
  let hook = 'tsx/cjs';
  try {
    hook = require.resolve('tsx/cjs', { paths: [from] });
  } catch {
    // No tsx beside the sources: the bare name, whose load error then names what is missing.
  }
  return ['--require', hook];
}
