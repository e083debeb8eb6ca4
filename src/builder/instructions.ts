/**
 * What the config-only instructions do to an image's runtime config (moby builder/dockerfile
 * dispatchers.go): ENV, LABEL, WORKDIR, USER, STOPSIGNAL, EXPOSE, VOLUME, CMD, ENTRYPOINT,
 * SHELL, ONBUILD, HEALTHCHECK. Each returns the text of its `#(nop)` history entry as dockerd
 * 20.10 writes it (`EXPOSE map[8080/tcp:{}]`, `CMD ["a" "b"]`, Go's %q of a slice).
 */
import { posix } from 'node:path';
import type { ImageRuntimeConfig } from '../oci/index.js';
import type { Instruction } from './dockerfile/parser.js';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** Go's %q of a string slice, as moby formats `CMD ["a" "b"]` in created_by. */
export const goList = (xs: readonly string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

export interface InstructionContext {
  /** One word with variables expanded (the instruction's environment). */
  word(w: string): string;
  /** Words split on blanks, variables expanded. */
  words(raw: string): string[];
  /** An error naming the Dockerfile and the instruction's line. */
  fail(msg: string): Error;
  /** The value of the instruction's `--name` flag. */
  flag(name: string): string | undefined;
  /** A CMD was given earlier in the stage. */
  cmdSet: boolean;
}

/** Go's time.Duration String() (`1h0m0s`, `1m30s`, `5s`, `500ms`). */
export function fmtDur(ns: number | undefined): string {
  if (!ns) return '0s';
  if (ns < 1e9) return ns % 1e6 === 0 ? `${ns / 1e6}ms` : ns % 1e3 === 0 ? `${ns / 1e3}µs` : `${ns}ns`;
  const total = ns / 1e9;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = Number((total % 60).toFixed(9));
  return (h ? `${h}h` : '') + (h || m ? `${m}m` : '') + `${sec}s`;
}

/** Go's time.ParseDuration (`1m30s`, `500ms`, `1.5h`); undefined when malformed. */
export function parseGoDuration(v: string): number | undefined {
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(v))) {
    total += Number(m[1]) * units[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos === 0 || pos !== v.length) return v === '0' ? 0 : undefined;
  return Math.round(total);
}

/**
 * Applies a config-only instruction to `c`; returns its history text (and whether it was a
 * CMD), or undefined when `ins` is not one of them. Throws x.fail(...) with Docker's wording.
 */
