/**
 * Value parsers and validators of docker's container flags (docker/cli opts/, go-units,
 * go-connections), with their error texts:
 *
 *   ramInBytes     go-units RAMInBytes ("512m", "1.5g", "100 KiB"): --memory, --shm-size, ...
 *   parseCpus      opts.ParseCPUs, an exact rational ("1.5" -> 1500000000 nano CPUs)
 *   parseUlimit    go-units ParseUlimit ("nofile=1024:2048")
 *   readCsvLine    encoding/csv's Reader.Read of one record (--mount, --network, --gpus)
 *   parseKvFile    pkg/kvfile (--env-file, --label-file)
 *   validate*      the ListOpts validators: they check and may rewrite a value
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

/** A Go error text as the flag package reports it (`invalid argument "x" for "--y" flag: <text>`). */
export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}

const quote = (s: string) => JSON.stringify(s);

/** strconv.ParseFloat's accepted syntax (decimal, exponent, hex floats, inf/nan, underscores after a digit). */
function parseGoFloat(s: string): number {
  const t = s.trim() === s ? s : '';
  if (/^[+-]?(inf|infinity|nan)$/i.test(t)) return Number(t.replace(/inf(inity)?/i, 'Infinity').replace(/nan/i, 'NaN'));
  if (/^[+-]?(\d+(_\d+)*(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)([eE][+-]?\d+)?$/.test(t)) return Number(t.replace(/_/g, ''));
  throw new ValueError(`strconv.ParseFloat: parsing ${quote(s)}: invalid syntax`);
}

const BINARY: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** go-units RAMInBytes: a size with an optional binary unit (k, m, g, t, p, with b or ib). */
export function ramInBytes(sizeStr: string): number {
  let sep = -1;
  for (let i = sizeStr.length - 1; i >= 0; i--) {
    if ('01234567890. '.includes(sizeStr[i]!)) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw new ValueError(`invalid size: '${sizeStr}'`);
  const num = sizeStr[sep] !== ' ' ? sizeStr.slice(0, sep + 1) : sizeStr.slice(0, sep);
  let sfx = sizeStr.slice(sep + 1);
  let size = parseGoFloat(num);
  if (size < 0) throw new ValueError(`invalid size: '${sizeStr}'`);
  const bad = () => new ValueError(`invalid suffix: '${sfx}'`);
  if (sfx.length === 0) return Math.trunc(size);
  if (sfx.length > 3) throw bad();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') {
    if (sfx.length > 1) throw bad();
    return Math.trunc(size);
  }
  const mul = BINARY[sfx[0]!];
  if (mul === undefined) throw bad();
  size *= mul;
  if ((sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib')) throw bad();
  return Math.trunc(size);
}

/** opts.MemSwapBytes: -1 (unlimited) or a RAM size. */
export function memSwapBytes(s: string): number {
  return s === '-1' ? -1 : ramInBytes(s);
}

/** opts.ParseCPUs: a decimal (or a/b fraction) times 1e9, which must be a whole number. */
export function parseCpus(value: string): number {
  // big.Rat.SetString: "a/b", or a decimal with an optional exponent
  const frac = /^([+-]?\d+)\/(\d+)$/.exec(value);
  let num: bigint;
  let den: bigint;
  if (frac) {
    num = BigInt(frac[1]!);
    den = BigInt(frac[2]!);
    if (den === 0n) throw new ValueError(`failed to parse ${value} as a rational number`);
  } else {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(value);
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new ValueError(`failed to parse ${value} as a rational number`);
    const digits = (m[2] ?? '') + (m[3] ?? '');
    num = BigInt(digits === '' ? '0' : digits) * (m[1] === '-' ? -1n : 1n);
    let exp = -(m[3] ?? '').length + Number(m[4] ?? 0);
    den = 1n;
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den = 10n ** BigInt(-exp);
    exp = 0;
  }
  const nano = num * 1_000_000_000n;
  if (nano % den !== 0n) throw new ValueError('value is too precise');
  return Number(nano / den);
}

/** strconv.ParseInt(s, 10, 64) as a number, with Go's error text. */
export function parseInt64(s: string, fn = 'strconv.ParseInt'): number {
  if (!/^[+-]?\d+$/.test(s)) throw new ValueError(`${fn}: parsing ${quote(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) throw new ValueError(`${fn}: parsing ${quote(s)}: value out of range`);
  return Number(n);
}

/** strconv.ParseUint(s, 10, bits). */
export function parseUint(s: string, bits: number): number {
  if (!/^\d+$/.test(s)) throw new ValueError(`strconv.ParseUint: parsing ${quote(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n >= 1n << BigInt(bits)) throw new ValueError(`strconv.ParseUint: parsing ${quote(s)}: value out of range`);
  return Number(n);
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** time.ParseDuration for the --health-* flags (nanoseconds), with Go's error texts. */
export function parseDuration(orig: string): number {
  const invalid = () => new ValueError(`time: invalid duration ${quote(orig)}`);
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0;
  while (s !== '') {
    if (!/^[0-9.]/.test(s)) throw invalid();
    const int = /^[0-9]*/.exec(s)![0];
    s = s.slice(int.length);
    let frac = '';
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      frac = /^[0-9]*/.exec(s)![0];
      s = s.slice(frac.length);
      post = frac.length > 0;
    }
    if (int.length === 0 && !post) throw invalid();
    const unit = /^[^0-9.]*/.exec(s)![0];
    if (unit.length === 0) throw new ValueError(`time: missing unit in duration ${quote(orig)}`);
    s = s.slice(unit.length);
    const mul = DURATION_UNITS[unit];
    if (mul === undefined) throw new ValueError(`time: unknown unit ${quote(unit)} in duration ${quote(orig)}`);
    total += Number(int || '0') * mul + (frac ? Math.trunc(Number('0.' + frac) * mul) : 0);
    if (total > 9223372036854775807) throw invalid();
  }
  return neg ? -total : total;
}

const ULIMIT_NAMES = new Set(['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack']);

export interface UlimitValue {
  Name: string;
  Hard: number;
  Soft: number;
}

/** go-units ParseUlimit: `name=soft[:hard]`. */
export function parseUlimit(val: string): UlimitValue {
  const eq = val.indexOf('=');
  if (eq < 0) throw new ValueError(`invalid ulimit argument: ${val}`);
  const name = val.slice(0, eq);
  if (!ULIMIT_NAMES.has(name)) throw new ValueError(`invalid ulimit type: ${name}`);
  const limits = val.slice(eq + 1).split(':');
  if (limits.length > 2) throw new ValueError(`too many limit value arguments - ${val.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  const soft = parseInt64(limits[0]!);
  const hard = limits.length === 2 ? parseInt64(limits[1]!) : soft;
  if (hard !== -1) {
    if (soft === -1) throw new ValueError(`ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: ${hard}`);
    if (soft > hard) throw new ValueError(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  }
  return { Name: name, Hard: hard, Soft: soft };
}

/**
 * encoding/csv's Reader.Read of the first record of `s` (comma-separated, `"` quoting with
 * `""` escapes), with its error texts.
 */
export function readCsvLine(s: string): string[] {
  const line = s.split('\n')[0]!.replace(/\r$/, '');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] !== '"') {
      const comma = line.indexOf(',', i);
      const field = comma < 0 ? line.slice(i) : line.slice(i, comma);
      const q = field.indexOf('"');
      if (q >= 0) throw new ValueError(`parse error on line 1, column ${i + q + 1}: bare " in non-quoted field`);
      fields.push(field);
      if (comma < 0) return fields;
      i = comma + 1;
      continue;
    }
    let field = '';
    let j = i + 1;
    for (;;) {
      const q = line.indexOf('"', j);
      if (q < 0) throw new ValueError(`parse error on line 1, column ${line.length + 1}: extraneous or missing " in quoted-field`);
      field += line.slice(j, q);
      if (line[q + 1] === '"') {
        field += '"';
        j = q + 2;
        continue;
      }
      if (q + 1 === line.length) {
        fields.push(field);
        return fields;
      }
      if (line[q + 1] === ',') {
        fields.push(field);
        i = q + 2;
        break;
      }
      throw new ValueError(`parse error on line 1, column ${q + 2}: extraneous or missing " in quoted-field`);
    }
  }
}

/** The ENOENT-style sentence Go's os.Open prints. */
export function goOpenError(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const text: Record<string, string> = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory' };
  return `open ${path}: ${text[code ?? ''] ?? (err as Error).message}`;
}

/**
 * pkg/kvfile Parse: `KEY=value` lines (leading whitespace and `#` comments skipped); a bare
 * KEY takes its value from `lookup`, or is left out when lookup finds nothing.
 */
export function parseKvFile(filename: string, lookup: ((key: string) => string | undefined) | undefined): string[] {
  let data: Buffer;
  try {
    data = readFileSync(filename);
  } catch (e) {
    throw new ValueError(goOpenError(filename, e));
  }
  const lines: string[] = [];
  const raw = data.toString('latin1').split('\n');
  if (raw[raw.length - 1] === '') raw.pop();
  for (let n = 0; n < raw.length; n++) {
    const bytes = Buffer.from(raw[n]!.replace(/\r$/, ''), 'latin1');
    const text = bytes.toString('utf8');
    if (Buffer.from(text, 'utf8').compare(bytes) !== 0) {
      throw new ValueError(`invalid env file (${filename}): invalid utf8 bytes at line ${n + 1}: [${[...bytes].join(' ')}]`);
    }
    let line = n === 0 ? text.replace(/^\uFEFF/, '') : text;
    line = line.replace(/^\s+/u, '');
    if (line.length === 0 || line[0] === '#') continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    if (key.length === 0) throw new ValueError(`invalid env file (${filename}): no variable name on line '${line}'`);
    if (/[ \t]/.test(key)) throw new ValueError(`invalid env file (${filename}): variable '${key}' contains whitespaces`);
    if (eq >= 0) {
      lines.push(line);
      continue;
    }
    const v = lookup?.(line);
    if (v !== undefined) lines.push(`${key}=${v}`);
  }
  return lines;
}

// ---- ListOpts validators (each returns the value as docker stores it)

/** opts.ValidateEnv: a name is required; `NAME` alone takes the value from the environment. */
export function validateEnv(val: string, lookup?: (key: string) => string | undefined): string {
  const eq = val.indexOf('=');
  const k = eq < 0 ? val : val.slice(0, eq);
  if (k === '') throw new ValueError(`invalid environment variable: ${val}`);
  if (eq >= 0) return val;
  const v = lookup?.(k);
  return v !== undefined ? `${k}=${v}` : val;
}

/** opts.ValidateLabel. */
export function validateLabel(value: string): string {
  const eq = value.indexOf('=');
  const key = (eq < 0 ? value : value.slice(0, eq)).replace(/^[ \t]+/, '');
  if (key === '') throw new ValueError(`invalid label '${value}': empty name`);
  if (/[ \t]/.test(key)) throw new ValueError(`label '${key}' contains whitespaces`);
  return value;
}

const SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/** opts.ValidateSysctl: the namespaced sysctls only. */
export function validateSysctl(val: string): string {
  const eq = val.indexOf('=');
  const k = eq < 0 ? '' : val.slice(0, eq);
  if (eq < 0 || k === '') throw new ValueError(`sysctl '${val}' is not allowed`);
  if (SYSCTLS.has(k) || k.startsWith('net.') || k.startsWith('fs.mqueue.')) return val;
  throw new ValueError(`sysctl '${val}' is not allowed`);
}

/** net.ParseIP(...).String(), or undefined when `s` is not an address. */
export function canonicalIP(s: string): string | undefined {
  if (s.includes('%')) return undefined;
  const kind = isIP(s);
  if (kind === 4) return s.split('.').map(Number).join('.');
  if (kind !== 6) return undefined;
  const host = new URL(`http://[${s}]/`).hostname.slice(1, -1);
  // Go prints IPv4-mapped addresses in dotted form
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return host;
}

/** opts.ValidateIPAddress: the address in canonical form (surrounding spaces allowed). */
export function validateIPAddress(val: string): string {
  const ip = canonicalIP(val.trim());
  if (ip === undefined) throw new ValueError(`IP address is not correctly formatted: ${val}`);
  return ip;
}

/** opts.ValidateDNSSearch. */
export function validateDNSSearch(val: string): string {
  const v = val.replace(/^ +| +$/g, '');
  if (v === '.') return v;
  const m = /^(:?(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))(:?\.(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])))*)\.?\s*$/.exec(v);
  if (!/[a-zA-Z]/.test(v) || !m || m[1]!.length >= 255) throw new ValueError(`${v} is not a valid domain`);
  return m[1]!;
}

