/**
 * HostConfig.SecurityOpt as the daemon reads it at create time (moby daemon/daemon_unix.go
 * parseSecurityOpt). The docker CLI has already consumed its client-side forms:
 * `systempaths=unconfined` became empty HostConfig.MaskedPaths/ReadonlyPaths, and
 * `seccomp=<file>` became the file's JSON text.
 */
import { invalidParameter } from '../lib/index.js';

export interface SecurityOptions {
  noNewPrivileges: boolean;
  /** `seccomp=`: `unconfined`, or a profile's JSON text. Unset: the default profile. */
  seccompProfile?: string;
  /** `apparmor=`: kept for `docker inspect`; this host has no AppArmor, so it is not applied. */
  apparmorProfile?: string;
  /** `label=…` and `disable`: SELinux labels; without SELinux they are accepted and unused. */
  labelOpts: string[];
}

/**
 * Parse SecurityOpt entries (`no-new-privileges`, `no-new-privileges=true|false`,
 * `seccomp=…`, `apparmor=…`, `label=…`, `disable`; `:` is the deprecated separator).
 * `daemonNoNewPrivileges` is the daemon-wide default (daemon.json `no-new-privileges`).
 * Throws invalidParameter `invalid --security-opt 1: "x"` (no separator) or
 * `invalid --security-opt 2: "x"` (unknown key, bad boolean).
 */
export function parseSecurityOpt(opts: readonly string[], daemonNoNewPrivileges = false): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: daemonNoNewPrivileges, labelOpts: [] };
  for (const opt of opts) {
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    if (opt === 'disable') {
      out.labelOpts.push('disable');
      continue;
    }
    const sep = opt.includes('=') ? '=' : opt.includes(':') ? ':' : undefined;
    if (sep === undefined) throw invalidParameter(`invalid --security-opt 1: ${JSON.stringify(opt)}`);
    const i = opt.indexOf(sep);
    const k = opt.slice(0, i);
    const v = opt.slice(i + 1);
    switch (k) {
      case 'label':
        out.labelOpts.push(v);
        break;
      case 'apparmor':
        out.apparmorProfile = v;
        break;
      case 'seccomp':
        out.seccompProfile = v;
        break;
      case 'no-new-privileges': {
        const b = parseGoBool(v);
        if (b === undefined) throw invalidParameter(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
        out.noNewPrivileges = b;
        break;
      }
      default:
        throw invalidParameter(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
    }
  }
  return out;
}

/** Go's strconv.ParseBool. */
function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}
