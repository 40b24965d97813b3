/**
 * JSON schemas of @nktkas/hyperliquid's response types (the SDK ships its TypeScript sources), made the way that
 * SDK's own tests make them (ts-json-schema-generator from the types) and made strict: every object lists its
 * properties, so a field the type does not know fails, as does a missing required one. Checked with ajv.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { createGenerator, type SchemaGenerator } from 'ts-json-schema-generator';

const require = createRequire(import.meta.url);
// The package exports no package.json: find its root from its main entry (…/script/mod.js).
const SDK_SRC = join(dirname(dirname(require.resolve('@nktkas/hyperliquid'))), 'src', 'api');

type Api = 'info' | 'exchange' | 'subscription';
const generators = new Map<Api, SchemaGenerator>();

function generator(api: Api): SchemaGenerator {
  let g = generators.get(api);
  if (g === undefined) {
    g = createGenerator({
      path: join(SDK_SRC, api, '_methods', '*.ts'),
      skipTypeCheck: true,
      expose: 'none',
      topRef: false,
      jsDoc: 'basic',
    });
    generators.set(api, g);
  }
  return g;
}

/** Closes every object schema that lists properties: unknown fields are errors. */
function strict(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) strict(n);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const o = node as Record<string, unknown>;
  if (o.type === 'object' && o.properties !== undefined && o.additionalProperties === undefined) {
    o.additionalProperties = false;
  }
  for (const v of Object.values(o)) strict(v);
}

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

/** A validator for one exported SDK type, e.g. ('info', 'MetaResponse'). */
export function sdkValidator(api: Api, typeName: string): ValidateFunction {
  const key = `${api}:${typeName}`;
  const cached = compiled.get(key);
  if (cached !== undefined) return cached;
  const schema = generator(api).createSchema(typeName);
  strict(schema);
  const v = ajv.compile(schema);
  compiled.set(key, v);
  return v;
}

/** The schema errors of `data` against the SDK type, as readable lines ([] = conforms). */
export function sdkErrors(api: Api, typeName: string, data: unknown): string[] {
  const v = sdkValidator(api, typeName);
  if (v(data)) return [];
  return (v.errors ?? []).map(
    (e) =>
      `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${e.params.additionalProperty}` : ''}`,
  );
}

/** The members of a string-literal union type of the SDK (e.g. the order statuses). */
export function sdkLiteralUnion(api: Api, typeName: string): string[] {
  const schema = generator(api).createSchema(typeName) as { enum?: string[] };
  if (!Array.isArray(schema.enum)) throw new Error(`${typeName} is not a literal union`);
  return schema.enum;
}
