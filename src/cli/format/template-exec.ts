/**
 * Executes a parsed template against JS data with text/template's semantics (see gofmt.ts for
 * how JS values stand for Go values).
 *
 * Field lookup `.Name` on an object: own or inherited property `Name`; failing that, the one key
 * equal to it ignoring case (docker's typed structs say `.APIVersion`/`.ID` where the JSON wire
 * object has `ApiVersion`/`id`, and `docker inspect` falls back to the raw map, so both spellings
 * work there too). A function-valued field is a method: it is called, with the command's
 * arguments. A missing key gives Go's invalid value ("<no value>"); with `strict` it is an error
 * on plain objects (Go's "can't evaluate field X in type T" for structs), while a JS Map keeps
 * map semantics.
 */
import type { Cmd, Operand, ParsedTemplate, Pipe, TNode } from './template-parse.js';
import { lineOf } from './template-parse.js';
import { isTrue, printValue } from './gofmt.js';

export type TemplateFunc = (...args: unknown[]) => unknown;

export interface ExecOptions {
  /** Missing fields of plain objects are errors (Go struct semantics). */
  strict?: boolean;
  /** Go type name of the data, for error messages ("*events.Message"). */
  typeName?: string;
  /**
   * Objects are Go maps decoded from JSON (docker's inspect fallback over the raw document):
   * keys match exactly, and a missing key is an error, as with Go's `missingkey=error`
   * (`map has no entry for key "Foo"`).
   */
  rawMaps?: boolean;
}

export class TemplateExecError extends Error {
  /** Output written before the error, as Go's Execute leaves it in the writer. */
  partial = '';
  constructor(message: string) {
    super(message);
    this.name = 'TemplateExecError';
  }
}

class Signal {
  constructor(readonly kind: 'break' | 'continue') {}
}

/** Marker for Go's "no value" of a missing map key vs. explicit undefined. */
const MISSING: unique symbol = Symbol('missing');
type Value = unknown;

interface State {
  out: string[];
  vars: { name: string; value: Value }[];
  funcs: Record<string, TemplateFunc>;
  opts: ExecOptions;
  tmpl: ParsedTemplate;
  root: Value;
  /** The node evaluated last (Go's state.at): where errors without a node of their own are reported. */
  at: { pos: number; src: string } | undefined;
}

function errorAt(st: State, pos: number, src: string, msg: string): never {
  const text = st.tmpl.source;
  const line = lineOf(text, pos);
  const nl = text.lastIndexOf('\n', pos - 1);
  const col = pos - nl - 1;
  throw new TemplateExecError(
    `template: ${st.tmpl.name}:${line}:${col}: executing "${st.tmpl.name}" at <${src}>: ${msg}`,
  );
}

/** An own property, or an inherited one that is not Object.prototype's (toString, ...). */
function hasField(obj: object, name: string): boolean {
  return Object.hasOwn(obj, name) || (name in obj && !(name in Object.prototype));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Map) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Optional Go type name of an object, for error messages ("*system.clientInfo"). */
export const GO_TYPE: unique symbol = Symbol('berth.goType');
/** Marks a typed Go struct (gotype.ts): its fields match exactly, as Go's do. */
export const GO_STRUCT: unique symbol = Symbol('berth.goStruct');
/** Methods of a Map standing for a Go map type with methods (docker's SubHeaderContext.Label). */
export const GO_METHODS: unique symbol = Symbol('berth.goMethods');

function typeNameOf(st: State, v: unknown, isRoot: boolean): string {
  if (isRoot && st.opts.typeName) return st.opts.typeName;
  if (v !== null && typeof v === 'object' && GO_TYPE in v) return String((v as { [GO_TYPE]: unknown })[GO_TYPE]);
  if (v === null || v === undefined) return 'interface {}';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object') {
    const ctor = (v as object).constructor;
    if (ctor && ctor !== Object && ctor.name) return ctor.name;
    return 'struct';
  }
  return typeof v === 'number' ? 'int' : typeof v;
}

