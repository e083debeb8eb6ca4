/**
 * Go's typed view of a JSON document, for templates that docker runs on its API structs
 * (`docker inspect -f`): docker decodes the daemon's JSON into a Go struct and the template
 * sees that struct, so
 *
 *   {{json .HostConfig}}   is json.Marshal of the struct: fields in declaration order, every field
 *                          (zero values included) but the omitempty ones, unknown keys dropped
 *   {{.Config}}            is fmt's %v of the struct: "{host  false ... map[] <nil> []}"
 *   {{.Config.Nope}}       fails (docker then retries on the raw document as a map)
 *
 * whatever order and subset of fields the daemon sent. A type is described once (GoType) and
 * `decodeGo` turns decoded JSON into values the template engine and gofmt understand:
 *
 *   Go              value here
 *   struct          GoStruct: fields as own properties (embedded structs' promoted too), printed
 *                   and marshalled through its type
 *   *T (nil)        NIL_POINTER ("<nil>", null)
 *   *T              the T value itself (templates indirect pointers; inside a printed struct a
 *                   pointer shows as an address, which Go makes up per run: 0xc000000000 here)
 *   []T (nil)       null ("[]", null); []T: Array
 *   map[string]T    Map (nil: an empty Map that marshals as null, see nilMap)
 *
 * Slices and maps carry their element type (GO_PRINT), so that pointers in them print as Go does.
 *   string, bool,   string, boolean, number
 *   integers
 *   time.Duration   number (nanoseconds), printed as Go's Duration.String()
 *   time.Time       the RFC 3339 text, printed as Go's Time.String()
 *   interface{}     the JSON value as decoded
 */
import { GO_PRINT, NIL_POINTER, printValue } from './gofmt.js';
import { GO_STRUCT, GO_TYPE } from './template-exec.js';

export type GoType =
  | { kind: 'string' | 'bool' | 'int' | 'float' | 'duration' | 'time' | 'interface' }
  | { kind: 'ptr'; elem: GoType }
  | { kind: 'slice'; elem: GoType }
  | { kind: 'array'; elem: GoType; len: number }
  | { kind: 'map'; elem: GoType }
  | GoStructType;

export interface GoStructType {
  kind: 'struct';
  /** Type name for error messages ("container.Config"). */
  name: string;
  fields: GoField[];
  /** fmt's String() method, when the type has one (called for pointers too). */
  stringer?: (v: GoStruct) => string;
}

export interface GoField {
  /** Go field name (what templates say). For an embedded struct, its type's name. */
  name: string;
  type: GoType;
  /** The JSON key when it differs from the field name (`json:"Id"`). */
  json?: string;
  omitempty?: boolean;
  /** An anonymous (embedded) struct or pointer to struct: its fields are promoted. */
  embedded?: boolean;
}

export const str: GoType = { kind: 'string' };
export const bool: GoType = { kind: 'bool' };
export const int: GoType = { kind: 'int' };
export const float: GoType = { kind: 'float' };
export const duration: GoType = { kind: 'duration' };
export const time: GoType = { kind: 'time' };
export const iface: GoType = { kind: 'interface' };
export const ptr = (elem: GoType): GoType => ({ kind: 'ptr', elem });
export const slice = (elem: GoType): GoType => ({ kind: 'slice', elem });
export const array = (elem: GoType, len: number): GoType => ({ kind: 'array', elem, len });
export const map = (elem: GoType): GoType => ({ kind: 'map', elem });
export const struct = (name: string, fields: GoField[], stringer?: (v: GoStruct) => string): GoStructType => ({ kind: 'struct', name, fields, stringer });
/** A field: `f('Env', slice(str))`, `f('ID', str, { json: 'Id' })`. */
export const f = (name: string, type: GoType, opts: Omit<GoField, 'name' | 'type'> = {}): GoField => ({ name, type, ...opts });
/** An embedded field: its fields are promoted, in templates and in JSON. */
export const embed = (type: GoType): GoField => {
  const t = type.kind === 'ptr' ? type.elem : type;
  if (t.kind !== 'struct') throw new Error('only structs embed');
  return { name: t.name.slice(t.name.lastIndexOf('.') + 1), type, embedded: true };
};


const nilMaps = new WeakSet<Map<unknown, unknown>>();

