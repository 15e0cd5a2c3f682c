/**
 * Open documents and files on disk: every change reaches the project and schedules the files it affects. The first
 * check covers the whole workspace, not only open files: the Problems panel shows every mistake.
 */
import * as path from 'node:path';
import { FileChangeType, TextDocumentSyncKind } from 'vscode-languageserver/node';
import { isRelevantFile } from '../../node/fsHost';
import { uriToPath } from '../uris';
import type { Feature } from './feature';

export const documentSyncFeature: Feature = {
  name: 'document sync',
  capabilities: () => ({ textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } } }),
  register({ state, scheduler }) {
    const { documents, connection } = state;
    /** Version each document was opened at: TextDocuments reports an open as a content change too, which must not check twice. */
    const openedAt = new Map<string, number>();

    documents.onDidOpen((e) => {
      openedAt.set(e.document.uri, e.document.version);
      const p = uriToPath(e.document.uri);
      if (!p || !isRelevantFile(p)) return;
      state.ensureProject(p);
      state.projectOf(p)?.host.setOpen(p, e.document.getText());
      scheduler.enqueueWithDependents(p);
    });

    documents.onDidChangeContent((e) => {
      if (openedAt.get(e.document.uri) === e.document.version) return;
      const p = uriToPath(e.document.uri);
      if (!p || !isRelevantFile(p)) return;
      state.projectOf(p)?.host.setOpen(p, e.document.getText());
      if (state.settings.validateOnType) scheduler.debounce(p, state.settings.lintRun === 'onType');
    });

    documents.onDidSave((e) => {
      const p = uriToPath(e.document.uri);
      if (!p || !isRelevantFile(p)) return;
      const pr = state.projectOf(p);
      pr?.host.diskChanged(p, 'changed');
      scheduler.enqueueWithDependents(p);
      // Lint on save: the whole workspace, so that findings that span files (duplicate ids) are current.
      if (state.settings.lintRun === 'onSave' && pr) for (const f of pr.host.listFiles()) scheduler.enqueue(f);
    });

    documents.onDidClose((e) => {
      openedAt.delete(e.document.uri);
      const p = uriToPath(e.document.uri);
      if (!p) return;
      state.forgetLoadedManifest(p);
      const pr = state.projectOf(p);
      if (!pr) return;
      pr.host.setOpen(p, undefined);
      // The last open file of a folder outside the workspace: that folder is no longer the user's concern, so its
      // project goes, and with it every diagnostic it published (as editors do for loose files).
      if (pr.host.orphan && !documents.all().some((d) => d.uri !== e.document.uri && pr.host.contains(uriToPath(d.uri) ?? ''))) {
        for (const f of new Set([...pr.host.listFiles(), p])) scheduler.forget(f);
        state.dropProject(pr);
        return;
      }
      // The disk version is what counts now (an unsaved edit was discarded).
      pr.host.diskChanged(p, 'changed');
      if (pr.host.readFile(p) === undefined) scheduler.clear(p);
      scheduler.enqueueWithDependents(p);
    });

    connection.onDidChangeWatchedFiles((params) => {
      for (const change of params.changes) {
        const p = uriToPath(change.uri);
        if (!p) continue;
        const pr = state.projectOf(p);
        if (!pr) continue;
        const kind = change.type === FileChangeType.Created ? 'created' : change.type === FileChangeType.Deleted ? 'deleted' : 'changed';
        if (!isRelevantFile(p)) {
          if (kind !== 'changed' && !path.posix.extname(p)) pr.host.rescan(); // a folder came or went
          continue;
        }
        // Dependents are computed before the change (who imported it) and after (who imports it now).
        const before = pr.project.dependentsOf(p);
        pr.host.diskChanged(p, kind);
        if (kind === 'deleted') scheduler.clear(p);
        for (const f of new Set([...before, ...pr.project.dependentsOf(p)])) scheduler.enqueue(f);
      }
    });
  },
  initialized({ scheduler }) {
    scheduler.enqueueAll();
  },
};
