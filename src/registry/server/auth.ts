/** Access control of the registry server (none until configured). Filled in by the auth step. */
import type http from 'node:http';
import type { AccessController } from './server.js';
import type { RegistryConfig } from './config.js';

export interface Access {
  access: AccessController;
  extra?: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;
}

/** The access controller `cfg` asks for; undefined: everyone may do everything. */
export function makeAccess(cfg: RegistryConfig): Access | undefined {
  if (cfg.htpasswd || cfg.token) throw new Error('configuration: auth is not implemented yet (issue 9)');
  return undefined;
}