/** Resolves one field name on a receiver; `args` non-empty only for the last name of a chain. */
function field(
  st: State,
  node: { pos: number; src: string },
  receiver: Value,
  name: string,
  args: Value[],
  hasArgs: boolean,
  isRoot: boolean,
): Value {
  if (receiver === MISSING || receiver === undefined) {
    if (hasArgs) errorAt(st, node.pos, node.src, `nil pointer evaluating interface {}.${name}`);
    return MISSING;
  }
  if (receiver === null) errorAt(st, node.pos, node.src, `nil pointer evaluating interface {}.${name}`);
  if (receiver instanceof Map) {
    // compat: Go looks a name up among the map type's methods before its keys
    const method = (receiver as Map<unknown, unknown> & { [GO_METHODS]?: Record<string, TemplateFunc> })[GO_METHODS]?.[name];
    if (method) {
      try {
        return method(...args);
      } catch (e) {
        errorAt(st, node.pos, node.src, `error calling ${name}: ${(e as Error).message}`);
      }
    }
    if (hasArgs) errorAt(st, node.pos, node.src, `${name} is not a method but has arguments`);
    if (!receiver.has(name) && st.opts.rawMaps) errorAt(st, node.pos, node.src, `map has no entry for key ${JSON.stringify(name)}`);
    return receiver.has(name) ? receiver.get(name) : MISSING;
  }
  if (typeof receiver !== 'object' && typeof receiver !== 'function') {
    errorAt(st, node.pos, node.src, `can't evaluate field ${name} in type ${typeNameOf(st, receiver, isRoot)}`);
  }
  if (Array.isArray(receiver)) {
    errorAt(st, node.pos, node.src, `can't evaluate field ${name} in type ${typeNameOf(st, receiver, isRoot)}`);
  }
  const obj = receiver as Record<string, unknown>;
  let key: string | undefined = hasField(obj, name) ? name : undefined;
  if (key === undefined && !st.opts.rawMaps && !(GO_STRUCT in obj)) {
    const lower = name.toLowerCase();
    const matches = Object.getOwnPropertyNames(obj).filter((k) => k.toLowerCase() === lower);
    if (matches.length === 1) key = matches[0];
  }
  if (key === undefined) {
    if (st.opts.strict || !isPlainObject(obj)) {
      errorAt(st, node.pos, node.src, `can't evaluate field ${name} in type ${typeNameOf(st, obj, isRoot)}`);
    }
    if (hasArgs) errorAt(st, node.pos, node.src, `${name} is not a method but has arguments`);
    if (st.opts.rawMaps) errorAt(st, node.pos, node.src, `map has no entry for key ${JSON.stringify(name)}`);
    return MISSING;
  }
  const v = obj[key];
  if (typeof v === 'function') {
    try {
      return (v as TemplateFunc).apply(obj, args);
    } catch (e) {
      errorAt(st, node.pos, node.src, `error calling ${name}: ${(e as Error).message}`);
    }
  }
  if (hasArgs) errorAt(st, node.pos, node.src, `${name} has arguments but cannot be invoked as function`);
  return v;
}

/** Where Go places a field node: a chain (.A.B) at its second segment. */
function fieldPos(node: { pos: number; src: string }, names: string[]): { pos: number; src: string } {
  return names.length > 1 && node.src.startsWith('.') ? { pos: node.pos + 1 + names[0]!.length, src: node.src } : node;
}

function fieldChain(
  st: State,
  node: { pos: number; src: string },
  receiver: Value,
  names: string[],
  args: Value[],
  hasArgs: boolean,
  isRoot: boolean,
): Value {
  // compat: Go reports a chained field (.A.B) at the position of its second segment.
  node = fieldPos(node, names);
  let v = receiver;
  for (let i = 0; i < names.length; i++) {
    const last = i === names.length - 1;
    v = field(st, node, v, names[i]!, last ? args : [], last && hasArgs, isRoot && i === 0);
  }
  return v;
}

