#!/usr/bin/env node
// In a checkout (sources and tsx present) run the TypeScript sources, so `npm run mora` never uses a stale bundle;
// in an installed package run the bundle. MORA_BUNDLED=1 forces the bundle (to test it).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const root = join(__dirname, '..');

// Output into a closed pipe (`mora … | head`) ends quietly, as other command-line tools do, instead of dying on an
// unhandled EPIPE with a stack trace: the first EPIPE silences that stream for the rest of the run. The command still
// finishes (an experiment still restores what it scaled) and exits with its own code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (!err || err.code !== 'EPIPE') throw err;
    stream.write = (_chunk, encoding, callback) => {
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') process.nextTick(done);
      return true;
    };
  });
}
// A terminal that went away (closed window, dropped SSH session: the SIGHUP that stops a run) must not turn the exit
// code into a crash. Node (before v24, nodejs/node#51519) restores the termios of every stdio fd that was a terminal at
// start-up after 'exit', and aborts (SIGABRT, rc 134, "Assertion failed … node::ResetStdio()") when tcsetattr fails
// with EIO on the hung-up tty — after the run had restored and recorded everything, its 130 lost. Node skips a
// descriptor that no longer is the file it saw at start-up, so on exit each one that was a terminal and is not one any
// more (isatty fails: hung up) is swapped for /dev/null. A live terminal is left alone: Node still resets it.
const tty = require('node:tty');
const { closeSync, openSync } = require('node:fs');
const wasTerminal = [0, 1, 2].map((fd) => tty.isatty(fd));
process.on('exit', () => {
  for (const fd of [0, 1, 2]) {
    if (!wasTerminal[fd] || tty.isatty(fd)) continue;
    try { closeSync(fd); } catch { /* already closed: Node skips it too */ }
    try { openSync('/dev/null', fd === 0 ? 'r' : 'w'); } catch { /* left closed, which Node also skips */ }
  }
});
const source = join(root, 'src', 'cli', 'main.ts');
let cli;
if (!process.env.MORA_BUNDLED && existsSync(source) && existsSync(join(root, 'node_modules', 'tsx'))) {
  require('tsx/cjs');
  cli = require(source);
} else {
  cli = require(join(root, 'dist', 'cli.js'));
}
// A command's promise still pending when the event loop runs dry means a request that never settled (e.g. a proxy
// that dropped the CONNECT, with only an unref'd timer left): Node would exit 0 with nothing printed. Never success.
let pending = true;
process.on('beforeExit', () => {
  if (!pending) return;
  pending = false;
  process.stderr.write('mora: internal error: the command stopped with work pending (a request that never settled?)\n');
  process.exitCode = 1;
});
cli.main(process.argv.slice(2)).then(
  (code) => { pending = false; process.exitCode = code; },
  (err) => { pending = false; throw err; },
);
