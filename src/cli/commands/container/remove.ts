/**
 * `berth container rm|remove` / `berth rm CONTAINER...`: DELETE /containers/{name}
 * (v=1 with -v, link=1 with -l, force=1 with -f) for every name in parallel; names are
 * printed as they were given. With -f a container that does not exist is reported on stderr
 * and is not a failure.
 */
import { isNotFound } from '../../../lib/index.js';
import { defineCommand, StatusError } from '../../command.js';
import { containerPath } from './create.js';
import { checkName, forEachContainer } from './session.js';

export default defineCommand({
  name: 'rm',
  aliases: ['remove'],
  helpAliases: ['container rm', 'container remove', 'rm'],
  usage: 'rm [OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Remove one or more containers',
  flags: [
    { name: 'volumes', short: 'v', kind: 'bool', usage: 'Remove anonymous volumes associated with the container' },
    { name: 'link', short: 'l', kind: 'bool', usage: 'Remove the specified link' },
    { name: 'force', short: 'f', kind: 'bool', usage: 'Force the removal of a running container (uses SIGKILL)' },
  ] as const,
  args: { min: 1 },
  async run(cli, opts, args) {
    const errs = await forEachContainer(
      cli,
      args,
      async (name) => {
        const id = name.replace(/^\/+|\/+$/g, '');
        if (id === '') throw new Error('container name cannot be empty');
        await cli.client.delete(containerPath(checkName(id)), { query: { v: opts.volumes, link: opts.link, force: opts.force } });
      },
      (_name, err) => {
        if (!opts.force || !isNotFound(err)) return false;
        cli.err.write(cli.errorText(err) + '\n');
        return true;
      },
    );
    if (errs.length) throw new StatusError(errs.join('\n'), 1);
  },
});