function lookupVar(st: State, op: { pos: number; src: string }, name: string): Value {
  for (let i = st.vars.length - 1; i >= 0; i--) if (st.vars[i]!.name === name) return st.vars[i]!.value;
  return errorAt(st, op.pos, op.src, `undefined variable: ${name}`);
}

function evalArg(st: State, dot: Value, op: Operand): Value {
  st.at = op.type === 'field' ? fieldPos(op, op.names) : op;
  switch (op.type) {
    case 'dot':
      return dot;
    case 'nil':
      return null;
    case 'bool':
    case 'string':
    case 'number':
      return op.value;
    case 'field':
      return fieldChain(st, op, dot, op.names, [], false, dot === st.root);
    case 'var': {
      const v = lookupVar(st, op, op.name);
      return op.names.length ? fieldChain(st, op, v, op.names, [], false, op.name === '$') : v;
    }
    case 'pipe':
      return evalPipe(st, dot, op.pipe);
    case 'chain':
      return fieldChain(st, op, evalArg(st, dot, op.node), op.names, [], false, false);
    case 'ident':
      return callFunc(st, dot, op, [], null);
  }
}

/** The value piped into a command, if any (Go passes even a zero Value on). */
type Final = { v: Value } | null;

function withFinal(args: Value[], final: Final): Value[] {
  if (final) args.push(final.v);
  return args;
}

function callFunc(
  st: State,
  dot: Value,
  op: Operand & { type: 'ident' },
  argNodes: Operand[],
  final: Final,
  at: { pos: number; src: string } = op,
): Value {
  const name = op.name;
  st.at = op;
  // and/or short-circuit (Go 1.18+): they return the deciding operand itself.
  if (name === 'and' || name === 'or') {
    if (argNodes.length === 0 && !final) errorAt(st, at.pos, at.src, `wrong number of args for ${name}: want at least 1 got 0`);
    let v: Value = undefined;
    for (const a of argNodes) {
      v = unmissing(evalArg(st, dot, a));
      if (name === 'and' ? !isTrue(v) : isTrue(v)) return v;
    }
    return final ? final.v : v;
  }
  const fn = st.funcs[name];
  if (!fn) errorAt(st, at.pos, at.src, `function "${name}" not defined`);
  const args = withFinal(
    argNodes.map((a) => unmissing(evalArg(st, dot, a))),
    final,
  );
  // Functions declared with fixed parameters have a fixed arity; rest-parameter ones (length 0) do not.
  if (fn.length > 0 && args.length !== fn.length) {
    errorAt(st, at.pos, at.src, `wrong number of args for ${name}: want ${fn.length} got ${args.length}`);
  }
  try {
    return fn(...args);
  } catch (e) {
    if (e instanceof TemplateExecError) throw e;
    errorAt(st, at.pos, at.src, `error calling ${name}: ${(e as Error).message}`);
  }
}

/** A missing value passed on as an argument is Go's zero reflect.Value: treat as undefined. */
function unmissing(v: Value): Value {
  return v === MISSING ? undefined : v;
}

function evalCmd(st: State, dot: Value, cmd: Cmd, final: Final): Value {
  const [first, ...rest] = cmd.args;
  if (!first) return undefined;
  const nonFunction = () => {
    if (rest.length || final) errorAt(st, first.pos, first.src, `can't give argument to non-function ${first.src}`);
    return evalArg(st, dot, first);
  };
  switch (first.type) {
    case 'ident':
      return callFunc(st, dot, first, rest, final, cmd);
    case 'field': {
      st.at = fieldPos(first, first.names);
      const args = withFinal(
        rest.map((a) => unmissing(evalArg(st, dot, a))),
        final,
      );
      return fieldChain(st, first, dot, first.names, args, args.length > 0, dot === st.root);
    }
    case 'var':
    case 'chain': {
      if (first.names.length === 0 || (rest.length === 0 && !final)) return nonFunction();
      st.at = first;
      const base = first.type === 'var' ? lookupVar(st, first, first.name) : evalArg(st, dot, first.node);
      const args = withFinal(
        rest.map((a) => unmissing(evalArg(st, dot, a))),
        final,
      );
      return fieldChain(st, first, base, first.names, args, true, false);
    }
    default:
      return nonFunction();
  }
}

