/** What the extension's webviews share: the nonce of their strict CSP, HTML escaping, their document shell, and the checks of their messages. */
import type { Range } from '../../server/src/protocol';

export const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A range as a webview sends it back (it may send anything). */
export function isRange(x: unknown): x is Range {
  const pos = (p: unknown) => isObject(p) && typeof p.line === 'number' && typeof p.character === 'number';
  return isObject(x) && pos(x.start) && pos(x.end);
}

export function nonce(): string {
  let s = '';
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (let i = 0; i < 32; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `code` spans for backticked words in engine messages. */
export function rich(s: string): string {
  return esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');
}

export function fileOf(uri: string): string {
  return decodeURIComponent(uri.slice(uri.lastIndexOf('/') + 1));
}

/**
 * A whole webview document under a strict CSP: nothing may load, and only the style and script that carry the nonce
 * run (no inline handlers, no `style=` attributes: use classes).
 */
export function page(n: string, title: string, css: string, body: string, script: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${n}'; script-src 'nonce-${n}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${esc(title)}</title>
<style nonce="${n}">${css}</style></head>
<body>
${body}
<script nonce="${n}">${script}</script>
</body></html>`;
}
