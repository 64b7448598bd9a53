// One implementation, in test/harness/temp-dir.ts; kept here for the unit tests that import it from this path.
export { inTempDir } from '../../harness/temp-dir';
