/**
 * A minimal JMeter test plan (.jmx) that MOrA's JMeter driver (jmeter.ts) can run: HTTP GETs to one URL at a rate
 * and for a time given as JMeter properties, so one file serves every cell of a plan. Written for JMeter 2.13
 * (Debian bookworm's `jmeter` + `jmeter-http`) and readable by later versions.
 *
 * The plan has `segments` thread groups run one after the other (TestPlan.serialize_threadgroups), group i reading:
 *   threads.i        — concurrent users (0 skips the group)
 *   duration.i       — seconds (whole: JMeter's scheduler takes no fractions)
 *   ratePerMinute.i  — the Constant Throughput Timer's target (its unit is samples per minute), shared by the group's
 *                      threads so requests are spaced evenly across them
 *   loops.i          — iterations per thread, a cap on the requests (-1 = until the duration ends)
 * and host, port, protocol, path and timeoutMs for the request. A cell whose asked rate changes over time (step,
 * ramp, spike) needs one group per distinct stretch; a constant cell uses group 0 only.
 *
 * Before them a setUp Thread Group sends one GET to the same URL, labelled JMX_WARMUP_LABEL (the driver leaves it out
 * of the cell): JMeter's first request loads and sets up its HTTP client (classes, the SSL scheme, the first
 * connection), which took 2.8 s on a loaded 2-core machine (thread start to first sample, jmeter.log and JTL), and a
 * thread group's scheduled time counts from its threads' start — so without it the first stretch lost those seconds
 * of load, and a 6 s cell (2 s warm-up) sent 9 requests in its measured time instead of ~120 (0 when the start took
 * more than 4 s). The setUp group runs before every regular group, unscheduled, so the timed groups start warm.
 *
 * A hand-written .jmx can be simpler: a single thread group reading `${__P(rate)}` (req/s) or `${__P(ratePerMinute)}`,
 * `${__P(duration)}` and `${__P(threads)}` runs constant-rate cells.
 */

export interface JmxTemplateOptions {
  /** Thread groups, one per stretch of constant rate a cell may ask for. Default 5 (enough for every scenario). */
  segments?: number;
  /** Shown in JMeter's GUI. Default "MOrA load cell". */
  name?: string;
  /** Defaults baked into the ${__P(name,default)} lookups, so the file also runs by hand. */
  defaults?: { host?: string; port?: number; protocol?: 'http' | 'https'; path?: string; rate?: number; durationSeconds?: number };
}

/** The label (sampler name) of the template's warm-up request: the driver (jmeter.ts) does not count its samples. */
export const JMX_WARMUP_LABEL = 'mora warm-up';

/** How many rate stretches a generated plan holds by default: ramp (5 steps) is the longest scenario. */
export const DEFAULT_JMX_SEGMENTS = 5;

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A JMeter function default must not contain the argument separator or a closing parenthesis. */
function propDefault(s: string | number): string {
  return String(s).replace(/[,()\\]/g, (c) => `\\${c}`);
}

function prop(name: string, def: string | number): string {
  return xmlEscape(`\${__P(${name},${propDefault(def)})}`);
}

type Defaults = Required<NonNullable<JmxTemplateOptions['defaults']>>;

/** An HTTP GET of ${__P(host)}:${__P(port)}${__P(path)}, named `name` (its samples' label). */
function httpGet(name: string, d: Defaults): string {
  return `
        <HTTPSamplerProxy guiclass="HttpTestSampleGui" testclass="HTTPSamplerProxy" testname="${xmlEscape(name)}" enabled="true">
          <elementProp name="HTTPsampler.Arguments" elementType="Arguments" guiclass="HTTPArgumentsPanel" testclass="Arguments" testname="no arguments" enabled="true">
            <collectionProp name="Arguments.arguments"/>
          </elementProp>
          <stringProp name="HTTPSampler.domain">${prop('host', d.host)}</stringProp>
          <stringProp name="HTTPSampler.port">${prop('port', d.port)}</stringProp>
          <stringProp name="HTTPSampler.protocol">${prop('protocol', d.protocol)}</stringProp>
          <stringProp name="HTTPSampler.path">${prop('path', d.path)}</stringProp>
          <stringProp name="HTTPSampler.method">GET</stringProp>
          <boolProp name="HTTPSampler.follow_redirects">false</boolProp>
          <boolProp name="HTTPSampler.auto_redirects">false</boolProp>
          <boolProp name="HTTPSampler.use_keepalive">true</boolProp>
          <stringProp name="HTTPSampler.connect_timeout">${prop('timeoutMs', 10000)}</stringProp>
          <stringProp name="HTTPSampler.response_timeout">${prop('timeoutMs', 10000)}</stringProp>
        </HTTPSamplerProxy>`;
}

