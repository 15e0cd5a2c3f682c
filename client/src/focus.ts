import * as vscode from 'vscode';

/**
 * After a click in `panel` opened `editor`, gives the focus back to the editor if the panel becomes active within
 * `ms`: a click in a webview focuses the webview, and VS Code may report that focus only after the extension has
 * answered the click by opening the editor, which would leave the panel's group active.
 */
export function keepEditorFocus(panel: vscode.WebviewPanel | undefined, editor: vscode.TextEditor, ms = 1000): void {
  if (!panel) return;
  const sub = panel.onDidChangeViewState((e) => {
    if (!e.webviewPanel.active) return;
    sub.dispose();
    void vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, preserveFocus: false });
  });
  setTimeout(() => sub.dispose(), ms);
}
