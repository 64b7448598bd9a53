/** Runs fn with stdout taken for a pipe (isTTY false) and $COLUMNS as given (undefined: unset), restoring both after. */
export async function asPipe<T>(columns: string | undefined, fn: () => Promise<T>): Promise<T> {
  const tty = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
  const before = process.env.COLUMNS;
  Object.defineProperty(process.stdout, 'isTTY', { value: false, configurable: true, writable: true });
  if (columns === undefined) delete process.env.COLUMNS; else process.env.COLUMNS = columns;
  try {
    return await fn();
  } finally {
    if (tty) Object.defineProperty(process.stdout, 'isTTY', tty); else delete (process.stdout as { isTTY?: boolean }).isTTY;
    if (before === undefined) delete process.env.COLUMNS; else process.env.COLUMNS = before;
  }
}
