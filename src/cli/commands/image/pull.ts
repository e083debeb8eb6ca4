/**
 * `berth image pull` / `berth pull NAME[:TAG|@DIGEST]`: POST /images/create?fromImage=&tag=
 * with the stored credentials (X-Registry-Auth), the progress on stdout, then the reference
 * (docker 28 prints it last). `-a` sends no tag (every tag); `-q` prints only the reference.
 */
import { CliError, defineCommand } from '../../command.js';
import { displayJSONMessagesStream } from '../../jsonmessage.js';
import { familiarString, nameOf, parseNamedArg, tagNameOnly } from '../../reference.js';
import { registryAuth } from '../container/create.js';

export default defineCommand({
  name: 'pull',
  usage: 'pull [OPTIONS] NAME[:TAG|@DIGEST]',
  description: 'Download an image from a registry',
  flags: [
    { name: 'all-tags', short: 'a', kind: 'bool', usage: 'Download all tagged images in the repository' },
    { name: 'disable-content-trust', kind: 'bool', default: true, usage: 'Skip image verification' },
    { name: 'platform', kind: 'string', usage: 'Set platform if server is multi-platform capable' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress verbose output' },
  ] as const,
  args: { min: 1, max: 1 },
  async run(cli, opts, args) {
    let ref = parseNamedArg(args[0]!);
    if (opts.allTags && (ref.tag || ref.digest)) throw new CliError('tag can\'t be used with --all-tags/-a');
    if (!opts.allTags) ref = tagNameOnly(ref);
    const res = await cli.client.request('POST', '/images/create', {
      query: { fromImage: nameOf(ref), tag: ref.digest ?? ref.tag ?? '', platform: opts.platform ? opts.platform.toLowerCase() : undefined },
      headers: { 'X-Registry-Auth': await registryAuth(cli, ref) },
    });
    const sink = opts.quiet ? { write: () => true } : cli.out;
    await displayJSONMessagesStream(res.body, sink, { isTerminal: !opts.quiet && !!cli.out.isTTY, width: cli.out.columns, now: () => cli.now() });
    cli.out.write(`${opts.allTags ? familiarString({ domain: ref.domain, path: ref.path }) : familiarString(ref)}\n`);
  },
});
