/**
 * Checks an Envoy bootstrap (proto3 JSON, as Envoy's YAML is) against Envoy's own API
 * definitions, so configs are right by construction on machines without an envoy binary and
 * before the Kubernetes backend creates anything.
 *
 * The protos come from node_modules (@grpc/grpc-js-xds ships Envoy's API with its
 * dependencies) and are loaded once with protobufjs. The walk follows what Envoy itself
 * rejects when it loads a config: unknown fields at any depth (inside every typed_config
 * too, resolved through its `@type`), wrong JSON kinds, unknown enum names, malformed
 * durations, two members of a oneof, and the protoc-gen-validate rules Envoy enforces that
 * can be read off the protos (required, min_len, min_items, numeric and duration bounds).
 * Not checked: extension categories (a network filter's typed_config placed among HTTP
 * filters), string patterns in RE2-only syntax, and anything that needs the files on disk.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { closest, distance } from 'fastest-levenshtein';
import type * as Protobuf from 'protobufjs';
import { EnvironmentError, ExitCode, MeshbenchError } from '../errors.js';

/** Entry files; their imports pull in the rest. Add an extension's file here to accept its `@type`. */
export const envoyApiProtoFiles: readonly string[] = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'xds/type/v3/typed_struct.proto',
  'udpa/type/v1/typed_struct.proto',
];

export const envoyBootstrapType = 'envoy.config.bootstrap.v3.Bootstrap';

export interface EnvoyApi {
  root: Protobuf.Root;
  messageTypeCount: number;
  enumCount: number;
  /** Where .proto imports were looked up, in order. */
  includeDirs: readonly string[];
}

export interface EnvoyValidationResult {
  ok: boolean;
  /** What Envoy would refuse, each starting with the JSON path of the offending value. */
  problems: string[];
  /** What Envoy accepts but warns about (deprecated fields, nulls). */
  warnings: string[];
}

let cachedApi: EnvoyApi | undefined;
let protobufModule: typeof Protobuf | undefined;

/** Loads Envoy's API once per process (about 0.15 s); later calls return the same object. */
export function loadEnvoyApi(): EnvoyApi {
  if (cachedApi) return cachedApi;
  const requireHere = createRequire(import.meta.url);
  let xdsDir: string;
  let protobufDir: string;
  try {
    xdsDir = dirname(requireHere.resolve('@grpc/grpc-js-xds/package.json'));
    // protobufjs is @grpc/proto-loader's dependency; resolving from there finds the copy it uses.
    const requireFromLoader = createRequire(requireHere.resolve('@grpc/proto-loader/package.json'));
    protobufModule = requireFromLoader('protobufjs') as typeof Protobuf;
    protobufDir = dirname(requireFromLoader.resolve('protobufjs/package.json'));
  } catch (err) {
    throw new EnvironmentError('cannot find Envoy API definitions in node_modules', 'run npm install (needs @grpc/grpc-js-xds and @grpc/proto-loader)', { cause: err });
  }
  const includeDirs = [
    ...['envoy-api', 'googleapis', 'protoc-gen-validate', 'xds'].map((dir) => join(xdsDir, 'deps', dir)),
    // google/protobuf/descriptor.proto, which validate.proto and the annotations import.
    protobufDir,
  ];
  const protobuf = protobufModule;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (isAbsolute(target)) return target;
    for (const dir of includeDirs) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  try {
    root.loadSync([...envoyApiProtoFiles], { keepCase: true });
    root.resolveAll();
  } catch (err) {
    throw new EnvironmentError(
      `cannot load Envoy API definitions from ${join(xdsDir, 'deps')}: ${(err as Error).message}`,
      'reinstall node_modules; the protos ship with @grpc/grpc-js-xds',
      { cause: err },
    );
  }
  let messageTypeCount = 0;
  let enumCount = 0;
  const count = (ns: Protobuf.NamespaceBase) => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) messageTypeCount++;
      else if (nested instanceof protobuf.Enum) enumCount++;
      if (nested instanceof protobuf.Namespace) count(nested);
    }
  };
  count(root);
  cachedApi = { root, messageTypeCount, enumCount, includeDirs };
  return cachedApi;
}