export function applyConfigInstruction(c: ImageRuntimeConfig, ins: Instruction, x: InstructionContext): { comment: string; cmdSet?: boolean } | undefined {
  switch (ins.cmd) {
      case 'env': {
        if (ins.args.length === 0) throw x.fail('ENV requires at least one argument');
        const list = [...(c.Env ?? [])];
        const parts: string[] = [];
        for (let i = 0; i < ins.args.length; i += 2) {
          const k = x.word(ins.args[i]!);
          const v = x.word(ins.args[i + 1]!);
          if (k === '') throw x.fail('ENV names can not be blank');
          parts.push(`${k}=${v}`);
          const j = list.findIndex((e) => e.split('=', 1)[0] === k);
          if (j >= 0) list[j] = `${k}=${v}`;
          else list.push(`${k}=${v}`);
        }
        c.Env = list;
        return { comment: `ENV ${parts.join(' ')}` };
      }
      case 'label': {
        if (ins.args.length === 0) throw x.fail('LABEL requires at least one argument');
        const labels = { ...(c.Labels ?? {}) };
        const parts: string[] = [];
        for (let i = 0; i < ins.args.length; i += 2) {
          const k = x.word(ins.args[i]!);
          const v = x.word(ins.args[i + 1]!);
          labels[k] = v;
          parts.push(`${k}=${v}`);
        }
        c.Labels = labels;
        return { comment: `LABEL ${parts.join(' ')}` };
      }
      case 'workdir': {
        if (ins.args.length === 0) throw x.fail('WORKDIR requires exactly one argument');
        const w = x.word(ins.args[0]!);
        c.WorkingDir = posix.isAbsolute(w) ? posix.normalize(w) : posix.join('/', c.WorkingDir || '/', w);
        return { comment: `WORKDIR ${c.WorkingDir}` };
      }
      case 'user':
        if (ins.args.length === 0) throw x.fail('USER requires exactly one argument');
        c.User = x.word(ins.args[0]!);
        return { comment: `USER ${c.User}` };
      case 'stopsignal':
        if (ins.args.length === 0) throw x.fail('STOPSIGNAL requires exactly one argument');
        c.StopSignal = x.word(ins.args[0]!);
        return { comment: `STOPSIGNAL ${c.StopSignal}` };
      case 'expose': {
        if (ins.args.length === 0) throw x.fail('EXPOSE requires at least one argument');
        const ports = { ...(c.ExposedPorts ?? {}) };
        for (const raw of ins.args) {
          for (const p of x.words(raw)) {
            const [range, proto = 'tcp'] = p.split('/');
            const m = /^(\d+)(?:-(\d+))?$/.exec(range!);
            if (!m) throw x.fail(`Invalid containerPort: ${p}`);
            const lo = Number(m[1]);
            const hi = m[2] ? Number(m[2]) : lo;
            for (let n = lo; n <= hi; n++) ports[`${n}/${proto.toLowerCase()}`] = {};
          }
        }
        c.ExposedPorts = ports;
        const keys = Object.keys(ports).sort();
        return { comment: `EXPOSE map[${keys.map((k) => `${k}:{}`).join(' ')}]` };
      }
      case 'volume': {
        if (ins.args.length === 0) throw x.fail('VOLUME requires at least one argument');
        const vols = { ...(c.Volumes ?? {}) };
        const list = ins.args.map((a) => x.word(a).trim());
        for (const v of list) {
          if (v === '') throw x.fail('VOLUME specified can not be an empty string');
          vols[v] = {};
        }
        c.Volumes = vols;
        return { comment: `VOLUME [${list.join(' ')}]` };
      }
      case 'cmd':
      case 'entrypoint': {
        const shell = c.Shell ?? DEFAULT_SHELL;
        const cmd = ins.json ? ins.args : ins.args.length ? [...shell, ins.args[0]!] : [];
        if (ins.cmd === 'cmd') c.Cmd = cmd;
        else {
          c.Entrypoint = cmd.length ? cmd : null;
          // compat: ENTRYPOINT resets a CMD inherited from the base image
          if (!x.cmdSet) c.Cmd = null;
        }
        return { comment: `${ins.cmd.toUpperCase()} ${goList(cmd)}`, cmdSet: ins.cmd === 'cmd' };
      }
      case 'shell':
        if (ins.args.length === 0) throw x.fail('SHELL requires at least one argument');
        c.Shell = ins.args;
        return { comment: `SHELL ${goList(ins.args)}` };
      case 'onbuild':
        c.OnBuild = [...(c.OnBuild ?? []), ins.args[0]!];
        return { comment: `ONBUILD ${ins.args[0]}` };
      case 'healthcheck': {
        const kind = ins.args[0];
        if (!kind) throw x.fail('HEALTHCHECK requires an argument');
        if (kind === 'NONE') {
          if (ins.args.length > 1) throw x.fail('HEALTHCHECK NONE takes no arguments');
          c.Healthcheck = { Test: ['NONE'] };
        } else if (kind === 'CMD') {
          const rest = ins.args.slice(1);
          if (rest.length === 0) throw x.fail('Missing command after HEALTHCHECK CMD');
          const test = ins.json ? ['CMD', ...rest] : ['CMD-SHELL', rest[0]!];
          const dur = (name: string): number | undefined => {
            const v = x.flag(name);
            if (v === undefined || v === '') return undefined;
            const d = parseGoDuration(v);
            if (d === undefined) throw x.fail(`time: invalid duration "${v}"`);
            return d;
          };
          const hc: NonNullable<ImageRuntimeConfig['Healthcheck']> = { Test: test };
          const interval = dur('interval');
          const timeout = dur('timeout');
          const start = dur('start-period');
          if (interval !== undefined) hc.Interval = interval;
          if (timeout !== undefined) hc.Timeout = timeout;
          if (start !== undefined) hc.StartPeriod = start;
          const retries = x.flag('retries');
          if (retries !== undefined) {
            if (!/^\d+$/.test(retries) || Number(retries) < 1) throw x.fail('--retries cannot be 0');
            hc.Retries = Number(retries);
          }
          c.Healthcheck = hc;
        } else throw x.fail(`Unknown type "${kind}" in HEALTHCHECK (try CMD)`);
        const h = c.Healthcheck!;
        return { comment: `HEALTHCHECK &{${goList(h.Test ?? [])} "${fmtDur(h.Interval)}" "${fmtDur(h.Timeout)}" "${fmtDur(h.StartPeriod)}" "0s" '\\x${(h.Retries ?? 0).toString(16).padStart(2, '0')}'}` };
      }
      default:
        return undefined;
  }
}
