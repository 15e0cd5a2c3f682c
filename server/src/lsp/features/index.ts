/**
 * Every capability of the analysis worker, one module each, registered from this one list (in this order: the
 * settings load before the first workspace check).
 */
import { accessFeature } from './access';
import { codeActionFeature } from './codeAction';
import { codeLensFeature } from './codeLens';
import { compareFeature } from './compare';
import { completionFeature } from './completion';
import { definitionFeature } from './definition';
import { documentSymbolsFeature } from './documentSymbols';
import { documentSyncFeature } from './documentSync';
import type { Feature } from './feature';
import { foldingFeature } from './folding';
import { generateScenariosFeature } from './generateScenarios';
import { formattingFeature } from './formatting';
import { hoverFeature } from './hover';
import { inlayHintsFeature } from './inlayHints';
import { referencesFeature } from './references';
import { renameFeature } from './rename';
import { scenarioEditFeature } from './scenarioEdit';
import { schemaFeature } from './schema';
import { selectionRangeFeature } from './selectionRange';
import { settingsFeature } from './settings';
import { signatureHelpFeature } from './signatureHelp';
import { simulateFeature } from './simulate';
import { workspaceSymbolsFeature } from './workspaceSymbols';

export const FEATURES: readonly Feature[] = [
  settingsFeature,
  documentSyncFeature,
  codeActionFeature,
  codeLensFeature,
  completionFeature,
  hoverFeature,
  signatureHelpFeature,
  definitionFeature,
  referencesFeature,
  renameFeature,
  documentSymbolsFeature,
  workspaceSymbolsFeature,
  formattingFeature,
  foldingFeature,
  selectionRangeFeature,
  inlayHintsFeature,
  schemaFeature,
  simulateFeature,
  scenarioEditFeature,
  accessFeature,
  compareFeature,
  generateScenariosFeature,
];

export type { Feature, FeatureContext } from './feature';
