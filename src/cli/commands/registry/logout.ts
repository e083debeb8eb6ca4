/** `berth logout [SERVER]`: forgets the stored credentials of a registry (helper and config.json). */
import { authKey, saveConfigFile } from '../../config.js';
import { defineCommand } from '../../command.js';
import { eraseCredentials, helperFor } from '../../credentials.js';

export default defineCommand({
  name: 'logout',
  usage: 'logout [SERVER]',
  description: 'Log out from a registry',
  longDescription: 'Log out from a registry.\nIf no server is specified, the default is defined by the daemon.',
  flags: [] as const,
  args: { max: 1 },
  async run(cli, _opts, args) {
    const key = authKey(args[0] ?? '');
    const shown = key;
    const cfg = cli.config();
    // compat: docker 28 says this whether or not there were credentials
    cli.out.write(`Removing login credentials for ${shown}\n`);
    if (!cfg.auths?.[key] && !helperFor(cfg, key)) return;
    await eraseCredentials(cfg, key);
    saveConfigFile(cli.options.config, cfg);
  },
});