/** Checks a whole bootstrap, plus the cross-references Envoy resolves at startup. */
export function validateEnvoyBootstrap(config: unknown): EnvoyValidationResult {
  const walk = newWalk();
  checkMessage(messageType(envoyBootstrapType), config, '', walk, 0);
  checkReferences(config, walk);
  return result(walk);
}

/** Checks one message (e.g. a Cluster) against its type, by full name without the leading dot. */
export function validateEnvoyMessage(typeName: string, value: unknown): EnvoyValidationResult {
  const walk = newWalk();
  checkMessage(messageType(typeName), value, '', walk, 0);
  return result(walk);
}

/**
 * For callers about to write or apply a config: throws listing every problem. A generated
 * config that fails is a bug in the generator, hence exit code 1.
 */
export function assertValidEnvoyBootstrap(config: unknown, what: string): void {
  const { ok, problems } = validateEnvoyBootstrap(config);
  if (ok) return;
  throw new MeshbenchError(
    `the Envoy config for ${what} does not match Envoy's API:\n  ${problems.join('\n  ')}`,
    ExitCode.internal,
    'this is a bug in meshbench\'s Envoy config generator; please report it with the scenario',
  );
}

// ---------------------------------------------------------------------------------------
// The walk

interface Walk {
  api: EnvoyApi;
  problems: string[];
  warnings: string[];
  /** Cluster names that routes and TCP proxies point at, with where. */
  clusterReferences: { name: string; path: string }[];
}

function newWalk(): Walk {
  return { api: loadEnvoyApi(), problems: [], warnings: [], clusterReferences: [] };
}

function result(walk: Walk): EnvoyValidationResult {
  return { ok: walk.problems.length === 0, problems: walk.problems, warnings: walk.warnings };
}

function messageType(typeName: string): Protobuf.Type {
  const found = lookupMessage(loadEnvoyApi(), typeName);
  if (!found) throw new Error(`${typeName} is not a message type of the loaded Envoy API`);
  return found;
}

/** Fully qualified names only: protobufjs would otherwise also find `Cluster` in any nested package. */
function lookupMessage(api: EnvoyApi, typeName: string): Protobuf.Type | undefined {
  const found = api.root.lookup(`.${typeName}`);
  return found instanceof protobufModule!.Type && found.fullName === `.${typeName}` ? found : undefined;
}

/** Deep enough for any real config; stops YAML alias cycles. */
const maxDepth = 100;

/** Message fields that name a cluster which must exist. */
const clusterReferenceFields: Record<string, string> = {
  'envoy.config.route.v3.RouteAction': 'cluster',
  'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy': 'cluster',
};

const typedStructTypes = new Set(['xds.type.v3.TypedStruct', 'udpa.type.v1.TypedStruct']);

function checkMessage(type: Protobuf.Type, value: unknown, path: string, walk: Walk, depth: number): void {
  const typeName = nameOf(type);
  if (depth > maxDepth) {
    walk.problems.push(`${at(path)}: nested more than ${maxDepth} levels deep`);
    return;
  }
  const special = wellKnownTypes[typeName];
  if (special) {
    special(value, path, walk, depth);
    return;
  }
  if (!isPlainObject(value)) {
    walk.problems.push(`${at(path)}: expected an object (${typeName}), got ${describe(value)}`);
    return;
  }
  checkFields(type, value, path, walk, depth);
}

