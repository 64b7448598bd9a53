/**
 * The time an HTML report says it was generated: `SOURCE_DATE_EPOCH` (whole seconds since 1970, the reproducible-builds
 * convention) when set, so a report made twice from the same input is the same bytes; otherwise now.
 */
import { UserError } from '../errors';

export function reportTime(env: NodeJS.ProcessEnv = process.env): Date {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return new Date();
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(Number(raw.trim())) || Number(raw.trim()) * 1000 > 8.64e15) {
    throw new UserError(`SOURCE_DATE_EPOCH must be whole seconds since 1970 (e.g. $(git log -1 --format=%ct)), got "${raw}"`);
  }
  return new Date(Number(raw.trim()) * 1000);
}
