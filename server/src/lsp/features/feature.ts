import type { InitializeParams, ServerCapabilities } from 'vscode-languageserver/node';
import type { WorkerState } from '../workspace';
import type { Scheduler } from '../scheduler';

/** What a feature gets: the worker's state and the diagnostics scheduler. */
export interface FeatureContext {
  state: WorkerState;
  scheduler: Scheduler;
}

/** One LSP capability (or one group of custom requests): what it announces at initialize, and its handlers. */
export interface Feature {
  readonly name: string;
  capabilities?(params: InitializeParams): ServerCapabilities;
  register(ctx: FeatureContext): void;
  /** After the client's `initialized`, in the order of the feature list. */
  initialized?(ctx: FeatureContext): Promise<void> | void;
}
