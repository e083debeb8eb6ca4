/**
 * `docker import --change` / `docker commit --change`: Dockerfile instructions applied to an
 * image's runtime config (moby builder/dockerfile BuildFromConfig with the allowed subset).
 */
import { invalidParameter } from '../lib/index.js';
import type { ImageRuntimeConfig } from '../oci/index.js';

const ALLOWED = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];

/** JSON array form, or undefined when `rest` is not one. */
function jsonArray(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(rest);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    /* shell form */
  }
  return undefined;
}

/** Splits `k=v k2="v 2"` pairs, or the legacy `k v` single pair. */
function keyValues(instr: string, rest: string): [string, string][] {
  const out: [string, string][] = [];
  if (!/^[^\s=]+=/.test(rest)) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(rest);
    if (!m) throw invalidParameter(`${instr} requires at least one argument`);
    return [[m[1]!, m[2]!]];
  }
  const re = /([^\s=]+)=("((?:[^"\\]|\\.)*)"|'([^']*)'|(\S*))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest))) out.push([m[1]!, m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? m[5] ?? '')]);
  return out;
}

/** Applies `changes` to a copy of `config`. Throws invalidParameter with Docker's wording. */
export function applyChanges(config: ImageRuntimeConfig, changes: string[]): ImageRuntimeConfig {
  const c: ImageRuntimeConfig = structuredClone(config);
  let cmdSet = false;
  for (const change of changes) {
    const m = /^\s*(\S+)\s*([\s\S]*?)\s*$/.exec(change);
    if (!m) continue;
    const instr = m[1]!.toUpperCase();
    const rest = m[2]!;
    if (!ALLOWED.includes(instr)) throw invalidParameter(`${m[1]} is not a valid change command`);
    switch (instr) {
      case 'CMD':
        c.Cmd = jsonArray(rest) ?? ['/bin/sh', '-c', rest];
        cmdSet = true;
        break;
      case 'ENTRYPOINT':
        c.Entrypoint = jsonArray(rest) ?? ['/bin/sh', '-c', rest];
        // compat: moby's dispatchEntrypoint drops the Cmd unless a CMD came before it.
        if (!cmdSet) c.Cmd = null;
        break;
      case 'ENV': {
        const env = [...(c.Env ?? [])];
        for (const [k, v] of keyValues(instr, rest)) {
          const i = env.findIndex((e) => e.split('=', 1)[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        c.Env = env;
        break;
      }
      case 'LABEL':
        c.Labels = { ...(c.Labels ?? {}) };
        for (const [k, v] of keyValues(instr, rest)) c.Labels[k] = v;
        break;
      case 'EXPOSE':
        c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
        for (const p of rest.split(/\s+/).filter(Boolean)) {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw invalidParameter(`invalid containerPort: ${p}`);
          c.ExposedPorts[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
        }
        break;
      case 'VOLUME':
        c.Volumes = { ...(c.Volumes ?? {}) };
        for (const v of jsonArray(rest) ?? rest.split(/\s+/).filter(Boolean)) c.Volumes[v] = {};
        break;
      case 'USER':
        c.User = rest;
        break;
      case 'WORKDIR':
        c.WorkingDir = rest.startsWith('/') ? rest : `${c.WorkingDir || '/'}/${rest}`.replace(/\/+/g, '/');
        break;
      case 'STOPSIGNAL':
        c.StopSignal = rest;
        break;
      case 'ONBUILD':
        c.OnBuild = [...(c.OnBuild ?? []), rest];
        break;
    }
  }
  return c;
}
