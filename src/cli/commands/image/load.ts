/**
 * `berth image load` / `berth load`: POST /images/load with the tar from `-i FILE` or stdin as
 * the (streamed, chunked) body, `Content-Type: application/x-tar`. `quiet=1` when -q is given or
 * stdout is not a terminal, else `quiet=0`. A JSON answer is displayed as a JSON-message stream
 * ("Loaded image: busybox:latest"); an errorDetail in it fails the command.
 */
import type { Readable } from 'node:stream';
import { CliError, defineCommand } from '../../command.js';
import { copyToOutput, openInput } from '../../files.js';
import { displayJSONMessagesStream } from '../../jsonmessage.js';
import { encodePlatform, requireApiVersion } from '../../platform.js';

export default defineCommand({
  name: 'load',
  usage: 'load [OPTIONS]',
  description: 'Load an image from a tar archive or STDIN',
  flags: [
    { name: 'input', short: 'i', kind: 'string', usage: 'Read from tar archive file, instead of STDIN' },
    {
      name: 'platform',
      kind: 'string',
      usage: 'Load only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")',
    },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress the load output' },
  ] as const,
  args: { max: 0 },
  async run(cli, opts) {
    if (opts.platform) await requireApiVersion(cli, '1.48', '--platform');
    let input: Readable | NodeJS.ReadableStream;
    if (opts.input === '') {
      // compat: a terminal on stdin means no archive was given; docker refuses instead of waiting
      if (cli.in.isTTY) throw new CliError('requested load from stdin, but stdin is empty');
      input = cli.in;
    } else {
      input = await openInput(opts.input);
    }
    const quiet = opts.quiet || !cli.out.isTTY;
    const platform = opts.platform ? [encodePlatform(opts.platform, 'invalid platform: ')] : [];
    try {
      const res = await cli.client.request('POST', '/images/load', {
        query: { quiet: quiet ? '1' : '0', platform },
        rawBody: input as AsyncIterable<Buffer>,
        headers: { 'Content-Type': 'application/x-tar' },
      });
      if (res.headers['content-type'] === 'application/json') {
        await displayJSONMessagesStream(res.body, cli.out, { isTerminal: !!cli.out.isTTY, width: cli.out.columns, now: () => cli.now() });
      } else {
        await copyToOutput(res.body, cli.out);
      }
    } finally {
      if (input !== cli.in) (input as Readable).destroy();
    }
  },
});
