#!/usr/bin/env node
// In a checkout (sources and tsx present) run the TypeScript sources, so `npm run mora` never uses a stale bundle;
// in an installed package run the bundle. MORA_BUNDLED=1 forces the bundle (to test it).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const root = join(__dirname, '..');
const source = join(root, 'src', 'cli', 'main.ts');
let cli;
if (!process.env.MORA_BUNDLED && existsSync(source) && existsSync(join(root, 'node_modules', 'tsx'))) {
  require('tsx/cjs');
  cli = require(source);
} else {
  cli = require(join(root, 'dist', 'cli.js'));
}
cli.main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
