// Environment variables a test sets or clears for itself, put back as they were afterwards. Several CLI options take
// their default from the environment when the command is built (--prometheus from MORA_PROMETHEUS_URL), so a test that
// runs the CLI in-process clears what the machine's own shell may have set.

/** Values to set; `undefined` unsets the variable. */
export type EnvVars = Record<string, string | undefined>;

/** The variables that point the CLI at a Prometheus of the machine's own (cleared for in-process CLI runs). */
export const NO_MACHINE_PROMETHEUS: EnvVars = { MORA_PROMETHEUS_URL: undefined };

function apply(vars: EnvVars): EnvVars {
  const saved: EnvVars = {};
  for (const [name, value] of Object.entries(vars)) {
    saved[name] = process.env[name];
    if (value === undefined) delete process.env[name]; else process.env[name] = value;
  }
  return saved;
}

/** Runs `fn` with `vars` set (undefined: unset), restoring each one as it was however `fn` ends. */
export async function withEnv<T>(vars: EnvVars, fn: () => T | Promise<T>): Promise<T> {
  const saved = apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

/** In a mocha `describe`: `vars` set (undefined: unset) from its `before` to its `after`, then restored. */
export function suiteEnv(vars: EnvVars): void {
  let saved: EnvVars = {};
  before(() => { saved = apply(vars); });
  after(() => { apply(saved); });
}