function checkFields(type: Protobuf.Type, value: Record<string, unknown>, path: string, walk: Walk, depth: number): void {
  const typeName = nameOf(type);
  const index = fieldIndex(type);
  const present = new Map<Protobuf.Field, string>();
  for (const [key, fieldValue] of Object.entries(value)) {
    const fieldPath = child(path, key);
    const field = index.get(key);
    if (!field) {
      walk.problems.push(`${fieldPath}: unknown field${suggestion(key, type.fieldsArray.map((f) => f.name))} (in ${typeName})`);
      continue;
    }
    const earlierKey = present.get(field);
    if (earlierKey !== undefined) {
      walk.problems.push(`${fieldPath}: the same field as ${earlierKey}, set twice`);
      continue;
    }
    present.set(field, key);
    const deprecatedSince = field.options?.['(envoy.annotations.deprecated_at_minor_version)'];
    if (field.options?.deprecated) {
      walk.warnings.push(`${fieldPath}: deprecated${deprecatedSince ? ` since API v${deprecatedSince}` : ''}`);
    }
    if (fieldValue === null) {
      if (!isNullable(field)) walk.warnings.push(`${fieldPath}: null means "not set" to Envoy; leave the field out`);
      continue;
    }
    checkFieldValue(field, fieldValue, fieldPath, walk, depth);
    checkRules(field, fieldValue, fieldPath, walk);
    if (clusterReferenceFields[typeName] === field.name && typeof fieldValue === 'string') {
      walk.clusterReferences.push({ name: fieldValue, path: fieldPath });
    }
  }

  for (const oneof of type.oneofsArray) {
    const set = oneof.fieldsArray.filter((f) => present.has(f));
    if (set.length > 1) {
      walk.problems.push(`${at(path)}: ${set.map((f) => present.get(f)).join(' and ')} are alternatives (oneof ${oneof.name}); set only one`);
    } else if (set.length === 0 && oneof.options?.['(validate.required)']) {
      walk.problems.push(`${at(path)}: one of ${oneof.fieldsArray.map((f) => f.name).join(', ')} is required (oneof ${oneof.name})`);
    }
  }
  // protoc-gen-validate checks unset fields too (an unset string is ""), except oneof members.
  for (const field of type.fieldsArray) {
    if (!present.has(field) && !field.partOf) checkRules(field, undefined, child(path, field.name), walk);
  }

  if (typedStructTypes.has(typeName) && typeof value.type_url === 'string') {
    const target = lookupMessage(walk.api, value.type_url.slice(value.type_url.lastIndexOf('/') + 1));
    if (!target) walk.problems.push(`${child(path, 'type_url')}: ${value.type_url} is not a message of the loaded Envoy API`);
    else checkMessage(target, value.value ?? {}, child(path, 'value'), walk, depth + 1);
  }
}

function checkFieldValue(field: Protobuf.Field, value: unknown, path: string, walk: Walk, depth: number): void {
  if (field.map) {
    if (!isPlainObject(value)) {
      walk.problems.push(`${path}: expected an object (a map), got ${describe(value)}`);
      return;
    }
    const keyType = (field as unknown as Protobuf.MapField).keyType;
    for (const [key, entry] of Object.entries(value)) {
      const entryPath = `${path}[${JSON.stringify(key)}]`;
      const keyProblem = mapKeyProblem(keyType, key);
      if (keyProblem) walk.problems.push(`${entryPath}: ${keyProblem}`);
      checkSingular(field, entry, entryPath, walk, depth + 1);
    }
    return;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) {
      walk.problems.push(`${path}: expected a list, got ${describe(value)}`);
      return;
    }
    value.forEach((item, i) => checkSingular(field, item, `${path}[${i}]`, walk, depth + 1));
    return;
  }
  checkSingular(field, value, path, walk, depth + 1);
}

function checkSingular(field: Protobuf.Field, value: unknown, path: string, walk: Walk, depth: number): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobufModule!.Type) checkMessage(resolved, value, path, walk, depth);
  else if (resolved instanceof protobufModule!.Enum) checkEnum(resolved, value, path, walk);
  else checkScalar(field.type, value, path, walk);
}

function checkEnum(enumType: Protobuf.Enum, value: unknown, path: string, walk: Walk): void {
  const enumName = nameOf(enumType);
  if (enumName === 'google.protobuf.NullValue' && value === null) return;
  const names = Object.keys(enumType.values);
  if (typeof value === 'string') {
    if (!Object.hasOwn(enumType.values, value)) {
      walk.problems.push(`${path}: "${value}" is not a value of ${enumName}${suggestion(value, names)}; expected one of ${names.join(', ')}`);
    } else if (enumType.valuesOptions?.[value]?.deprecated) {
      walk.warnings.push(`${path}: ${value} is deprecated`);
    }
  } else if (typeof value === 'number' && Number.isInteger(value)) {
    if (!Object.hasOwn(enumType.valuesById, value)) walk.problems.push(`${path}: ${value} is not a value of ${enumName}; expected one of ${names.join(', ')}`);
  } else {
    walk.problems.push(`${path}: expected a name of ${enumName} (${names.join(', ')}), got ${describe(value)}`);
  }
}

