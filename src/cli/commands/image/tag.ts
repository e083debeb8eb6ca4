/**
 * `berth image tag` / `berth tag SOURCE TARGET`: POST /images/{source}/tag?repo=&tag=. As
 * docker's client, the source must be a valid reference or ID, and the target is normalized
 * (`myapp` is sent as repo=docker.io/library/myapp&tag=latest; a digest is refused).
 */
import { escapePath } from '../../../client/index.js';
import { CliError, defineCommand } from '../../command.js';
import { InvalidReference, checkTagSource, tagTarget } from '../../reference.js';

export default defineCommand({
  name: 'tag',
  usage: 'tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  description: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  flags: [] as const,
  args: { min: 2, max: 2 },
  interspersed: false,
  async run(cli, _opts, args) {
    const [source, target] = args as [string, string];
    let query: { repo: string; tag: string };
    try {
      checkTagSource(source);
      query = tagTarget(target);
    } catch (e) {
      if (e instanceof InvalidReference) throw new CliError(e.message);
      throw e;
    }
    await cli.client.post(`/images/${escapePath(source)}/tag`, { query });
  },
});
