/**
 * Daylight-saving clock changes in a series of local times without an offset (read as UTC): the clock going back repeats
 * a stretch of wall-clock times (01:00–02:00 twice in New York on 2026-11-01), going forward skips one (02:00–03:00 on
 * 2026-03-08). Which stretches real zones repeat or skip, and when, comes from the time-zone database the runtime carries
 * (Intl), not from a fixed night window: zones change at 00:00 (Cairo, Havana), 01:00 (London), 02:00, 03:00 (Athens),
 * 22:00 (Easter Island, which repeats 21:00–22:00), 02:45 (Chatham), by 30 min (Lord Howe) or 2 h (Troll). A gap or a
 * repeat that no zone's change explains on that date is an ordinary gap or duplicate.
 */

/** What the readers say of a clock change (`ReadSeries.clockChange`): the stretch repeated, the stretch skipped. */
export interface ClockChange {
  repeated?: string;
  skipped?: string;
}

export const CLOCK_CHANGE_FIX = 'a daylight-saving change in local time? give times with an offset or in UTC';

/** A zone's clock change: the wall-clock time it happened at (`wall`, seconds as read as UTC, in the offset before) and by how much (s). */
interface Change { zone: string; wall: number; delta: number }

/** Days (wall-clock, as UTC day numbers) looked at for one series at most: a series with more candidate days is no clock change. */
const MAX_DAYS = 16;

let formats: Array<{ zone: string; fmt: Intl.DateTimeFormat }> | undefined;
/** Every time zone the runtime knows, each with a formatter (made once: ~70 ms for ~420 zones). */
function zoneFormats(): Array<{ zone: string; fmt: Intl.DateTimeFormat }> {
  if (!formats) {
    let zones: string[] = [];
    try { zones = Intl.supportedValuesOf('timeZone'); } catch { zones = []; }
    formats = zones.map((zone) => ({ zone, fmt: new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }) }));
  }
  return formats;
}

/** A zone's offset from UTC (s) at instant `s` (Unix seconds). */
function offsetAt(fmt: Intl.DateTimeFormat, s: number): number {
  let y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  for (const p of fmt.formatToParts(new Date(s * 1000))) {
    if (p.type === 'year') y = Number(p.value);
    else if (p.type === 'month') mo = Number(p.value);
    else if (p.type === 'day') d = Number(p.value);
    else if (p.type === 'hour') h = Number(p.value);
    else if (p.type === 'minute') mi = Number(p.value);
    else if (p.type === 'second') se = Number(p.value);
  }
  return Date.UTC(y, mo - 1, d, h, mi, se) / 1000 - s;
}

const byDay = new Map<number, Change[]>();
/** The clock changes of every zone around wall-clock day `day` (UTC day number): one per zone at most, found by halving. */
function changesAround(day: number): Change[] {
  let found = byDay.get(day);
  if (found) return found;
  found = [];
  // Every zone's wall day `day` lies within these instants (offsets from −12 h to +14 h), with two hours to spare.
  const from = day * 86_400 - 16 * 3600, to = (day + 1) * 86_400 + 14 * 3600;
  for (const { zone, fmt } of zoneFormats()) {
    const before = offsetAt(fmt, from), after = offsetAt(fmt, to);
    if (before === after) continue;
    let lo = from, hi = to;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(fmt, mid) === before) lo = mid; else hi = mid;
    }
    found.push({ zone, wall: hi + before, delta: after - before });
  }
  byDay.set(day, found);
  return found;
}

const hhmm = (x: number) => new Date(x * 1000).toISOString().slice(11, 16);
const dayText = (x: number) => new Date(x * 1000).toISOString().slice(0, 10);
const stretch = (from: number, to: number) => `${hhmm(from)}–${hhmm(to)} on ${dayText(from)}`;
const listed = (s: readonly string[]) => `${s.slice(0, 3).join(', ')}${s.length > 3 ? ` and ${s.length - 3} more` : ''}`;

/** The median step between the distinct times of `t` (NaN with fewer than two). */
function medianStep(t: readonly number[]): number {
  const s = [...new Set(t)].sort((a, b) => a - b);
  const steps = s.slice(1).map((x, i) => x - s[i]).sort((a, b) => a - b);
  return steps.length ? steps[steps.length >> 1] : NaN;
}

/**
 * A series of local times (no offset) whose clock went back or forward: every timestamp repeated with another value
 * (`repeated`) within the stretch some zone's clock went back over on that date (the wall-clock times it repeats),
 * covering at least half of that stretch's steps; or, in a series of steps up to 30 min, a gap of one step plus the
 * stretch a zone's clock went forward over, that stretch inside it, no row there (a row of NaN holds its time). One
 * zone must explain them all. Undefined otherwise: an ordinary gap or duplicate, or one at a time no zone changes.
 */
