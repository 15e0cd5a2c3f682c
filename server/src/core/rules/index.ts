import type { RuleMeta } from './meta';
import { meta as cedarSyntax } from './cedar-syntax';
import { meta as cedarValidation } from './cedar-validation';
import { meta as manifestInvalid } from './manifest-invalid';
import { meta as unknownReference } from './unknown-reference';
import { meta as policyNotCovered } from './policy-not-covered';
import { meta as argumentNotInCedar } from './argument-not-in-cedar';

export type { RuleMeta, Level } from './meta';
export { ruleDocsUrl, DOCS_BASE_URL } from './meta';

/** Every rule the product reports, in catalog order. Docs pages and fixture folders must match this list. */
export const RULES: readonly RuleMeta[] = [cedarSyntax, cedarValidation, manifestInvalid, unknownReference, policyNotCovered, argumentNotInCedar];

const byId = new Map(RULES.map((r) => [r.id, r]));

export function ruleMeta(id: string): RuleMeta | undefined {
  return byId.get(id);
}
