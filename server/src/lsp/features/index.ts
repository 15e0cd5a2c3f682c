/**
 * Every capability of the analysis worker, one module each, registered from this one list (in this order: the
 * settings load before the first workspace check).
 */
import { codeActionFeature } from './codeAction';
import { codeLensFeature } from './codeLens';
import { completionFeature } from './completion';
import { documentSyncFeature } from './documentSync';
import type { Feature } from './feature';
import { hoverFeature } from './hover';
import { scenarioEditFeature } from './scenarioEdit';
import { schemaFeature } from './schema';
import { settingsFeature } from './settings';
import { simulateFeature } from './simulate';

export const FEATURES: readonly Feature[] = [
  settingsFeature,
  documentSyncFeature,
  codeActionFeature,
  codeLensFeature,
  completionFeature,
  hoverFeature,
  schemaFeature,
  simulateFeature,
  scenarioEditFeature,
];

export type { Feature, FeatureContext } from './feature';
