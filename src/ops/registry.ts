/** All op schemas, keyed by (domain, op type), refusing duplicates. */
import { opKey as kernelKey } from '../ir/graph.js';
import type { OpSchema } from './schema.js';
import { OP_FAMILIES } from './families.js';

const schemas = new Map<string, { schema: OpSchema; family: string }>();
for (const [family, list] of Object.entries(OP_FAMILIES)) {
  for (const s of list) {
    const key = kernelKey(s.domain ?? '', s.opType);
    const prev = schemas.get(key);
    if (prev) throw new Error(`op schema '${key}' declared twice (families '${prev.family}' and '${family}')`);
    schemas.set(key, { schema: s, family });
  }
}

export function getSchema(domain: string, opType: string): OpSchema | undefined {
  return schemas.get(kernelKey(domain, opType))?.schema;
}

export function familyOf(domain: string, opType: string): string | undefined {
  return schemas.get(kernelKey(domain, opType))?.family;
}

/** Every declared op with its family, sorted by registry key: the source of the generated support matrix. */
export function listSchemas(): { key: string; domain: string; opType: string; family: string; hasInfer: boolean }[] {
  return [...schemas]
    .map(([key, { schema, family }]) => ({ key, domain: schema.domain ?? '', opType: schema.opType, family, hasInfer: !!schema.infer }))
    .sort((a, b) => a.key.localeCompare(b.key));
}