/** A nil Go map: empty for templates ("map[]", no entries), null in JSON. */
export function nilMap(): Map<string, unknown> {
  const m = new Map<string, unknown>();
  nilMaps.add(m);
  Object.defineProperty(m, 'toJSON', { value: () => null });
  return m;
}

/** Gives a decoded slice or map its Go type's %v. */
function typed<T extends object>(t: GoType, v: T): T {
  Object.defineProperty(v, GO_PRINT, { value: () => nested(t, v) });
  return v;
}

export function isNilMap(v: unknown): boolean {
  return v instanceof Map && nilMaps.has(v);
}

/** A decoded Go struct value. */
export class GoStruct {
  declare readonly [GO_STRUCT]: { type: GoStructType; values: unknown[] };
  declare readonly [GO_TYPE]: string;

  constructor(type: GoStructType, values: unknown[]) {
    Object.defineProperty(this, GO_STRUCT, { value: { type, values } });
    Object.defineProperty(this, GO_TYPE, { value: type.name });
    type.fields.forEach((fd, i) => {
      const v = values[i];
      if (fd.embedded && v instanceof GoStruct) {
        for (const k of Object.keys(v)) {
          if (!Object.hasOwn(this, k)) Object.defineProperty(this, k, { value: (v as unknown as Record<string, unknown>)[k], enumerable: true, configurable: true });
        }
      }
      // A field of the outer struct shadows a promoted one.
      Object.defineProperty(this, fd.name, { value: v, enumerable: true, configurable: true });
    });
  }

  /** fmt's %v: "{v1 v2 ...}" (or the type's String()). */
  [GO_PRINT](): string {
    const { type, values } = this[GO_STRUCT];
    if (type.stringer) return type.stringer(this);
    return '{' + type.fields.map((fd, i) => nested(fd.type, values[i])).join(' ') + '}';
  }

