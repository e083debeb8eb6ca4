/**
 * `berth container inspect [-s] CONTAINER...`: GET /containers/{name}/json (size=1 with -s),
 * printed by docker's inspect machinery (../../inspect.ts): the daemon's documents as one
 * indented array, or a template per container; missing ones reported at the end, exit 1.
 */
import { escapePath } from '../../../client/index.js';
import type { Cli } from '../../cli.js';
import { defineCommand } from '../../command.js';
import { INSPECT_FORMAT_HELP } from '../../common-flags.js';
import { NIL_POINTER } from '../../format/gofmt.js';
import { inspectAll, readText, withZeroFields, type InspectDocument } from '../../inspect.js';

/** Go zero values of container.InspectResponse's omitempty fields (nil pointers), for templates. */
const ZERO_FIELDS: Record<string, unknown> = { Node: NIL_POINTER, SizeRw: NIL_POINTER, SizeRootFs: NIL_POINTER, ImageManifestDescriptor: NIL_POINTER };

/** The Go map fields of container.InspectResponse (dotted paths; `*` is every key of a map). */
const MAP_PATHS = [
  'Config.ExposedPorts',
  'Config.Volumes',
  'Config.Labels',
  'HostConfig.PortBindings',
  'HostConfig.LogConfig.Config',
  'HostConfig.StorageOpt',
  'HostConfig.Tmpfs',
  'HostConfig.Sysctls',
  'HostConfig.Annotations',
  'NetworkSettings.Ports',
  'NetworkSettings.Networks',
  'NetworkSettings.Networks.*.DriverOpts',
  'GraphDriver.Data',
];

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

/**
 * The document as docker's typed InspectResponse sees it: Go maps iterate (and {{json}}) in
 * key order, whatever the daemon's order was; omitted fields read as their zero values.
 */
export function typedInspectView(doc: unknown): unknown {
  if (doc === null || typeof doc !== 'object') return doc;
  const copy = structuredClone(doc) as Record<string, unknown>;
  const visit = (o: unknown, parts: string[]): unknown => {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return o;
    const obj = o as Record<string, unknown>;
    if (parts.length === 0) return sortKeys(obj);
    const [head, ...rest] = parts as [string, ...string[]];
    if (head === '*') {
      for (const k of Object.keys(obj)) obj[k] = visit(obj[k], rest);
    } else if (Object.hasOwn(obj, head)) obj[head] = visit(obj[head], rest);
    return obj;
  };
  for (const p of MAP_PATHS) visit(copy, p.split('.'));
  const state = copy['State'];
  if (state && typeof state === 'object' && !Object.hasOwn(state, 'Health')) {
    copy['State'] = withZeroFields(state, { Health: NIL_POINTER });
  }
  return withZeroFields(copy, ZERO_FIELDS);
}

/** ContainerInspectWithRaw. */
export async function inspectContainerRaw(cli: Cli, ref: string, size: boolean): Promise<InspectDocument> {
  const id = ref.trim();
  if (id === '') throw new Error('invalid container name or ID: value is empty');
  const res = await cli.client.request('GET', `/containers/${escapePath(id)}/json`, { query: { size } });
  const raw = await readText(res.body);
  return { raw, value: typedInspectView(JSON.parse(raw)) };
}

export default defineCommand({
  name: 'inspect',
  usage: 'inspect [OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Display detailed information on one or more containers',
  flags: [
    { name: 'format', short: 'f', kind: 'string', usage: INSPECT_FORMAT_HELP },
    { name: 'size', short: 's', kind: 'bool', usage: 'Display total file sizes' },
  ] as const,
  args: { min: 1 },
  async run(cli, opts, args) {
    await inspectAll(cli, args, opts.format, (ref) => inspectContainerRaw(cli, ref, opts.size));
  },
});
