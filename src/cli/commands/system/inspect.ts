/**
 * `berth inspect [--type TYPE] NAME|ID...` (docker's system inspect): each name is looked up
 * as a container, then an image, a network, a volume, (swarm objects when the daemon is a
 * swarm manager, which takes a GET /info to learn), and a plugin; "not found" answers (and
 * "not supported", "invalid reference format") move on to the next type, anything else is
 * the result. Nothing found: "Error: No such object: NAME". --type looks at one type only.
 * -s is for containers; other types print "WARNING: --size ignored for <type>".
 */
import type { Info } from '../../../api/types/index.js';
import { escapePath } from '../../../client/index.js';
import { isNotFound } from '../../../lib/index.js';
import type { Cli } from '../../cli.js';
import { CliError, defineCommand } from '../../command.js';
import { INSPECT_FORMAT_HELP } from '../../common-flags.js';
import { inspectAll, readText, withZeroFields, type InspectDocument } from '../../inspect.js';
import { IMAGE_ZERO_FIELDS } from '../image/inspect.js';
import { inspectContainerRaw } from '../container/inspect.js';
import { VOLUME_TYPE } from '../volume/inspect.js';
import { decodeGo } from '../../format/gotype.js';

const ALL_TYPES = ['config', 'container', 'image', 'network', 'node', 'plugin', 'secret', 'service', 'task', 'volume'];
const TYPES_TEXT = `"${ALL_TYPES.join('", "')}"`;

interface Inspector {
  type: string;
  sizeSupported?: boolean;
  swarm?: boolean;
  get(cli: Cli, ref: string, size: boolean): Promise<InspectDocument>;
}

async function rawGet(cli: Cli, path: string, query?: Record<string, string | boolean | undefined>, zero: Record<string, unknown> = {}): Promise<InspectDocument> {
  const res = await cli.client.request('GET', path, { query });
  const raw = await readText(res.body);
  return { raw, value: withZeroFields(JSON.parse(raw), zero) };
}

const INSPECTORS: Inspector[] = [
  { type: 'container', sizeSupported: true, get: (cli, ref, size) => inspectContainerRaw(cli, ref, size) },
  { type: 'image', get: (cli, ref) => rawGet(cli, `/images/${escapePath(ref)}/json`, undefined, IMAGE_ZERO_FIELDS) },
  { type: 'network', get: (cli, ref) => rawGet(cli, `/networks/${escapePath(ref)}`) },
  {
    type: 'volume',
    get: async (cli, ref) => {
      const doc = await rawGet(cli, `/volumes/${escapePath(ref)}`);
      return { raw: doc.raw, value: decodeGo(VOLUME_TYPE, JSON.parse(doc.raw)) };
    },
  },
  { type: 'service', swarm: true, get: (cli, ref) => rawGet(cli, `/services/${escapePath(ref)}`, { insertDefaults: true }) },
  { type: 'task', swarm: true, get: (cli, ref) => rawGet(cli, `/tasks/${escapePath(ref)}`) },
  { type: 'node', swarm: true, get: (cli, ref) => rawGet(cli, `/nodes/${escapePath(ref)}`) },
  { type: 'plugin', get: (cli, ref) => rawGet(cli, `/plugins/${escapePath(ref)}/json`) },
  { type: 'secret', swarm: true, get: (cli, ref) => rawGet(cli, `/secrets/${escapePath(ref)}`) },
  { type: 'config', swarm: true, get: (cli, ref) => rawGet(cli, `/configs/${escapePath(ref)}`) },
];

/** isErrSkippable. */
function skippable(cli: Cli, e: unknown): boolean {
  const msg = cli.errorText(e);
  return isNotFound(e) || msg.includes('not supported') || msg.includes('invalid reference format');
}

export default defineCommand({
  name: 'inspect',
  usage: 'inspect [OPTIONS] NAME|ID [NAME|ID...]',
  description: 'Return low-level information on Docker objects',
  flags: [
    { name: 'format', short: 'f', kind: 'string', usage: INSPECT_FORMAT_HELP },
    { name: 'type', kind: 'string', usage: 'Only inspect objects of the given type' },
    { name: 'size', short: 's', kind: 'bool', usage: 'Display total file sizes if the type is container' },
  ] as const,
  args: { min: 1 },
  async run(cli, opts, args, { changed }) {
    if (changed.has('type') && opts.type === '') throw new CliError(`type is empty: must be one of ${TYPES_TEXT}`);
    if (opts.type !== '' && !ALL_TYPES.includes(opts.type)) throw new CliError(`unknown type: ${JSON.stringify(opts.type)}: must be one of ${TYPES_TEXT}`);
    const constraint = opts.type;
    await inspectAll(cli, args, opts.format, async (ref) => {
      let swarm: boolean | undefined;
      for (const ins of INSPECTORS) {
        if (constraint !== '' && ins.type !== constraint) continue;
        if (constraint === '' && ins.swarm) {
          if (swarm === undefined) {
            try {
              swarm = (await cli.client.get<Info>('/info')).Swarm?.ControlAvailable ?? false;
            } catch (e) {
              cli.err.write(cli.errorText(e) + '\n');
              swarm = false;
            }
          }
          if (!swarm) continue;
        }
        let doc: InspectDocument;
        try {
          doc = await ins.get(cli, ref, opts.size);
        } catch (e) {
          if (constraint === '' && skippable(cli, e)) continue;
          throw e;
        }
        if (opts.size && !ins.sizeSupported) cli.err.write(`WARNING: --size ignored for ${ins.type}\n`);
        return doc;
      }
      throw new Error(`Error: No such object: ${ref}`);
    });
  },
});
