import { main } from '../../../src/cli/main';

/** Runs `mora <args>` in-process, capturing stdout, stderr and the exit code. */
export async function mora(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const so = process.stdout.write.bind(process.stdout), se = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => { out += s; return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
  const prevExit = process.exitCode;
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    process.stdout.write = so; process.stderr.write = se; process.exitCode = prevExit;
  }
}
