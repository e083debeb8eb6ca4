/**
 * `berth image push` / `berth push NAME[:TAG]`: POST /images/{name}/push?tag= with the stored
 * credentials (X-Registry-Auth), the progress on stdout. Without a tag docker 28 pushes
 * `:latest`; `-a` sends no tag (every tag of the repository). `-q` prints only the reference.
 */
import { escapePath } from '../../../client/index.js';
import { CliError, defineCommand } from '../../command.js';
import { displayJSONMessagesStream } from '../../jsonmessage.js';
import { familiarName, familiarString, nameOf, parseNamedArg, tagNameOnly } from '../../reference.js';
import { registryAuth } from '../container/create.js';

export default defineCommand({
  name: 'push',
  usage: 'push [OPTIONS] NAME[:TAG]',
  description: 'Upload an image to a registry',
  flags: [
    { name: 'all-tags', short: 'a', kind: 'bool', usage: 'Push all tags of an image to the repository' },
    { name: 'disable-content-trust', kind: 'bool', default: true, usage: 'Skip image signing' },
    { name: 'platform', kind: 'string', usage: 'Push a platform-specific manifest as a single-platform image to the registry.' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress verbose output' },
  ] as const,
  args: { min: 1, max: 1 },
  async run(cli, opts, args) {
    let ref = parseNamedArg(args[0]!);
    if (ref.digest) throw new CliError('cannot push a digest reference');
    if (opts.allTags && ref.tag) throw new CliError('tag can\'t be used with --all-tags/-a');
    if (!opts.allTags) ref = tagNameOnly(ref);
    const res = await cli.client.request('POST', `/images/${escapePath(nameOf(ref))}/push`, {
      query: { tag: ref.tag ?? '', platform: opts.platform || undefined },
      headers: { 'X-Registry-Auth': await registryAuth(cli, ref) },
    });
    const sink = opts.quiet ? { write: () => true } : cli.out;
    await displayJSONMessagesStream(res.body, sink, { isTerminal: !opts.quiet && !!cli.out.isTTY, width: cli.out.columns, now: () => cli.now() });
    if (opts.quiet) cli.out.write(`${opts.allTags ? familiarName(ref) : familiarString(ref)}\n`);
  },
});
