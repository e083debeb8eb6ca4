/**
 * `berth container inspect [-s] CONTAINER...`: GET /containers/{name}/json (size=1 with -s),
 * printed by docker's inspect machinery (../../inspect.ts): the daemon's documents as one
 * indented array, or a template per container; missing ones reported at the end, exit 1.
 */
import { escapePath } from '../../../client/index.js';
import type { Cli } from '../../cli.js';
import { defineCommand } from '../../command.js';
import { INSPECT_FORMAT_HELP } from '../../common-flags.js';
import { decodeGo } from '../../format/gotype.js';
import { inspectAll, readText, type InspectDocument } from '../../inspect.js';
import { INSPECT_RESPONSE } from './inspect-types.js';

/**
 * The document as docker's typed InspectResponse sees it (inspect-types.ts): Go field names and
 * order, zero values for what the daemon left out, unknown fields dropped, Go maps in key order.
 */
export function typedInspectView(doc: unknown): unknown {
  return decodeGo(INSPECT_RESPONSE, doc);
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