const intRanges: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

function checkScalar(kind: string, value: unknown, path: string, walk: Walk): void {
  const problem = scalarProblem(kind, value);
  if (problem) walk.problems.push(`${path}: ${problem}`);
}

/** Proto3 JSON: 64-bit integers may be strings, floats may be "NaN"/"Infinity", bytes are base64. */
function scalarProblem(kind: string, value: unknown): string | undefined {
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? undefined : `expected a string, got ${describe(value)}`;
    case 'bool':
      return typeof value === 'boolean' ? undefined : `expected true or false, got ${describe(value)}`;
    case 'bytes':
      return typeof value === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value) ? undefined : `expected base64 bytes, got ${describe(value)}`;
    case 'double':
    case 'float': {
      if (typeof value === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(value)) return undefined;
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n)) return `expected a number, got ${describe(value)}`;
      if (kind === 'float' && Math.abs(n) > 3.4028234663852886e38) return `${n} is out of range for a float`;
      return undefined;
    }
  }
  const range = intRanges[kind];
  if (!range) return `unsupported field kind ${kind}`;
  let n: bigint;
  if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
  else if (typeof value === 'string' && /^-?\d+$/.test(value)) n = BigInt(value);
  else return `expected an integer (${kind}), got ${describe(value)}`;
  return n < range[0] || n > range[1] ? `${n} is out of range for ${kind}` : undefined;
}

function mapKeyProblem(keyType: string, key: string): string | undefined {
  if (keyType === 'string') return undefined;
  if (keyType === 'bool') return key === 'true' || key === 'false' ? undefined : `map key must be true or false`;
  return scalarProblem(keyType, key);
}

// ---------------------------------------------------------------------------------------
// Well-known types with their own JSON form

type SpecialCheck = (value: unknown, path: string, walk: Walk, depth: number) => void;

const durationPattern = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
/** ±10,000 years, protobuf's Duration range. */
const maxDurationSeconds = 315_576_000_000;

export function parseProtoDuration(text: string): number | undefined {
  const match = durationPattern.exec(text);
  if (!match) return undefined;
  const seconds = Number(match[2]) + Number(`0.${match[3] ?? '0'}`);
  if (Number(match[2]) > maxDurationSeconds) return undefined;
  return match[1] ? -seconds : seconds;
}

const wrapperKinds: Record<string, string> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

const wellKnownTypes: Record<string, SpecialCheck> = {
  'google.protobuf.Any': checkAny,
  'google.protobuf.Duration': (value, path, walk) => {
    if (typeof value !== 'string' || parseProtoDuration(value) === undefined) {
      walk.problems.push(`${path}: expected a duration such as "2s" or "0.500s" (seconds, up to 9 decimals, then "s"), got ${describe(value)}`);
    }
  },
  'google.protobuf.Timestamp': (value, path, walk) => {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
      walk.problems.push(`${path}: expected an RFC 3339 timestamp, got ${describe(value)}`);
    }
  },
  'google.protobuf.FieldMask': (value, path, walk) => {
    if (typeof value !== 'string') walk.problems.push(`${path}: expected a field mask string, got ${describe(value)}`);
  },
  'google.protobuf.Struct': (value, path, walk) => {
    if (!isPlainObject(value)) walk.problems.push(`${path}: expected an object, got ${describe(value)}`);
  },
  'google.protobuf.ListValue': (value, path, walk) => {
    if (!Array.isArray(value)) walk.problems.push(`${path}: expected a list, got ${describe(value)}`);
  },
  'google.protobuf.Value': () => {},
  ...Object.fromEntries(Object.entries(wrapperKinds).map(([name, kind]) => [name, ((value, path, walk) => checkScalar(kind, value, path, walk)) as SpecialCheck])),
};

const typeUrlPattern = /^type\.googleapis\.com\/([A-Za-z_][A-Za-z0-9_.]*)$/;

