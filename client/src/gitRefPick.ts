import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Methods, type GitRefsParams, type GitRefsResult } from '../../server/src/protocol';

/**
 * A git ref from a picker: HEAD (first), the branches and the tags the server lists (agentPolicy/gitRefs); the user
 * may type any other ref (a commit, `HEAD~3`, `origin/main`). Undefined when dismissed, or when git has none (said).
 * Shared by "Compare Policies with…" and the Agent Access view's "Compare with…".
 */
export async function pickGitRef(client: LanguageClient, uri: string | undefined, title: string): Promise<string | undefined> {
  let refs: GitRefsResult;
  try {
    refs = await client.sendRequest<GitRefsResult>(Methods.gitRefs, { ...(uri ? { uri } : {}) } satisfies GitRefsParams);
  } catch (e) {
    refs = { refs: [], error: e instanceof Error ? e.message : String(e) };
  }
  if (refs.error && !refs.refs.length) return void vscode.window.showErrorMessage(`Agent Policy: cannot compare policies: ${refs.error}.`);
  const known = refs.refs.length ? refs.refs : ['HEAD'];
  const item = (r: string): vscode.QuickPickItem => ({ label: r, description: r === 'HEAD' ? 'the last commit' : undefined });
  const pick = vscode.window.createQuickPick();
  pick.title = title;
  pick.placeholder = 'A git branch, tag or commit (Enter: HEAD, the last commit)';
  pick.items = known.map(item);
  pick.matchOnDescription = true;
  pick.onDidChangeValue((v) => {
    const typed = v.trim();
    pick.items = typed && !known.includes(typed) ? [{ label: typed, description: 'the ref typed' }, ...known.map(item)] : known.map(item);
  });
  return new Promise<string | undefined>((resolve) => {
    let done = false;
    pick.onDidAccept(() => {
      done = true;
      resolve(pick.selectedItems[0]?.label ?? (pick.value.trim() || undefined));
      pick.hide();
    });
    pick.onDidHide(() => {
      if (!done) resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}
