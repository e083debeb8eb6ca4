/**
 * `berth image import` / `berth import file|URL|- [REPOSITORY[:TAG]]`: POST
 * /images/create?fromSrc=… . A file or stdin (`-`) is streamed as the body with `fromSrc=-`; an
 * http(s) URL is passed to the daemon to download. The reference goes as `repo` unsplit, as
 * docker's client sends it; --change (repeatable), --message and --platform ride along. The
 * answer is a JSON-message stream whose status is the new image's ID.
 */
import type { Readable } from 'node:stream';
import { CliError, defineCommand } from '../../command.js';
import { openInput } from '../../files.js';
import { displayJSONMessagesStream } from '../../jsonmessage.js';
import { requireApiVersion } from '../../platform.js';
import { InvalidReference, parseNormalizedNamed } from '../../reference.js';

export default defineCommand({
  name: 'import',
  usage: 'import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  description: 'Import the contents from a tarball to create a filesystem image',
  flags: [
    { name: 'change', short: 'c', kind: 'list', usage: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', kind: 'string', usage: 'Set commit message for imported image' },
    { name: 'platform', kind: 'string', usage: 'Set platform if server is multi-platform capable' },
  ] as const,
  args: { min: 1 },
  async run(cli, opts, args) {
    const platform = (opts.platform || cli.env['DOCKER_DEFAULT_PLATFORM'] || '').toLowerCase();
    if (opts.platform) await requireApiVersion(cli, '1.32', '--platform');
    const [source, ref = ''] = args as [string, string?];
    let body: Readable | NodeJS.ReadableStream | undefined;
    let fromSrc: string;
    if (source === '-') {
      body = cli.in;
      fromSrc = '-';
    } else if (source.startsWith('https://') || source.startsWith('http://')) {
      fromSrc = source;
    } else {
      body = await openInput(source);
      fromSrc = '-';
    }
    try {
      if (ref !== '') {
        try {
          parseNormalizedNamed(ref);
        } catch (e) {
          if (e instanceof InvalidReference) throw new CliError(e.message);
          throw e;
        }
      }
      const res = await cli.client.request('POST', '/images/create', {
        query: {
          fromSrc,
          repo: ref || undefined,
          message: opts.message || undefined,
          platform: platform || undefined,
          changes: opts.change,
        },
        // a URL source has no body (docker sends Content-Length: 0 and no Content-Type)
        rawBody: body ? (body as AsyncIterable<Buffer>) : undefined,
      });
      await displayJSONMessagesStream(res.body, cli.out, { isTerminal: !!cli.out.isTTY, width: cli.out.columns, now: () => cli.now() });
    } finally {
      if (body && body !== cli.in) (body as Readable).destroy();
    }
  },
});