/** One request before the timed groups, unscheduled (see the module comment). */
function warmupGroup(d: Defaults): string {
  return `
      <SetupThreadGroup guiclass="SetupThreadGroupGui" testclass="SetupThreadGroup" testname="${JMX_WARMUP_LABEL}" enabled="true">
        <stringProp name="ThreadGroup.on_sample_error">continue</stringProp>
        <elementProp name="ThreadGroup.main_controller" elementType="LoopController" guiclass="LoopControlPanel" testclass="LoopController" testname="warm-up loop" enabled="true">
          <boolProp name="LoopController.continue_forever">false</boolProp>
          <stringProp name="LoopController.loops">1</stringProp>
        </elementProp>
        <stringProp name="ThreadGroup.num_threads">1</stringProp>
        <stringProp name="ThreadGroup.ramp_time">0</stringProp>
        <longProp name="ThreadGroup.start_time">0</longProp>
        <longProp name="ThreadGroup.end_time">0</longProp>
        <boolProp name="ThreadGroup.scheduler">false</boolProp>
        <stringProp name="ThreadGroup.duration"></stringProp>
        <stringProp name="ThreadGroup.delay"></stringProp>
      </SetupThreadGroup>
      <hashTree>${httpGet(JMX_WARMUP_LABEL, d)}
        <hashTree/>
      </hashTree>`;
}

function threadGroup(i: number, d: Defaults): string {
  // Group 0 runs by hand with the defaults; the others are skipped unless the driver gives them threads.
  const threads = i === 0 ? Math.max(1, Math.ceil(d.rate / 10)) : 0;
  return `
      <ThreadGroup guiclass="ThreadGroupGui" testclass="ThreadGroup" testname="stretch ${i}" enabled="true">
        <stringProp name="ThreadGroup.on_sample_error">continue</stringProp>
        <elementProp name="ThreadGroup.main_controller" elementType="LoopController" guiclass="LoopControlPanel" testclass="LoopController" testname="loop ${i}" enabled="true">
          <boolProp name="LoopController.continue_forever">false</boolProp>
          <stringProp name="LoopController.loops">${prop(`loops.${i}`, -1)}</stringProp>
        </elementProp>
        <stringProp name="ThreadGroup.num_threads">${prop(`threads.${i}`, threads)}</stringProp>
        <stringProp name="ThreadGroup.ramp_time">0</stringProp>
        <longProp name="ThreadGroup.start_time">0</longProp>
        <longProp name="ThreadGroup.end_time">0</longProp>
        <boolProp name="ThreadGroup.scheduler">true</boolProp>
        <stringProp name="ThreadGroup.duration">${prop(`duration.${i}`, d.durationSeconds)}</stringProp>
        <stringProp name="ThreadGroup.delay">0</stringProp>
      </ThreadGroup>
      <hashTree>${httpGet(`GET ${i}`, d)}
        <hashTree>
          <ConstantThroughputTimer guiclass="TestBeanGUI" testclass="ConstantThroughputTimer" testname="rate ${i}" enabled="true">
            <intProp name="calcMode">4</intProp>
            <stringProp name="throughput">${prop(`ratePerMinute.${i}`, d.rate * 60)}</stringProp>
          </ConstantThroughputTimer>
          <hashTree/>
        </hashTree>
      </hashTree>`;
}

/** The test plan's XML. calcMode 4 = "all active threads in current thread group (shared)". */
export function jmxTemplate(opts: JmxTemplateOptions = {}): string {
  const segments = opts.segments ?? DEFAULT_JMX_SEGMENTS;
  if (!Number.isInteger(segments) || segments < 1 || segments > 50) throw new Error(`segments must be a whole number from 1 to 50, got ${segments}`);
  const d: Defaults = { host: '127.0.0.1', port: 80, protocol: 'http', path: '/', rate: 10, durationSeconds: 10, ...opts.defaults };
  // The setUp group runs before the others wherever it stands (JMeter starts every setUp group first): last here, so
  // the file reads as the stretches, then their warm-up.
  const groups = Array.from({ length: segments }, (_, i) => threadGroup(i, d)).join('') + warmupGroup(d);
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by MOrA (src/data/experiments/jmx-template.ts). JMeter properties set the target and the load: see docs/EXPERIMENTS.md, "JMeter cells". -->
<jmeterTestPlan version="1.2" properties="2.8" jmeter="2.13">
  <hashTree>
    <TestPlan guiclass="TestPlanGui" testclass="TestPlan" testname="${xmlEscape(opts.name ?? 'MOrA load cell')}" enabled="true">
      <boolProp name="TestPlan.functional_mode">false</boolProp>
      <boolProp name="TestPlan.serialize_threadgroups">true</boolProp>
      <elementProp name="TestPlan.user_defined_variables" elementType="Arguments" guiclass="ArgumentsPanel" testclass="Arguments" testname="no variables" enabled="true">
        <collectionProp name="Arguments.arguments"/>
      </elementProp>
      <stringProp name="TestPlan.user_define_classpath"></stringProp>
    </TestPlan>
    <hashTree>${groups}
    </hashTree>
  </hashTree>
</jmeterTestPlan>
`;
}
