import fc from 'fast-check';

/**
 * Generators for the fuzz suite. `fromJsonSchema` turns a job payload's JSON Schema (from the
 * registry's zod schemas, z.toJSONSchema) into values that satisfy it, so every job payload in the
 * registry gets valid inputs without anyone listing them; `hostile*` are the inputs of issue 18 —
 * NUL, lone surrogates, RTL, emoji, ids with ': / .. %00' and spaces, huge and deeply nested values,
 * `__proto__` keys.
 */
type Schema = Record<string, any>;

export const hostileString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udc00y',
    '\u202eevil\u202c',
    'שלום',
    '😀🎉',
    'a:b',
    'a/b',
    '../..',
    '..',
    '%00',
    '%2F',
    'a b',
    '__proto__',
    'constructor',
    '<script>alert(1)</script>',
    "'; DROP TABLE questions; --",
    '1e309',
    'x'.repeat(300),
    'y'.repeat(70_000),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 40 }),
);

export const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1.5, 2.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, 32_768, 0.1),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Any JSON value, with hostile leaves. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** `[[[[…]]]]` deeper than the ingress allows, as raw JSON text. */
export const deeplyNestedText = fc.integer({ min: 20, max: 5_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`);

function stringFor(schema: Schema): fc.Arbitrary<string> {
  if (schema.format === 'date-time') {
    return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  }
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? 40, 60);
  if (schema.pattern) {
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .map((s) => s.slice(0, max))
      .filter((s) => s.length >= min && new RegExp(schema.pattern).test(s));
  }
  return fc.string({ minLength: min, maxLength: Math.max(min, max) }).filter((s) => s.trim().length >= min);
}

function numberFor(schema: Schema, integer: boolean): fc.Arbitrary<number> {
  const lo = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : 1e-9) : -1e6);
  const hi = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - (integer ? 1 : 1e-9) : 1e6);
  if (integer) return fc.integer({ min: Math.ceil(Math.max(lo, -(2 ** 31))), max: Math.floor(Math.min(hi, 2 ** 31)) });
  return fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true });
}

/** Values valid for a JSON Schema as zod emits it (objects, arrays, strings with patterns, enums, unions). */
export function fromJsonSchema(schema: Schema, root: Schema = schema): fc.Arbitrary<unknown> {
  if (schema.$ref) {
    const name = String(schema.$ref).split('/').pop()!;
    return fc.constant(null).chain(() => fromJsonSchema((root.$defs ?? root.definitions ?? {})[name] ?? {}, root));
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(union)) return fc.oneof(...union.map((s: Schema) => fromJsonSchema(s, root)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringFor(schema);
    case 'integer':
      return numberFor(schema, true);
    case 'number':
      return numberFor(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(fromJsonSchema(schema.items ?? {}, root), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 5, Math.max(schema.minItems ?? 0, 5)),
      });
    case 'object': {
      const properties: Record<string, Schema> = schema.properties ?? {};
      const required = new Set<string>(schema.required ?? []);
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, sub] of Object.entries(properties)) model[key] = fromJsonSchema(sub, root);
      return fc.record(model, { requiredKeys: [...required].filter((k) => k in model) });
    }
    default:
      return fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean());
  }
}

/**
 * A valid value with one thing made wrong, or left valid: a field replaced by a hostile value, a
 * required field dropped, or an extra (possibly `__proto__`) key. Returned as JSON text, since
 * `__proto__` survives only as text.
 */
export function mutatedJsonText(valid: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc
    .tuple(valid, fc.nat(), fc.constantFrom('keep', 'replace', 'drop', 'extra', 'proto'), hostileJson)
    .map(([value, pick, how, junk]) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return JSON.stringify(how === 'keep' ? value : junk);
      const obj = { ...(value as Record<string, unknown>) };
      const keys = Object.keys(obj);
      const key = keys.length ? keys[pick % keys.length]! : 'x';
      if (how === 'replace') obj[key] = junk;
      if (how === 'drop') delete obj[key];
      if (how === 'extra') obj[`extra${pick % 7}`] = junk;
      const text = JSON.stringify(obj);
      if (how !== 'proto') return text;
      // A "__proto__" member first, as raw JSON text (an object literal cannot carry it as a key).
      // Found by `npm run fuzz -- --runs 2000 --seed 61`: trimming a ',}' left by an empty object
      // with String.replace hit the first ',}' anywhere — inside the junk's own strings — and made
      // invalid JSON, so the generator threw instead of the system being tested.
      const proto = `"__proto__":${JSON.stringify(junk) ?? 'null'}`;
      return text === '{}' ? `{${proto}}` : `{${proto},${text.slice(1)}`;
    });
}
