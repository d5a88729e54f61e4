// The viewer webview's HTML page. No `vscode` import: the webview tests load the same page (same
// CSP) in Chromium.
import * as crypto from 'node:crypto';

export interface ViewerPageUris {
  /** The webview's `cspSource` (origin of its local resources). */
  cspSource: string;
  script: string;
  worker: string;
  codicons: string;
  css: string;
  /** Extra stylesheets (tests add a theme). */
  extraCss?: string[];
}

/** A fresh nonce per page, from the crypto RNG. */
export function makeNonce(): string {
  return crypto.randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

/** The Content-Security-Policy of the viewer: nothing but our own nonce'd script, styles, fonts. */
export function viewerCsp(cspSource: string, nonce: string): string {
  // The layout worker is fetched (connect-src) and started from a blob: URL (worker-src), because
  // a Worker cannot be created directly from the webview's resource origin.
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
    `connect-src ${cspSource}`,
    'worker-src blob:',
  ].join('; ');
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function viewerPage(u: ViewerPageUris, nonce = makeNonce()): string {
  const links = [u.codicons, u.css, ...(u.extraCss ?? [])].map((href) => `<link rel="stylesheet" href="${attr(href)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(viewerCsp(u.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${links}
<title>Activation Lens</title>
</head>
<body data-worker="${attr(u.worker)}">
<div id="app"></div>
<script nonce="${nonce}" src="${attr(u.script)}"></script>
</body>
</html>`;
}
