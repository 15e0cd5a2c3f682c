import type { Manifest } from '../core/manifest/model';
import type { SchemaJson } from '../core/cedar/engine';

/** Notification (analysis worker → router, never sent to the client): what completion and hover need to answer at once. */
export const SNAPSHOT_METHOD = 'agentPolicy/internal/assistSnapshot';

export interface AssistSnapshot {
  /** Manifests as last loaded, by file (core paths). */
  manifests?: [file: string, manifest: Manifest][];
  /** Policy file → the manifest file that covers it (null: none). */
  coverage?: [policyFile: string, manifestFile: string | null][];
  /** Manifest file → each agent's access in one line (from the access map, once it is computed). */
  access?: [manifestFile: string, summaries: [agent: string, summary: string][]][];
  /** Policy file that no manifest covers → its plain Cedar schema, types resolved (null: none applies). */
  schemas?: [policyFile: string, schema: SchemaJson | null][];
}