/** opts.ValidateExtraHost: `name:ip` or `name=ip` (brackets allowed), normalized to `name:ip`. */
export function validateExtraHost(val: string): string {
  let sep = val.indexOf('=');
  if (sep < 0) sep = val.indexOf(':');
  const k = sep < 0 ? val : val.slice(0, sep);
  let v = sep < 0 ? '' : val.slice(sep + 1);
  if (sep < 0 || k === '' || k.includes(':')) throw new ValueError(`bad format for add-host: ${quote(val)}`);
  if (v !== 'host-gateway') {
    if (v.length > 2 && v[0] === '[' && v[v.length - 1] === ']') v = v.slice(1, -1);
    if (canonicalIP(v.trim()) === undefined) throw new ValueError(`invalid IP address in add-host: ${quote(v)}`);
  }
  return `${k}:${v}`;
}

/** validateAttach: stdin, stdout or stderr, any case; stored lower-case. */
export function validateAttach(val: string): string {
  const s = val.toLowerCase();
  if (s === 'stdin' || s === 'stdout' || s === 'stderr') return s;
  throw new ValueError('valid streams are STDIN, STDOUT and STDERR');
}

/** opts.ValidateLink: `name[:alias]`. */
export function validateLink(val: string): string {
  if (val === '') throw new ValueError('empty string specified for links');
  if (val.split(':').length > 2) throw new ValueError('bad format for links: ' + val);
  return val;
}

