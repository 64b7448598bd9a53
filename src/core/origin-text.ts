/**
 * How every view words a recommendation read from the cluster (MOrA's in-cluster run wrote it to a VPA's status):
 * `in-cluster, 3 h ago` in the tree and on the lenses, `in-cluster (VPA status, written 3 h ago)` in tooltips.
 */
import type { RecommendationOrigin } from './recommendation';

/** "3 h ago", "12 min ago", "2 d ago". Unix seconds. */
export function ageText(writtenAt: number, now: number): string {
  const s = Math.max(0, now - writtenAt);
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** Short: `in-cluster, 3 h ago`. */
export function originBrief(origin: RecommendationOrigin, now: number): string {
  return `in-cluster, ${ageText(origin.writtenAt, now)}`;
}

/** Long: `in-cluster (VPA status, written 3 h ago)`. */
export function originText(origin: RecommendationOrigin, now: number): string {
  return `in-cluster (VPA status, written ${ageText(origin.writtenAt, now)})`;
}
