/**
 * Finding JMeter and starting it. The binary is, in order: an explicit path (the setting mora.experiments.jmeterPath),
 * the environment variable MORA_JMETER, or `jmeter` on PATH.
 *
 * Debian bookworm's JMeter (2.13) cannot load any .jmx as installed: it runs on the system's XStream 1.4.20, which
 * since 1.4.18 forbids every type that is not allowed explicitly, and JMeter 2.13 allows none ("ForbiddenClassException:
 * org.apache.jmeter.save.ScriptWrapper"). JMeter itself allowed every type up to 3.x. When a run fails that way,
 * MOrA starts the same JMeter through a small BeanShell launcher (BeanShell ships with JMeter) that allows XStream's
 * types on JMeter's two savers and then calls JMeter's own entry point with the unchanged arguments. The .jmx is the
 * user's own test plan either way — JMeter plans can run scripts, so they are trusted input, as in JMeter itself.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

export const JMETER_INSTALL_HINT = 'install it (Debian/Ubuntu: sudo apt-get install jmeter jmeter-http) or set the setting mora.experiments.jmeterPath (or the environment variable MORA_JMETER) to the jmeter binary';

/** Where a binary name resolves on PATH, or undefined. A name with a slash is checked as a path. */
export function whichBinary(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  const isFile = (p: string) => { try { return statSync(p).isFile(); } catch { return false; } };
  if (name.includes('/')) return isFile(name) ? name : undefined;
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (isFile(p)) return p;
  }
  return undefined;
}

/** The jmeter binary to run; throws an actionable error when there is none. */
export function resolveJmeterBinary(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const asked = explicit?.trim() || env.MORA_JMETER?.trim() || 'jmeter';
  const found = whichBinary(asked, env.PATH ?? '');
  if (found) return found;
  const where = explicit?.trim() ? `the configured JMeter "${asked}"` : env.MORA_JMETER?.trim() ? `MORA_JMETER="${asked}"` : 'no `jmeter` on PATH';
  throw new Error(`JMeter is not installed (${where} does not exist): ${JMETER_INSTALL_HINT}`);
}

/** What the launcher needs: JMeter's home (bin/ApacheJMeter.jar), BeanShell's jar and a java. */
export interface JmeterLaunch {
  home: string;
  bshJar: string;
  java: string;
}

/**
 * JMeter's home for a binary: Debian's wrapper script names it (-Djmeter.home=…); Apache's distribution keeps the
 * script in <home>/bin. BeanShell is in <home>/lib (Apache) or /usr/share/java (Debian). Undefined when not found.
 */
export function findJmeterLaunch(binary: string, env: NodeJS.ProcessEnv = process.env): JmeterLaunch | undefined {
  let real = binary;
  try { real = realpathSync(binary); } catch { /* keep */ }
  const homes: string[] = [];
  try {
    if (statSync(real).size < 64 * 1024) {
      const m = /-Djmeter\.home=("?)([^"\s]+)\1/.exec(readFileSync(real, 'utf8'));
      if (m) homes.push(m[2]);
    }
  } catch { /* not readable: try the layout */ }
  homes.push(dirname(dirname(real)));
  const home = homes.find((h) => existsSync(join(h, 'bin', 'ApacheJMeter.jar')));
  if (!home) return undefined;
  const jars = (dir: string) => { try { return readdirSync(dir).filter((f) => /^bsh(-\d[\w.]*)?\.jar$/.test(f)).map((f) => join(dir, f)); } catch { return []; } };
  const bshJar = [...jars(join(home, 'lib')), ...jars('/usr/share/java')][0];
  if (!bshJar) return undefined;
  const javaHome = env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : undefined;
  const java = javaHome && existsSync(javaHome) ? javaHome : whichBinary('java', env.PATH ?? '') ?? 'java';
  return { home, bshJar, java };
}

/**
 * The BeanShell launcher (see the module comment). Arguments: JMeter's home, then JMeter's own arguments. It loads
 * jmeter.properties and the -J properties first, because JMeter's savers read them when their class initialises.
 */
export const JMETER_LAUNCHER_BSH = `// Written by MOrA (src/data/experiments/jmeter-install.ts): runs JMeter with XStream's types allowed.
home = bsh.args[0];
rest = new String[bsh.args.length - 1];
System.arraycopy(bsh.args, 1, rest, 0, rest.length);
driver = Class.forName("org.apache.jmeter.NewDriver");
lf = driver.getDeclaredField("loader");
lf.setAccessible(true);
loader = lf.get(null);
Thread.currentThread().setContextClassLoader(loader);
utils = loader.loadClass("org.apache.jmeter.util.JMeterUtils");
utils.getMethod("setJMeterHome", new Class[] { String.class }).invoke(null, new Object[] { home });
utils.getMethod("loadJMeterProperties", new Class[] { String.class }).invoke(null, new Object[] { home + "/bin/jmeter.properties" });
props = utils.getMethod("getJMeterProperties", new Class[0]).invoke(null, new Object[0]);
for (a : rest) {
  if (a.startsWith("-J")) {
    kv = a.substring(2);
    i = kv.indexOf('=');
    if (i > 0) props.setProperty(kv.substring(0, i), kv.substring(i + 1));
  }
}
saver = loader.loadClass("org.apache.jmeter.save.SaveService");
any = loader.loadClass("com.thoughtworks.xstream.security.AnyTypePermission").getField("ANY").get(null);
for (name : new String[] { "JMXSAVER", "JTLSAVER" }) {
  f = saver.getDeclaredField(name);
  f.setAccessible(true);
  f.get(null).addPermission(any);
}
driver.getMethod("main", new Class[] { String[].class }).invoke(null, new Object[] { rest });
`;

/** The command line of the launcher for JMeter arguments `args`, with the launcher script at `script`. */
export function launcherCommand(launch: JmeterLaunch, script: string, args: string[], jvmArgs: string[] = []): { cmd: string; args: string[] } {
  return {
    cmd: launch.java,
    args: [...jvmArgs, `-Djmeter.home=${launch.home}`, '-cp', `${join(launch.home, 'bin', 'ApacheJMeter.jar')}${delimiter}${launch.bshJar}`, 'bsh.Interpreter', script, launch.home, ...args],
  };
}