/** `{"@type": "type.googleapis.com/<message>", ...that message's fields}`. */
function checkAny(value: unknown, path: string, walk: Walk, depth: number): void {
  if (!isPlainObject(value)) {
    walk.problems.push(`${at(path)}: expected an object with an "@type", got ${describe(value)}`);
    return;
  }
  const typePath = child(path, '@type');
  const typeUrl = value['@type'];
  if (typeof typeUrl !== 'string') {
    walk.problems.push(`${typePath}: required (type.googleapis.com/<message> naming what this config is)`);
    return;
  }
  const match = typeUrlPattern.exec(typeUrl);
  if (!match) {
    walk.problems.push(`${typePath}: "${typeUrl}" is not of the form type.googleapis.com/<message>`);
    return;
  }
  const target = lookupMessage(walk.api, match[1]);
  if (!target) {
    walk.problems.push(`${typePath}: ${match[1]} is not a message of the loaded Envoy API (misspelt, or its .proto is missing from envoyApiProtoFiles)`);
    return;
  }
  const { '@type': _type, ...rest } = value;
  const special = wellKnownTypes[match[1]];
  if (special) {
    // Well-known types inside an Any keep their own JSON form under "value".
    for (const key of Object.keys(rest)) if (key !== 'value') walk.problems.push(`${child(path, key)}: unknown field (an Any holding ${match[1]} has only "value")`);
    special(rest.value, child(path, 'value'), walk, depth + 1);
    return;
  }
  checkFields(target, rest, path, walk, depth + 1);
}

// ---------------------------------------------------------------------------------------
// protoc-gen-validate rules, as far as protobufjs keeps them (`{gt {}}` comes back empty)

const numericRule = /^\(validate\.rules\)\.(?:u?int(?:32|64)|sint(?:32|64)|s?fixed(?:32|64)|double|float)\.(lt|lte|gt|gte|const)$/;
const durationRule = /^\(validate\.rules\)\.duration\.(lt|lte|gt|gte)\.(seconds|nanos)$/;