function evalPipe(st: State, dot: Value, pipe: Pipe): Value {
  let v: Value = undefined;
  pipe.cmds.forEach((cmd, i) => {
    v = evalCmd(st, dot, cmd, i === 0 ? null : { v: unmissing(v) });
  });
  for (const name of pipe.decl) {
    if (pipe.isAssign) {
      for (let i = st.vars.length - 1; i >= 0; i--) {
        if (st.vars[i]!.name === name) {
          st.vars[i]!.value = v;
          break;
        }
      }
    } else st.vars.push({ name, value: v });
  }
  return v;
}

function walk(st: State, dot: Value, nodes: TNode[]): void {
  for (const n of nodes) {
    switch (n.type) {
      case 'text':
        st.out.push(n.text);
        break;
      case 'action': {
        const v = evalPipe(st, dot, n.pipe);
        if (n.pipe.decl.length === 0) st.out.push(printValue(v === MISSING ? undefined : v));
        break;
      }
      case 'if':
      case 'with': {
        const mark = st.vars.length;
        const v = unmissing(evalPipe(st, dot, n.pipe));
        if (isTrue(v)) walk(st, n.type === 'with' ? v : dot, n.list);
        else if (n.elseList) walk(st, dot, n.elseList);
        st.vars.length = mark;
        break;
      }
      case 'range':
        walkRange(st, dot, n);
        break;
      case 'break':
      case 'continue':
        throw new Signal(n.type);
    }
  }
}

function walkRange(st: State, dot: Value, n: TNode & { type: 'if' | 'with' | 'range' }): void {
  const mark = st.vars.length;
  const decl = n.pipe.decl;
  const pipe: Pipe = { ...n.pipe, decl: [] };
  const v = unmissing(evalPipe(st, dot, pipe));
  let entries: [Value, Value][];
  if (v === undefined || v === null) entries = [];
  else if (Array.isArray(v)) entries = v.map((x, i) => [i, x]);
  else if (v instanceof Map) entries = [...v.keys()].sort().map((k) => [k, v.get(k)]);
  else if (typeof v === 'number' && Number.isInteger(v)) entries = Array.from({ length: Math.max(0, v) }, (_, i) => [i, i]);
  else if (typeof v === 'object' && !(GO_STRUCT in v)) {
    const o = v as Record<string, unknown>;
    entries = Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]);
  } else {
    // compat: Go reports it at the pipeline's last evaluated node (`<.Labels>`), not at the range.
    const at = st.at ?? { pos: n.pos, src: 'range' };
    return errorAt(st, at.pos, at.src, `range can't iterate over ${printValue(v)}`);
  }
  if (entries.length === 0) {
    if (n.elseList) walk(st, dot, n.elseList);
    st.vars.length = mark;
    return;
  }
  for (const [k, x] of entries) {
    st.vars.length = mark;
    if (decl.length === 1) st.vars.push({ name: decl[0]!, value: x });
    else if (decl.length === 2) st.vars.push({ name: decl[0]!, value: k }, { name: decl[1]!, value: x });
    try {
      walk(st, x, n.list);
    } catch (e) {
      if (e instanceof Signal) {
        if (e.kind === 'break') break;
        continue;
      }
      throw e;
    }
  }
  st.vars.length = mark;
}

/** Runs `tmpl` on `data`; throws TemplateExecError (with `partial` output) on failure. */
export function executeTemplate(
  tmpl: ParsedTemplate,
  data: unknown,
  funcs: Record<string, TemplateFunc>,
  opts: ExecOptions = {},
): string {
  const st: State = { out: [], vars: [{ name: '$', value: data }], funcs, opts, tmpl, root: data, at: undefined };
  try {
    walk(st, data, tmpl.root);
  } catch (e) {
    if (e instanceof TemplateExecError) e.partial = st.out.join('');
    throw e;
  }
  return st.out.join('');
}