  /** json.Marshal: declaration order, JSON names, omitempty, embedded fields promoted. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const { type, values } = this[GO_STRUCT];
    type.fields.forEach((fd, i) => {
      const v = values[i];
      if (fd.embedded) {
        if (v instanceof GoStruct) for (const [k, x] of Object.entries(v.toJSON())) if (!Object.hasOwn(out, k)) out[k] = x;
        return;
      }
      if (fd.omitempty && isEmpty(fd.type, v)) return;
      out[fd.json ?? fd.name] = jsonOf(fd.type, v);
    });
    return out;
  }
}

export function isGoStruct(v: unknown): v is GoStruct {
  return v instanceof GoStruct;
}

/** encoding/json's "empty" for omitempty. */
function isEmpty(t: GoType, v: unknown): boolean {
  switch (t.kind) {
    case 'string':
    case 'time':
      return v === '';
    case 'bool':
      return v === false;
    case 'int':
    case 'float':
    case 'duration':
      return v === 0;
    case 'ptr':
    case 'interface':
      return v === NIL_POINTER || v === null || v === undefined;
    case 'slice':
    case 'array':
      return v === null || (Array.isArray(v) && v.length === 0);
    case 'map':
      return !(v instanceof Map) || v.size === 0;
    case 'struct':
      return false;
  }
}

/** What json.Marshal writes for `v` of type `t` (through gofmt's goJson). */
function jsonOf(t: GoType, v: unknown): unknown {
  if (v === NIL_POINTER || v === null || v === undefined) return null;
  if (t.kind === 'ptr') return jsonOf(t.elem, v);
  if (t.kind === 'map' && isNilMap(v)) return null;
  return v;
}

/** fmt's %v of a value inside a struct, slice or map (depth > 0). */
function nested(t: GoType, v: unknown): string {
  switch (t.kind) {
    case 'ptr': {
      if (v === NIL_POINTER || v === null || v === undefined) return '<nil>';
      const elem = t.elem;
      if (elem.kind === 'struct' && elem.stringer && v instanceof GoStruct) return elem.stringer(v);
      // compat: Go prints the address, different on every run.
      return '0xc000000000';
    }
    case 'slice':
    case 'array':
      return '[' + (Array.isArray(v) ? v.map((x) => nested(t.elem, x)).join(' ') : '') + ']';
    case 'map': {
      if (!(v instanceof Map)) return 'map[]';
      const keys = [...v.keys()].map(String).sort();
      return 'map[' + keys.map((k) => `${k}:${nested(t.elem, v.get(k))}`).join(' ') + ']';
    }
    case 'struct':
      return v instanceof GoStruct ? v[GO_PRINT]() : '{}';
    case 'duration':
      return goDuration(typeof v === 'number' ? v : 0);
    case 'time':
      return goTimeString(typeof v === 'string' ? v : '');
    default:
      return printValue(v);
  }
}

/** The zero value of a type. */
export function zeroOf(t: GoType): unknown {
  switch (t.kind) {
    case 'string':
      return '';
    case 'time':
      return '0001-01-01T00:00:00Z';
    case 'bool':
      return false;
    case 'int':
    case 'float':
    case 'duration':
      return 0;
    case 'ptr':
      return NIL_POINTER;
    case 'interface':
    case 'slice':
      return null;
    case 'array':
      return typed(t, Array.from({ length: t.len }, () => zeroOf(t.elem)));
    case 'map':
      return nilMap();
    case 'struct':
      return new GoStruct(t, t.fields.map((fd) => zeroOf(fd.type)));
  }
}

/** The key of `obj` encoding/json decodes into a field: exact first, then ignoring case. */
function keyFor(obj: Record<string, unknown>, name: string): string | undefined {
  if (Object.hasOwn(obj, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

/**
 * json.Unmarshal of an already parsed JSON value into type `t`. Values of the wrong JSON type
 * leave the zero value (Go would stop with an error; docker's daemon does not send those).
 */
export function decodeGo(t: GoType, v: unknown): unknown {
  switch (t.kind) {
    case 'string':
    case 'time':
      return typeof v === 'string' ? v : zeroOf(t);
    case 'bool':
      return typeof v === 'boolean' ? v : false;
    case 'int':
    case 'float':
    case 'duration':
      return typeof v === 'number' ? v : 0;
    case 'interface':
      return v === undefined ? null : v;
    case 'ptr':
      return v === null || v === undefined ? NIL_POINTER : decodeGo(t.elem, v);
    case 'slice':
      return Array.isArray(v) ? typed(t, v.map((x) => decodeGo(t.elem, x))) : null;
    case 'array': {
      const a = Array.isArray(v) ? v : [];
      return typed(t, Array.from({ length: t.len }, (_, i) => (i < a.length ? decodeGo(t.elem, a[i]) : zeroOf(t.elem))));
    }
    case 'map': {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return nilMap();
      return typed(t, new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, decodeGo(t.elem, x)])));
    }
    case 'struct': {
      const obj = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
      return new GoStruct(
        t,
        t.fields.map((fd) => {
          if (fd.embedded) {
            // Promoted fields come from the same JSON object; a nil embedded pointer stays nil
            // only when none of its fields is present.
            const et = fd.type.kind === 'ptr' ? fd.type.elem : fd.type;
            if (fd.type.kind === 'ptr' && et.kind === 'struct' && !et.fields.some((x) => x.embedded || keyFor(obj, x.json ?? x.name) !== undefined)) {
              return NIL_POINTER;
            }
            return decodeGo(et, obj);
          }
          const key = keyFor(obj, fd.json ?? fd.name);
          return key === undefined ? zeroOf(fd.type) : decodeGo(fd.type, obj[key]);
        }),
      );
    }
  }
}

/** Go's time.Duration.String(). */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(ns);
  let out: string;
  if (u < 1e9) {
    const [unit, div] = u < 1e3 ? ['ns', 1] : u < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    out = trimFrac(u / div) + unit;
  } else {
    const h = Math.floor(u / 3.6e12);
    u -= h * 3.6e12;
    const m = Math.floor(u / 6e10);
    u -= m * 6e10;
    out = (h > 0 ? `${h}h` : '') + (h > 0 || m > 0 ? `${m}m` : '') + trimFrac(u / 1e9) + 's';
  }
  return (neg ? '-' : '') + out;
}

function trimFrac(n: number): string {
  return String(Number(n.toFixed(9)));
}

/** Go's time.Time.String() of an RFC 3339 text, in the text's own offset. */
export function goTimeString(s: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return s;
  const frac = (m[3] ?? '').slice(0, 9).replace(/0+$/, '');
  const zone = m[4] === 'Z' ? '+0000 UTC' : `${m[4]!.replace(':', '')} ${m[4]!.replace(':', '').replace(/00$/, '')}`;
  return `${m[1]} ${m[2]}${frac ? '.' + frac : ''} ${zone}`;
}
