/**
 * `berth image inspect IMAGE...`: GET /images/{name}/json per name, printed by docker's inspect
 * machinery (../../inspect.ts): the daemon's JSON as an indented array, or a template per image.
 * A missing image is reported as the daemon words it ("Error response from daemon: No such
 * image: x:latest") after the others are printed, exit 1.
 */
import { escapePath } from '../../../client/index.js';
import { defineCommand } from '../../command.js';
import { INSPECT_FORMAT_HELP } from '../../common-flags.js';
import { inspectAll, readText, withZeroFields } from '../../inspect.js';
import { encodePlatform, requireApiVersion } from '../../platform.js';

/** Go zero values of image.InspectResponse's omitempty fields, for templates. */
export const IMAGE_ZERO_FIELDS: Record<string, unknown> = {
  Created: '',
  Container: '',
  ContainerConfig: null,
  Variant: '',
  OsVersion: '',
  VirtualSize: 0,
  Descriptor: null,
  Manifests: null,
};

export default defineCommand({
  name: 'inspect',
  usage: 'inspect [OPTIONS] IMAGE [IMAGE...]',
  description: 'Display detailed information on one or more images',
  flags: [
    { name: 'format', short: 'f', kind: 'string', usage: INSPECT_FORMAT_HELP },
    {
      name: 'platform',
      kind: 'string',
      usage:
        "Inspect a specific platform of the multi-platform image.\nIf the image or the server is not multi-platform capable, the command will error out if the platform does not match.\n'os[/arch[/variant]]': Explicit platform (eg. linux/amd64)",
    },
  ] as const,
  args: { min: 1 },
  async run(cli, opts, args) {
    let platform: string | undefined;
    if (opts.platform) {
      await requireApiVersion(cli, '1.49', '--platform');
      platform = encodePlatform(opts.platform);
    }
    await inspectAll(cli, args, opts.format, async (ref) => {
      // compat: docker's client rejects an empty name before any request
      if (ref === '') throw new Error('Error: No such image: ');
      const res = await cli.client.request('GET', `/images/${escapePath(ref)}/json`, { query: { platform } });
      const raw = await readText(res.body);
      return { raw, value: withZeroFields(JSON.parse(raw), IMAGE_ZERO_FIELDS) };
    });
  },
});
