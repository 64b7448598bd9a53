/** Atomic writes for CLI outputs, with a one-line error the user can act on (exit 2) instead of a stack trace. */
import { writeFileAtomic as atomic } from '../../core/atomic-write';
import { UserError } from '../errors';

export function writeFileAtomic(path: string, data: string): void {
  try {
    atomic(path, data);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new UserError(`${path}: cannot write (${code})`);
  }
}
