/**
 * `berth login [OPTIONS] [SERVER]`: POST /auth with the credentials (prompted for when not
 * given; `--password-stdin` reads the password from stdin), then stores them (credentials.ts:
 * a credential helper, else config.json's `auths[<server>].auth` = base64 of user:password;
 * docker.io as https://index.docker.io/v1/), with docker 28's warnings on stderr (the
 * unencrypted-storage one only without a helper) and "Login Succeeded" on stdout.
 */
import { authKey, saveConfigFile } from '../../config.js';
import { CliError, defineCommand } from '../../command.js';
import { readLine } from '../../prompt.js';
import { helperFor, storeCredentials } from '../../credentials.js';

interface AuthResponse {
  Status?: string;
  IdentityToken?: string;
}

export default defineCommand({
  name: 'login',
  usage: 'login [OPTIONS] [SERVER]',
  description: 'Authenticate to a registry',
  longDescription: 'Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.',
  flags: [
    { name: 'password', short: 'p', kind: 'string', usage: 'Password or Personal Access Token (PAT)' },
    { name: 'password-stdin', kind: 'bool', usage: 'Take the Password or Personal Access Token (PAT) from stdin' },
    { name: 'username', short: 'u', kind: 'string', usage: 'Username' },
  ] as const,
  args: { max: 1 },
  async run(cli, opts, args) {
    const server = args[0] ?? '';
    const key = authKey(server);
    let username = opts.username ?? '';
    let password = opts.password ?? '';
    if (opts.password) cli.err.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    if (opts.passwordStdin) {
      if (opts.password) throw new CliError('--password and --password-stdin are mutually exclusive');
      if (!username) throw new CliError('Must provide --username with --password-stdin');
      const chunks: Buffer[] = [];
      for await (const c of cli.in) chunks.push(Buffer.from(c as Buffer));
      password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '').replace(/\r$/, '');
    }
    if (!username) {
      cli.out.write('Username: ');
      username = (await readLine(cli.in))?.trim() ?? '';
      if (!username) throw new CliError('Error: Non-null Username Required');
    }
    if (!password) {
      cli.out.write('Password: ');
      password = (await readLine(cli.in)) ?? '';
      cli.out.write('\n');
      if (!password) throw new CliError('Error: Password Required');
    }
    const res = await cli.client.post<AuthResponse>('/auth', { body: { username, password, serveraddress: key } });
    const cfg = cli.config();
    await storeCredentials(cfg, key, { username, password, serveraddress: key, ...(res?.IdentityToken ? { identitytoken: res.IdentityToken } : {}) });
    const path = saveConfigFile(cli.options.config, cfg);
    if (!helperFor(cfg, key)) cli.err.write(
      `\nWARNING! Your credentials are stored unencrypted in '${path}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`,
    );
    cli.out.write(`${res?.Status || 'Login Succeeded'}\n`);
  },
});