export function clockChangeOf(t: readonly number[], repeated: readonly number[], missingAt: readonly number[]): ClockChange | undefined {
  // Rows without a value (NaN) still hold their time: a stretch of them is no stretch skipped.
  const ts = [...new Set([...t, ...missingAt])].sort((a, b) => a - b);
  const step = medianStep(ts);
  if (!(step > 0)) return undefined;
  const tol = Math.max(1, 0.01 * step);
  /** Each stretch said, with the zones whose change explains it; one zone must explain every stretch. */
  const stretches: Array<{ kind: 'repeated' | 'skipped'; from: number; to: number; zones: Set<string> }> = [];
  const days = new Set<number>();
  const gaps: Array<[number, number]> = [];
  if (step <= 1800) {
    for (let i = 0; i + 1 < ts.length; i++) if (ts[i + 1] - ts[i] >= step + 1800 - tol && ts[i + 1] - ts[i] <= step + 7200 + tol) gaps.push([ts[i], ts[i + 1]]);
  }
  for (const [a] of gaps) { days.add(Math.floor(a / 86_400)); days.add(Math.floor((a + step) / 86_400)); }
  for (const x of repeated) { days.add(Math.floor(x / 86_400)); days.add(Math.floor((x + 7200) / 86_400)); }
  if (days.size === 0 || days.size > MAX_DAYS) return undefined;
  const near = new Map<number, Change[]>();
  const changesNear = (x: number) => {
    const d = Math.floor(x / 86_400);
    let c = near.get(d);
    if (!c) { c = [...changesAround(d - 1), ...changesAround(d), ...changesAround(d + 1)]; near.set(d, c); }
    return c;
  };
  // Skipped: the stretch [wall, wall + delta) a forward change skips lies in the gap, which is one step plus that stretch.
  for (const [a, b] of gaps) {
    const zones = new Map<string, Set<string>>();
    for (const c of changesNear(a)) {
      if (c.delta <= 0 || c.wall <= a || c.wall > a + step + tol || Math.abs(b - a - step - c.delta) > tol) continue;
      const key = `${c.wall},${c.delta}`;
      zones.set(key, (zones.get(key) ?? new Set()).add(c.zone));
    }
    for (const [key, z] of zones) { const [wall, delta] = key.split(',').map(Number); stretches.push({ kind: 'skipped', from: wall, to: wall + delta, zones: z }); }
  }
  // Repeated: every repeat within [wall + delta, wall) of a backward change, each such stretch covered by half its steps at least.
  let repeatsExplained = repeated.length > 0;
  const repeatStretches = new Map<string, { from: number; to: number; zones: Set<string>; at: Set<number> }>();
  for (const x of repeated) {
    let hit = false;
    for (const c of changesNear(x)) {
      if (c.delta >= 0 || x < c.wall + c.delta || x >= c.wall) continue;
      const key = `${c.wall},${c.delta}`;
      let s = repeatStretches.get(key);
      if (!s) { s = { from: c.wall + c.delta, to: c.wall, zones: new Set(), at: new Set() }; repeatStretches.set(key, s); }
      s.zones.add(c.zone); s.at.add(x);
      hit = true;
    }
    if (!hit) { repeatsExplained = false; break; }
  }
  if (repeatsExplained) {
    for (const s of repeatStretches.values()) {
      if (s.at.size < Math.max(1, Math.floor(0.5 * (s.to - s.from) / step))) continue;
      stretches.push({ kind: 'repeated', from: s.from, to: s.to, zones: s.zones });
    }
    // Every repeat must lie in a stretch kept.
    const kept = stretches.filter((s) => s.kind === 'repeated');
    if (!repeated.every((x) => kept.some((s) => x >= s.from && x < s.to))) repeatsExplained = false;
  }
  const said = stretches.filter((s) => s.kind === 'skipped' || repeatsExplained);
  if (said.length === 0) return undefined;
  // One zone for the whole series: a zone that explains every stretch said.
  const common = [...said[0].zones].filter((z) => said.every((s) => s.zones.has(z)));
  if (common.length === 0) return undefined;
  const unique = (kind: 'repeated' | 'skipped') => [...new Map(said.filter((s) => s.kind === kind).sort((p, q) => p.from - q.from).map((s) => [s.from, stretch(s.from, s.to)])).values()];
  const rep = unique('repeated'), skip = unique('skipped');
  return {
    ...(rep.length ? { repeated: `times ${listed(rep)} occur twice: ${CLOCK_CHANGE_FIX}` } : {}),
    ...(skip.length ? { skipped: `times ${listed(skip)} are missing: ${CLOCK_CHANGE_FIX}` } : {}),
  };
}
