import type { LintRule, RuleMeta } from './meta';
import { meta as cedarSyntax } from './cedar-syntax';
import { meta as cedarValidation } from './cedar-validation';
import { meta as cedarSchema } from './cedar-schema';
import { meta as manifestInvalid } from './manifest-invalid';
import { meta as unknownReference } from './unknown-reference';
import { meta as policyNotCovered } from './policy-not-covered';
import { meta as argumentNotInCedar } from './argument-not-in-cedar';
import { meta as unusedSuppression } from './unused-suppression';
import { meta as scenarioFailed } from './scenario-failed';
import { rule as wildcardGrant } from './wildcard-grant';
import { rule as wildcardPrincipal } from './wildcard-principal';
import { rule as wildcardAction } from './wildcard-action';
import { rule as roleOnlyGrant } from './role-only-grant';
import { rule as unconditionedDestructiveGrant } from './unconditioned-destructive-grant';
import { rule as forbidMayError } from './forbid-may-error';
import { rule as missingPolicyId } from './missing-policy-id';
import { rule as duplicatePolicyId } from './duplicate-policy-id';
import { rule as staticCredential } from './static-credential';
import { rule as secretInManifest } from './secret-in-manifest';
import { rule as valueNotInEnum } from './value-not-in-enum';
import { rule as overlyPermissive } from './overly-permissive';
import { rule as ineffectivePolicy } from './ineffective-policy';
import { rule as unreachableAgentOrTool } from './unreachable-agent-or-tool';

export type { RuleMeta, Level, LintRule, PolicyRule, ManifestRule, PolicySetRule, AccessRule } from './meta';
export { ruleDocsUrl, DOCS_BASE_URL } from './meta';

/** The security lint: rules that run on Cedar's AST and on the manifest. */
export const LINT_RULES: readonly LintRule[] = [
  wildcardGrant,
  wildcardPrincipal,
  wildcardAction,
  roleOnlyGrant,
  unconditionedDestructiveGrant,
  forbidMayError,
  missingPolicyId,
  duplicatePolicyId,
  staticCredential,
  secretInManifest,
  valueNotInEnum,
  overlyPermissive,
  ineffectivePolicy,
  unreachableAgentOrTool,
];

/** Every diagnostic code the product reports, in catalog order. Docs pages and fixture folders must match this list. */
export const RULES: readonly RuleMeta[] = [
  cedarSyntax,
  cedarValidation,
  cedarSchema,
  manifestInvalid,
  unknownReference,
  ...LINT_RULES.map((r) => r.meta),
  scenarioFailed,
  policyNotCovered,
  argumentNotInCedar,
  unusedSuppression,
];

const byId = new Map(RULES.map((r) => [r.id, r]));

export function ruleMeta(id: string): RuleMeta | undefined {
  return byId.get(id);
}