/** `value` is undefined when the field is not set. */
function checkRules(field: Protobuf.Field, value: unknown, path: string, walk: Walk): void {
  const options = field.options;
  if (!options) return;
  const rule = (name: string) => options[`(validate.rules).${name}`] as unknown;
  const isScalar = !field.resolvedType;
  const isWrapperOrScalar = isScalar || wrapperKinds[nameOf(field.resolvedType!)] !== undefined;

  if (value === undefined) {
    // `ignore_empty` exempts the unset (zero) value from the field's rules.
    if (Object.keys(options).some((key) => key.startsWith('(validate.rules).') && key.endsWith('.ignore_empty') && options[key] === true)) return;
    if (rule('message.required') || rule('any.required') || rule('duration.required') || rule('timestamp.required')) {
      walk.problems.push(`${path}: required`);
      return;
    }
    if (field.repeated || field.map) {
      const minItems = Number(rule('repeated.min_items') ?? rule('map.min_pairs') ?? 0);
      if (minItems > 0) walk.problems.push(`${path}: required (at least ${minItems} item${minItems === 1 ? '' : 's'})`);
      return;
    }
    if (isScalar && field.type === 'string') {
      const minLength = Number(rule('string.min_len') ?? rule('string.min_bytes') ?? 0);
      if (minLength > 0) walk.problems.push(`${path}: required (at least ${minLength} character${minLength === 1 ? '' : 's'})`);
      return;
    }
    // An unset scalar is its zero value, which numeric and enum rules still see.
    if (isScalar) checkNumericRules(options, 0, path, walk);
    if (field.resolvedType instanceof protobufModule!.Enum) checkNotIn(rule('enum.not_in'), 0, path, walk, field.resolvedType);
    return;
  }

  if (typeof value === 'string' && isWrapperOrScalar && field.type !== 'bytes') {
    const length = [...value].length;
    const bytes = Buffer.byteLength(value);
    const minLen = rule('string.min_len');
    const maxLen = rule('string.max_len');
    const minBytes = rule('string.min_bytes');
    const maxBytes = rule('string.max_bytes');
    const pattern = rule('string.pattern');
    if (typeof minLen === 'number' && length < minLen) walk.problems.push(`${path}: must be at least ${minLen} character${minLen === 1 ? '' : 's'}`);
    if (typeof maxLen === 'number' && length > maxLen) walk.problems.push(`${path}: must be at most ${maxLen} characters`);
    if (typeof minBytes === 'number' && bytes < minBytes) walk.problems.push(`${path}: must be at least ${minBytes} bytes`);
    if (typeof maxBytes === 'number' && bytes > maxBytes) walk.problems.push(`${path}: must be at most ${maxBytes} bytes`);
    if (typeof pattern === 'string' && safeRegExp(pattern)?.test(value) === false) walk.problems.push(`${path}: must match ${pattern}`);
  }
  if (Array.isArray(value)) {
    const minItems = rule('repeated.min_items');
    const maxItems = rule('repeated.max_items');
    if (typeof minItems === 'number' && value.length < minItems) walk.problems.push(`${path}: needs at least ${minItems} item${minItems === 1 ? '' : 's'}`);
    if (typeof maxItems === 'number' && value.length > maxItems) walk.problems.push(`${path}: allows at most ${maxItems} items`);
  }
  if (isPlainObject(value) && field.map) {
    const minPairs = rule('map.min_pairs');
    if (typeof minPairs === 'number' && Object.keys(value).length < minPairs) walk.problems.push(`${path}: needs at least ${minPairs} entries`);
  }
  if (isWrapperOrScalar && !field.repeated && !field.map && (typeof value === 'number' || typeof value === 'string')) {
    const n = Number(value);
    if (Number.isFinite(n)) checkNumericRules(options, n, path, walk);
  }
  if (typeof value === 'boolean' && typeof rule('bool.const') === 'boolean' && value !== rule('bool.const')) {
    walk.problems.push(`${path}: must be ${rule('bool.const')}`);
  }
  if (field.resolvedType instanceof protobufModule!.Enum && !field.repeated && !field.map) {
    const number = typeof value === 'string' ? field.resolvedType.values[value] : value;
    if (typeof number === 'number') checkNotIn(rule('enum.not_in'), number, path, walk, field.resolvedType);
  }
  if (typeof value === 'string' && field.resolvedType && nameOf(field.resolvedType) === 'google.protobuf.Duration') {
    const seconds = parseProtoDuration(value);
    if (seconds !== undefined) checkDurationRules(options, seconds, path, walk);
  }
}

function checkNumericRules(options: Record<string, unknown>, n: number, path: string, walk: Walk): void {
  for (const [key, bound] of Object.entries(options)) {
    const op = numericRule.exec(key)?.[1];
    if (!op || typeof bound !== 'number') continue;
    if (!compare(op, n, bound)) walk.problems.push(`${path}: must be ${opWords[op]} ${bound}, got ${n}`);
  }
}

function checkDurationRules(options: Record<string, unknown>, seconds: number, path: string, walk: Walk): void {
  const bounds = new Map<string, number>();
  for (const [key, part] of Object.entries(options)) {
    const match = durationRule.exec(key);
    if (!match || typeof part !== 'number') continue;
    bounds.set(match[1], (bounds.get(match[1]) ?? 0) + (match[2] === 'seconds' ? part : part / 1e9));
  }
  for (const [op, bound] of bounds) {
    if (!compare(op, seconds, bound)) walk.problems.push(`${path}: must be ${opWords[op]} ${bound}s, got ${seconds}s`);
  }
}

function checkNotIn(notIn: unknown, number: number, path: string, walk: Walk, enumType: Protobuf.Enum): void {
  const excluded = Array.isArray(notIn) ? notIn : notIn === undefined ? [] : [notIn];
  if (excluded.includes(number)) {
    walk.problems.push(`${path}: ${enumType.valuesById[number] ?? number} is not allowed here${number === 0 ? ' (set it explicitly)' : ''}`);
  }
}

const opWords: Record<string, string> = { lt: '<', lte: '<=', gt: '>', gte: '>=', const: 'exactly' };

function compare(op: string, n: number, bound: number): boolean {
  switch (op) {
    case 'lt':
      return n < bound;
    case 'lte':
      return n <= bound;
    case 'gt':
      return n > bound;
    case 'gte':
      return n >= bound;
    default:
      return n === bound;
  }
}

