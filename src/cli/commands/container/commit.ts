/**
 * `berth container commit` / `berth commit CONTAINER [REPOSITORY[:TAG]]`: POST /commit with
 * the query docker's client builds (container, repo as the full name, tag "latest" by default,
 * comment, author, one `changes` per -c, pause=0 for --pause=false); prints the new image ID.
 */
import type { CommitResponse } from '../../../api/types/index.js';
import { CliError, defineCommand } from '../../command.js';
import { InvalidReference, nameOf, parseNormalizedNamed, tagNameOnly } from '../../reference.js';
import { checkName } from './session.js';

export default defineCommand({
  name: 'commit',
  usage: 'commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  description: "Create a new image from a container's changes",
  flags: [
    { name: 'author', short: 'a', kind: 'string', usage: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { name: 'change', short: 'c', kind: 'list', usage: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', kind: 'string', usage: 'Commit message' },
    { name: 'pause', short: 'p', kind: 'bool', default: true, usage: 'Pause container during commit' },
  ] as const,
  args: { min: 1, max: 2 },
  interspersed: false,
  async run(cli, opts, args) {
    const container = checkName(args[0]!);
    let repo = '';
    let tag = '';
    if (args[1]) {
      try {
        const ref = parseNormalizedNamed(args[1]);
        if (ref.digest !== undefined) throw new CliError('refusing to create a tag with a digest reference');
        const tagged = tagNameOnly(ref);
        repo = nameOf(tagged);
        tag = tagged.tag ?? '';
      } catch (e) {
        if (e instanceof InvalidReference) throw new CliError(e.message);
        throw e;
      }
    }
    const res = await cli.client.post<CommitResponse>('/commit', {
      query: { author: opts.author, changes: opts.change, comment: opts.message, container, pause: opts.pause ? undefined : '0', repo, tag },
    });
    cli.out.write(`${res.Id}\n`);
  },
});
