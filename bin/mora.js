#!/usr/bin/env node
// Runs the bundled CLI when built (packaged installs), else the TypeScript sources through tsx (checkouts).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const bundled = join(__dirname, '..', 'dist', 'cli.js');
if (existsSync(bundled) && !process.env.MORA_FROM_SOURCE) {
  require(bundled);
} else {
  require('tsx/cjs');
  require(join(__dirname, '..', 'src', 'cli', 'main.ts'));
}