function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined; // RE2-only syntax: leave it to Envoy.
  }
}

// ---------------------------------------------------------------------------------------
// References Envoy resolves when it starts

function checkReferences(config: unknown, walk: Walk): void {
  const staticResources = field(config, 'static_resources');
  const clusters = asList(field(staticResources, 'clusters'));
  const listeners = asList(field(staticResources, 'listeners'));
  const clusterNames = new Set<string>();
  clusters.forEach((cluster, i) => {
    const name = field(cluster, 'name');
    if (typeof name !== 'string') return;
    if (clusterNames.has(name)) walk.problems.push(`static_resources.clusters[${i}].name: another cluster is already named "${name}"`);
    clusterNames.add(name);
  });
  // With CDS, clusters may arrive later; only a fully static config can be checked here.
  if (field(field(config, 'dynamic_resources'), 'cds_config') === undefined) {
    for (const ref of walk.clusterReferences) {
      if (!clusterNames.has(ref.name)) walk.problems.push(`${ref.path}: no cluster named "${ref.name}" in static_resources.clusters`);
    }
  }

  const listenerNames = new Set<string>();
  const boundAddresses = new Map<string, string>();
  const bind = (address: unknown, where: string) => {
    const socket = field(address, 'socket_address');
    const port = field(socket, 'port_value');
    // Port 0 asks the kernel for a free port, so two of them never collide.
    if (port === undefined || Number(port) === 0) return;
    const key = `${String(field(socket, 'address'))}:${Number(port)}`;
    const other = boundAddresses.get(key);
    if (other) walk.problems.push(`${where}: ${key} is already bound by ${other}`);
    else boundAddresses.set(key, where);
  };
  bind(field(field(config, 'admin'), 'address'), 'admin.address');
  listeners.forEach((listener, i) => {
    const where = `static_resources.listeners[${i}]`;
    const name = field(listener, 'name');
    if (typeof name === 'string') {
      if (listenerNames.has(name)) walk.problems.push(`${where}.name: another listener is already named "${name}"`);
      listenerNames.add(name);
    }
    bind(field(listener, 'address'), `${where}.address`);
  });
}

/** A field of a JSON message under its proto or its JSON name; undefined when absent or not an object. */
function field(message: unknown, protoName: string): unknown {
  if (!isPlainObject(message)) return undefined;
  return message[protoName] ?? message[lowerCamel(protoName)];
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

// ---------------------------------------------------------------------------------------
// Helpers

const fieldIndexes = new WeakMap<Protobuf.Type, Map<string, Protobuf.Field>>();

/** Each field under its proto name and its JSON (lowerCamelCase) name; proto3 JSON accepts both. */
function fieldIndex(type: Protobuf.Type): Map<string, Protobuf.Field> {
  let index = fieldIndexes.get(type);
  if (!index) {
    index = new Map();
    for (const field of type.fieldsArray) {
      index.set(field.name, field);
      const jsonName = (field.options?.json_name as string | undefined) ?? lowerCamel(field.name);
      if (!index.has(jsonName)) index.set(jsonName, field);
    }
    fieldIndexes.set(type, index);
  }
  return index;
}

/** protoc's ToJsonName: drop underscores and capitalise the letter after each. */
function lowerCamel(name: string): string {
  return name.replace(/_+(.)?/g, (_m, next: string | undefined) => (next ? next.toUpperCase() : ''));
}

function isNullable(field: Protobuf.Field): boolean {
  const resolved = field.resolvedType;
  return resolved !== null && ['google.protobuf.Value', 'google.protobuf.NullValue'].includes(nameOf(resolved));
}

function nameOf(reflected: Protobuf.ReflectionObject): string {
  return reflected.fullName.replace(/^\./, '');
}

function suggestion(key: string, candidates: string[]): string {
  if (candidates.length === 0) return '';
  const best = closest(key, candidates);
  return distance(key, best) <= Math.max(2, Math.floor(key.length / 4)) ? ` (did you mean ${best}?)` : '';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function at(path: string): string {
  return path || '(top level)';
}
