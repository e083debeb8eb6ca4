/** API versions Berth speaks (moby's api/common.go). */
export const API_VERSION_MAX = '1.44';
export const API_VERSION_MIN = '1.24';
/** What /version reports as MinAPIVersion. */
export const API_VERSION_MIN_REPORTED = '1.24';

/** Compares dotted API versions: negative when a < b. */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export const versionLessThan = (a: string, b: string) => compareApiVersions(a, b) < 0;
export const versionAtLeast = (a: string, b: string) => compareApiVersions(a, b) >= 0;