/** validateDeviceCgroupRule: `type major:minor mode`. */
export function validateDeviceCgroupRule(val: string): string {
  if (/^[acb] ([0-9]+|\*):([0-9]+|\*) [rwm]{1,3}$/.test(val)) return val;
  throw new ValueError(`invalid device cgroup format '${val}'`);
}

/** net.ParseMAC's accepted forms (6, 8 or 20 bytes; colon, dash or dot groups). */
export function isMacAddress(s: string): boolean {
  const t = s.trim();
  const colonOrDash = (sep: string) => new RegExp(`^[0-9a-fA-F]{2}(\\${sep}[0-9a-fA-F]{2}){5}$|^[0-9a-fA-F]{2}(\\${sep}[0-9a-fA-F]{2}){7}$|^[0-9a-fA-F]{2}(\\${sep}[0-9a-fA-F]{2}){19}$`);
  return colonOrDash(':').test(t) || colonOrDash('-').test(t) || /^[0-9a-fA-F]{4}(\.[0-9a-fA-F]{4}){2}$|^[0-9a-fA-F]{4}(\.[0-9a-fA-F]{4}){3}$|^[0-9a-fA-F]{4}(\.[0-9a-fA-F]{4}){9}$/.test(t);
}

/** opts.ConvertKVStringsToMap: `k=v` list to a map (later keys win; no `=` is an empty value). */
export function kvMap(values: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const v of values) {
    const eq = v.indexOf('=');
    m.set(eq < 0 ? v : v.slice(0, eq), eq < 0 ? '' : v.slice(eq + 1));
  }
  return m;
}

/** opts.ParseRestartPolicy: `name[:max-retries]`; "" leaves the policy unset. */
export function parseRestartPolicy(policy: string): { Name: string; MaximumRetryCount: number } {
  if (policy === '') return { Name: '', MaximumRetryCount: 0 };
  const i = policy.indexOf(':');
  const k = i < 0 ? policy : policy.slice(0, i);
  const v = i < 0 ? '' : policy.slice(i + 1);
  if (i >= 0 && k === '') throw new ValueError('invalid restart policy format: no policy provided before colon');
  let count = 0;
  if (v !== '') {
    if (!/^[+-]?\d+$/.test(v)) throw new ValueError('invalid restart policy format: maximum retry count must be an integer');
    count = Number(v);
  }
  return { Name: k, MaximumRetryCount: count };
}

/** The `duration` flags' check (pflag's time.ParseDuration). */
export const durationFlag = (v: string) => {
  parseDuration(v);
};
