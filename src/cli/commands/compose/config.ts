/**
 * `berth compose config`: the project after loading (interpolated, merged, normalised) as
 * YAML (or JSON); `--services`, `--volumes`, `--networks`, `--images` list names; `-q` only
 * validates.
 */
import { stringify } from 'yaml';
import { imageName, type Project } from '../../../compose/index.js';
import { defineComposeCommand } from './context.js';

/** Strings with `$` doubled, so that the output loads back to the same project. */
function escapeDollars(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/\$/g, '$$$$');
  if (Array.isArray(v)) return v.map(escapeDollars);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, escapeDollars(x)]));
  return v;
}

export function canonicalModel(p: Project): Record<string, unknown> {
  const services: Record<string, unknown> = {};
  for (const k of Object.keys(p.services).sort()) {
    const { name: _n, ...s } = p.services[k]!;
    // compat: Compose v2 prints a service's keys in name order
    const sorted = Object.fromEntries(Object.entries(s).sort(([a], [b]) => a.localeCompare(b)));
    services[k] = escapeDollars(sorted);
  }
  const out: Record<string, unknown> = { name: p.name, services };
  for (const section of ['networks', 'volumes', 'secrets', 'configs'] as const) if (Object.keys(p[section]).length) out[section] = p[section];
  return out;
}

export default defineComposeCommand({
  name: 'config',
  usage: 'config [OPTIONS] [SERVICE...]',
  description: 'Parse, resolve and render compose file in canonical format',
  flags: [
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only validate the configuration, don\'t print anything' },
    { name: 'services', kind: 'bool', usage: 'Print the service names, one per line' },
    { name: 'volumes', kind: 'bool', usage: 'Print the volume names, one per line' },
    { name: 'networks', kind: 'bool', usage: 'Print the network names, one per line' },
    { name: 'images', kind: 'bool', usage: 'Print the image names, one per line' },
    { name: 'profiles', kind: 'bool', usage: 'Print the profile names, one per line' },
    { name: 'format', kind: 'string', default: 'yaml', usage: 'Format the output. Values: [yaml | json]' },
    { name: 'output', short: 'o', kind: 'string', usage: 'Save to file (default to stdout)' },
  ] as const,
  async run(ctx, o, args) {
    const p = ctx.project(args);
    if (args.length) for (const k of Object.keys(p.services)) if (!args.includes(k)) delete p.services[k];
    if (o.quiet) return;
    const lines = (xs: Iterable<string>): void => void ctx.cli.out.write([...xs].map((x) => x + '\n').join(''));
    if (o.services) return lines(Object.keys(p.services));
    if (o.volumes) return lines(Object.keys(p.volumes));
    if (o.networks) return lines(Object.keys(p.networks));
    if (o.images) return lines(Object.values(p.services).map((s) => imageName(p, s)));
    if (o.profiles) return lines([...new Set(Object.values({ ...p.services, ...p.disabled }).flatMap((s) => s.profiles ?? []))].sort());
    const model = canonicalModel(p);
    const text = o.format === 'json' ? JSON.stringify(model, null, 4) + '\n' : stringify(model, { sortMapEntries: false, lineWidth: 0 });
    if (o.output) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(o.output, text);
      return;
    }
    ctx.cli.out.write(text);
  },
});
