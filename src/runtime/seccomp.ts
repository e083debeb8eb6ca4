/**
 * Seccomp, part two: a profile in Docker's format (the default one of seccomp-profile.ts, or the
 * file given to `--security-opt seccomp=<file>`, inlined by the CLI) resolved to the OCI
 * `linux.seccomp` of one container: the rules whose conditions hold, without the conditions
 * (moby `setupSeccomp`).
 */
import { invalidParameter } from '../lib/index.js';
import type { OciSeccomp, OciSeccompArg, OciSyscall } from './oci-spec.js';
import { DEFAULT_SECCOMP_PROFILE, SCMP_ARCH, type DockerSeccompProfile, type DockerSyscallRule, type SeccompTarget } from './seccomp-profile.js';

export {
  DEFAULT_SECCOMP_PROFILE,
  nativeArch,
  type DockerSeccompProfile,
  type DockerSyscallRule,
  type SeccompFilter,
  type SeccompTarget,
} from './seccomp-profile.js';
// ---------------------------------------------------------------------------------------------
// Resolving a profile for one container.
// ---------------------------------------------------------------------------------------------

/** `<kernel>.<major>` of a release string, as moby parseRelease (`%d.%d`). */
function parseRelease(release: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * A `minKernel` value (moby KernelVersion.UnmarshalJSON).
 * Throws invalidParameter `invalid kernel version: "4", expected "<kernel>.<major>"`.
 */
function parseMinKernel(v: unknown): [number, number] | undefined {
  const bad = (why = '') => invalidParameter(`invalid kernel version: ${JSON.stringify(v)}, expected "<kernel>.<major>"${why}`);
  if (typeof v !== 'string') throw bad();
  if (v === '') return undefined;
  const parts = v.split('.');
  if (parts.length !== 2 || !parts.every((p) => /^\d+$/.test(p) && Number(p) < 256)) throw bad();
  const [k, m] = parts.map(Number) as [number, number];
  if (k === 0 && m === 0) throw bad(': version cannot be 0.0');
  return [k, m];
}

function kernelAtLeast(release: string, min: [number, number]): boolean {
  const kv = parseRelease(release);
  if (!kv) throw invalidParameter(`failed to parse kernel version ${JSON.stringify(release)}`);
  return kv[0] > min[0] || (kv[0] === min[0] && kv[1] >= min[1]);
}

/** Whether a rule applies to the target (moby setupSeccomp's filter loop). */
function applies(rule: DockerSyscallRule, t: SeccompTarget): boolean {
  const ex = rule.excludes;
  if (ex) {
    if (ex.arches?.includes(t.arch)) return false;
    if (ex.caps?.some((c) => t.capabilities.includes(c))) return false;
    const min = parseMinKernel(ex.minKernel ?? '');
    if (min && kernelAtLeast(t.kernelRelease, min)) return false;
  }
  const inc = rule.includes;
  if (inc) {
    if (inc.arches && inc.arches.length > 0 && !inc.arches.includes(t.arch)) return false;
    if (inc.caps?.some((c) => !t.capabilities.includes(c))) return false;
    const min = parseMinKernel(inc.minKernel ?? '');
    if (min && !kernelAtLeast(t.kernelRelease, min)) return false;
  }
  return true;
}

function ociArg(a: OciSeccompArg): OciSeccompArg {
  for (const [k, v] of [['index', a.index], ['value', a.value], ['valueTwo', a.valueTwo ?? 0]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw invalidParameter(`seccomp: argument ${k} ${String(v)} is not an integer Berth can pass on exactly (0 to 2^53-1)`);
    }
  }
  return { index: a.index, value: a.value, ...(a.valueTwo ? { valueTwo: a.valueTwo } : {}), op: a.op };
}

/**
 * The OCI `linux.seccomp` of a profile for one container (moby setupSeccomp): the archMap entry
 * of the host's architecture expanded to `architectures`, the rules whose conditions hold, in
 * order, without their conditions. `undefined` for a profile with neither a default action nor
 * rules (Docker runs such a container unconfined).
 * Throws invalidParameter with moby's texts for `architectures` together with `archMap`, `name`
 * together with `names`, a bad `minKernel`, and for argument values beyond 2^53-1.
 */
export function resolveSeccompProfile(profile: Readonly<DockerSeccompProfile>, target: SeccompTarget): OciSeccomp | undefined {
  const rules = profile.syscalls ?? [];
  if (!profile.defaultAction && rules.length === 0) return undefined;
  if ((profile.architectures?.length ?? 0) > 0 && (profile.archMap?.length ?? 0) > 0) {
    throw invalidParameter(
      "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'",
    );
  }
  const architectures = [...(profile.architectures ?? [])];
  const native = SCMP_ARCH[target.arch];
  const entry = native === undefined ? undefined : profile.archMap?.find((a) => a.architecture === native);
  if (entry) architectures.push(entry.architecture, ...(entry.subArchitectures ?? []));

  const syscalls: OciSyscall[] = [];
  for (const r of rules) {
    let names = r.names ?? [];
    if (r.name) {
      if (names.length > 0) {
        throw invalidParameter("both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'");
      }
      names = [r.name];
    }
    if (!applies(r, target)) continue;
    syscalls.push({
      names: [...names],
      action: r.action,
      ...(r.errnoRet !== undefined ? { errnoRet: r.errnoRet } : {}),
      ...(r.args && r.args.length > 0 ? { args: r.args.map(ociArg) } : {}),
    });
  }
  // Field order of specs-go LinuxSeccomp; empty ones left out as Go's omitempty does.
  const out: OciSeccomp = { defaultAction: profile.defaultAction ?? '' };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;
  if (architectures.length > 0) out.architectures = architectures;
  if (profile.flags && profile.flags.length > 0) out.flags = [...profile.flags];
  if (profile.listenerPath) out.listenerPath = profile.listenerPath;
  if (profile.listenerMetadata) out.listenerMetadata = profile.listenerMetadata;
  if (syscalls.length > 0) out.syscalls = syscalls;
  return out;
}

/** Go's encoding/json matches object keys to struct fields case-insensitively; so do we. */
function canonicalKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonicalKeys);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const name = FIELD_NAMES.get(k.toLowerCase()) ?? k;
    out[name] = canonicalKeys(x);
  }
  return out;
}

