/**
 * The registry's configuration, in the shape of distribution's config.yml (the keys it uses):
 *
 *   version: 0.1
 *   log: { level: info }
 *   storage: { filesystem: { rootdirectory: DIR }, delete: { enabled: true } }
 *   http: { addr: HOST:PORT, tls: { certificate: FILE, key: FILE } }
 *   auth:
 *     htpasswd: { realm: NAME, path: FILE }                 basic auth (bcrypt entries)
 *     token: { realm: URL, service: NAME, issuer: NAME,      bearer tokens from the built-in
 *              htpasswd: FILE, secret: TEXT,                 token endpoint (<realm>'s path),
 *              acl: [{ account: NAME|"*", name: GLOB, actions: [pull, push, delete, "*"] }] }
 *
 * The file is YAML (the block subset parsed below: maps, lists, scalars, comments) or JSON.
 * Flags (--addr, --root) override it.
 */
import { readFileSync } from 'node:fs';

export interface AclEntry {
  account: string;
  name: string;
  actions: string[];
}

export interface RegistryConfig {
  logLevel: string;
  root: string;
  addr: string;
  deleteEnabled: boolean;
  tls?: { certificate: string; key: string };
  htpasswd?: { realm: string; path: string };
  token?: { realm: string; service: string; issuer: string; htpasswd?: string; secret?: string; acl?: AclEntry[] };
}

type Yaml = string | number | boolean | null | Yaml[] | { [k: string]: Yaml };

function scalar(s: string): Yaml {
  const t = s.trim();
  if (t === '' || t === '~' || t === 'null') return null;
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  if (t.startsWith('[') && t.endsWith(']')) {
    return t.slice(1, -1).split(',').map((x) => scalar(x)).filter((x) => x !== null);
  }
  return t;
}

/** Parses the block subset of YAML config files use: nested maps, `- ` lists, scalars, comments. */
export function parseSimpleYaml(text: string): Yaml {
  const lines = text
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').replace(/^#.*$/, ''))
    .filter((l) => l.trim() !== '')
    .map((l) => ({ indent: l.length - l.trimStart().length, text: l.trim() }));
  let i = 0;
  const block = (indent: number): Yaml => {
    if (i >= lines.length) return null;
    if (lines[i]!.text.startsWith('- ') || lines[i]!.text === '-') {
      const list: Yaml[] = [];
      while (i < lines.length && lines[i]!.indent === indent && lines[i]!.text.startsWith('-')) {
        const rest = lines[i]!.text.slice(1).trim();
        if (rest === '') {
          i++;
          list.push(block(lines[i]?.indent ?? indent + 2));
        } else if (/^[\w.-]+:(\s|$)/.test(rest)) {
          // "- key: v" starts a map whose other keys are indented past the dash.
          lines[i] = { indent: indent + 2, text: rest };
          list.push(block(indent + 2));
        } else {
          i++;
          list.push(scalar(rest));
        }
      }
      return list;
    }
    const map: { [k: string]: Yaml } = {};
    while (i < lines.length && lines[i]!.indent === indent) {
      const m = /^("[^"]*"|'[^']*'|[^:]+):(?:\s+(.*))?$/.exec(lines[i]!.text);
      if (!m) throw new Error(`configuration: cannot parse line: ${lines[i]!.text}`);
      const key = String(scalar(m[1]!));
      i++;
      if (m[2] !== undefined && m[2] !== '') map[key] = scalar(m[2]);
      else if (i < lines.length && lines[i]!.indent > indent) map[key] = block(lines[i]!.indent);
      else if (i < lines.length && lines[i]!.indent === indent && lines[i]!.text.startsWith('- ')) map[key] = block(indent);
      else map[key] = null;
    }
    return map;
  };
  return block(lines[0]?.indent ?? 0);
}

const obj = (v: Yaml | undefined): Record<string, Yaml> => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
const str = (v: Yaml | undefined, d = ''): string => (v === null || v === undefined ? d : String(v));

/** Loads the config file (if any) and applies defaults; throws naming the bad key. */
export function loadRegistryConfig(file?: string): RegistryConfig {
  let doc: Record<string, Yaml> = {};
  if (file) {
    const text = readFileSync(file, 'utf8');
    doc = obj(text.trimStart().startsWith('{') ? (JSON.parse(text) as Yaml) : parseSimpleYaml(text));
  }
  const storage = obj(doc['storage']);
  const http = obj(doc['http']);
  const auth = obj(doc['auth']);
  const cfg: RegistryConfig = {
    logLevel: str(obj(doc['log'])['level'], 'info'),
    root: str(obj(storage['filesystem'])['rootdirectory'], '/var/lib/berth-registry'),
    addr: str(http['addr'], ':5000'),
    deleteEnabled: obj(storage['delete'])['enabled'] !== false,
  };
  const tls = obj(http['tls']);
  if (tls['certificate'] || tls['key']) {
    if (!tls['certificate'] || !tls['key']) throw new Error('configuration: http.tls needs both certificate and key');
    cfg.tls = { certificate: str(tls['certificate']), key: str(tls['key']) };
  }
  const hp = obj(auth['htpasswd']);
  if (auth['htpasswd'] !== undefined) {
    if (!hp['path']) throw new Error('configuration: auth.htpasswd.path is required');
    cfg.htpasswd = { realm: str(hp['realm'], 'basic-realm'), path: str(hp['path']) };
  }
  const tk = obj(auth['token']);
  if (auth['token'] !== undefined) {
    if (!tk['realm']) throw new Error('configuration: auth.token.realm is required');
    const acl = Array.isArray(tk['acl'])
      ? tk['acl'].map((e) => {
          const o = obj(e);
          return { account: str(o['account'], '*'), name: str(o['name'], '*'), actions: Array.isArray(o['actions']) ? o['actions'].map((a) => str(a)) : ['*'] };
        })
      : undefined;
    cfg.token = {
      realm: str(tk['realm']),
      service: str(tk['service'], 'berth-registry'),
      issuer: str(tk['issuer'], 'berth-registry'),
      htpasswd: tk['htpasswd'] ? str(tk['htpasswd']) : undefined,
      secret: tk['secret'] ? str(tk['secret']) : undefined,
      acl,
    };
  }
  return cfg;
}

/** Splits `HOST:PORT`, `:PORT`, `[v6]:PORT` (empty host: all interfaces). */
export function splitAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m) throw new Error(`invalid address ${JSON.stringify(addr)}: want HOST:PORT`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port: Number(m[3]) };
}
