/** `--name <number>` from the command line, or the fallback: the benchmarks' numeric flags. */
export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
