// The glossary panel page: strict CSP with a nonce, data embedded as inert JSON, no HTML built from text.
import * as assert from 'node:assert/strict';
import { GLOSSARY } from '../../src/glossary';
import { glossaryHtml, jsonForScriptBlock } from '../../src/glossary/panelHtml';

describe('glossary panel page', () => {
  const html = glossaryHtml('leaky-relu', 'N0nce123');

  it('has a strict CSP: nothing by default, scripts and styles only with the nonce', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    assert.equal(csp, "default-src 'none'; style-src 'nonce-N0nce123'; script-src 'nonce-N0nce123'");
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    assert.deepEqual(scripts, [' type="application/json" id="glossary-data"', ' nonce="N0nce123"']);
    assert.ok(!/\son\w+=/.test(html), 'inline event handler attributes');
    assert.ok(!/innerHTML|insertAdjacentHTML|document\.write/.test(html), 'HTML built from strings');
  });

  it('embeds every entry and a plot per element-wise activation as JSON that cannot close the script block', () => {
    const block = /<script type="application\/json" id="glossary-data">([\s\S]*?)<\/script>/.exec(html)![1];
    const data = JSON.parse(block);
    assert.equal(data.entries.length, GLOSSARY.length);
    assert.ok(data.plots.relu && data.plots.gelu && !data.plots.softmax);
    assert.equal(jsonForScriptBlock({ t: '</script><img src=x onerror=alert(1)>' }).includes('<'), false);
    assert.deepEqual(JSON.parse(jsonForScriptBlock({ t: '</script>&\u2028' })), { t: '</script>&\u2028' });
  });

  it('opens at the requested entry, and ignores an initial id that is not a plain id', () => {
    assert.match(html, /<body data-initial="leaky-relu">/);
    assert.match(glossaryHtml('"><script>x</script>', 'n'), /<body data-initial="">/);
  });
});