const FIELD_NAMES = new Map(
  [
    'defaultAction', 'defaultErrnoRet', 'architectures', 'archMap', 'architecture', 'subArchitectures', 'flags',
    'listenerPath', 'listenerMetadata', 'syscalls', 'names', 'name', 'action', 'errnoRet', 'args', 'comment',
    'includes', 'excludes', 'caps', 'arches', 'minKernel', 'index', 'value', 'valueTwo', 'op',
  ].map((n) => [n.toLowerCase(), n]),
);

/**
 * A profile's JSON text (what `--security-opt seccomp=<file>` puts in HostConfig.SecurityOpt)
 * resolved for one container (moby LoadProfile).
 * Throws invalidParameter `Decoding seccomp profile failed: …` for text that is not a JSON
 * object, and as resolveSeccompProfile.
 */
export function loadSeccompProfile(json: string, target: SeccompTarget): OciSeccomp | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw invalidParameter(`Decoding seccomp profile failed: ${(e as Error).message}`, e);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalidParameter(`Decoding seccomp profile failed: json: cannot unmarshal ${Array.isArray(raw) ? 'array' : typeof raw} into Go value of type seccomp.Seccomp`);
  }
  const profile = canonicalKeys(raw) as DockerSeccompProfile;
  checkShape(profile);
  return resolveSeccompProfile(profile, target);
}

type Shape = 'string' | 'number' | 'strings' | { object: Record<string, Shape> } | { list: Shape };
const FILTER: Shape = { object: { caps: 'strings', arches: 'strings', minKernel: 'string' } };
const PROFILE_SHAPE: Shape = {
  object: {
    defaultAction: 'string',
    defaultErrnoRet: 'number',
    architectures: 'strings',
    archMap: { list: { object: { architecture: 'string', subArchitectures: 'strings' } } },
    flags: 'strings',
    listenerPath: 'string',
    listenerMetadata: 'string',
    syscalls: {
      list: {
        object: {
          names: 'strings',
          name: 'string',
          action: 'string',
          errnoRet: 'number',
          args: { list: { object: { index: 'number', value: 'number', valueTwo: 'number', op: 'string' } } },
          comment: 'string',
          includes: FILTER,
          excludes: FILTER,
        },
      },
    },
  },
};

/**
 * The type checks of Go's decoder, so a malformed profile is refused with a message rather
 * than failing somewhere later. null is accepted anywhere, as Go does.
 * Throws invalidParameter `Decoding seccomp profile failed: json: cannot unmarshal string into
 * Go struct field syscalls.names of type []string`.
 */
function checkShape(profile: unknown): void {
  const goType = (s: Shape): string =>
    s === 'strings' ? '[]string' : s === 'number' ? 'number' : s === 'string' ? 'string' : 'list' in s ? `[]${goType(s.list)}` : 'struct';
  const jsType = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'object' ? 'object' : typeof v);
  const walk = (v: unknown, s: Shape, path: string): void => {
    if (v === null || v === undefined) return;
    const fail = () => {
      throw invalidParameter(
        `Decoding seccomp profile failed: json: cannot unmarshal ${jsType(v)} into Go struct field ${path} of type ${goType(s)}`,
      );
    };
    if (s === 'string' || s === 'number') {
      if (typeof v !== s) fail();
    } else if (s === 'strings') {
      if (!Array.isArray(v)) fail();
      for (const x of v as unknown[]) if (x !== null && typeof x !== 'string') walk(x, 'string', path);
    } else if ('list' in s) {
      if (!Array.isArray(v)) fail();
      for (const x of v as unknown[]) walk(x, s.list, path);
    } else {
      if (jsType(v) !== 'object') fail();
      for (const [k, f] of Object.entries(s.object)) walk((v as Record<string, unknown>)[k], f, path ? `${path}.${k}` : k);
    }
  };
  walk(profile, PROFILE_SHAPE, '');
}

/** The value of `--security-opt seccomp=` that asks for the default profile (moby SeccompProfileDefault). */
export const SECCOMP_BUILTIN = 'builtin';
/** The value that runs without seccomp (moby SeccompProfileUnconfined). */
export const SECCOMP_UNCONFINED = 'unconfined';

/**
 * The `linux.seccomp` of a container (moby WithSeccomp, Docker 23+): `unconfined` none; a
 * privileged container none unless a profile is given explicitly; `builtin` or nothing the
 * default profile; anything else a profile's JSON text.
 */
export function containerSeccomp(setting: string | undefined, privileged: boolean, target: SeccompTarget): OciSeccomp | undefined {
  if (setting === SECCOMP_UNCONFINED) return undefined;
  if (privileged && !setting) return undefined;
  if (!setting || setting === SECCOMP_BUILTIN) return resolveSeccompProfile(DEFAULT_SECCOMP_PROFILE, target);
  return loadSeccompProfile(setting, target);
}
