// The model panel: format, producer, opsets, inputs/outputs, parameter count, metadata and the
// op histogram.
import type { GraphInfo, ModelInfo } from '../src/protocol';
import { clear, fmtNumber, h } from './dom';
import { shapeText } from './graphModel';

function kv(rows: [string, string][]): HTMLElement {
  const dl = h('dl', { class: 'kv' });
  for (const [k, v] of rows) dl.append(h('dt', null, k), h('dd', null, v));
  return dl;
}

export function renderModelPanel(el: HTMLElement, m: ModelInfo, graph: GraphInfo): void {
  clear(el);
  const wrap = h('div', { class: 'model-panel' });
  wrap.append(h('h2', null, m.file.split(/[\\/]/).pop() ?? m.file));
  wrap.append(
    h('section', null, h('h3', null, 'Model'),
      kv([
        ['format', m.format],
        ['producer', [m.producer, m.producerVersion].filter(Boolean).join(' ') || '–'],
        ['IR version', m.irVersion === null ? '–' : String(m.irVersion)],
        ['opsets', Object.entries(m.opsets).map(([d, v]) => `${d || 'ai.onnx'} ${v}`).join(', ') || '–'],
        ['graph', graph.name || '–'],
        ['nodes', m.nodeCountAll !== m.nodeCount ? `${fmtNumber(m.nodeCount)} (${fmtNumber(m.nodeCountAll)} with subgraphs)` : fmtNumber(m.nodeCount)],
        ['parameters', fmtNumber(m.parameters)],
        ['weights', fmtNumber(m.initializers)],
        ['activations', fmtNumber(m.activationCount ?? m.activations.length)],
        ['file', m.file],
      ])),
  );
  if (m.docString) wrap.append(h('section', null, h('h3', null, 'Documentation'), h('p', { class: 'doc' }, m.docString)));
  const io = (title: string, values: ModelInfo['inputs']) => {
    const t = h('table', { class: 'io-table' }, h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Type'), h('th', null, 'Shape'))));
    const body = h('tbody');
    for (const v of values) body.append(h('tr', null, h('td', null, v.name), h('td', null, v.dtype), h('td', null, shapeText(v.shape) || '?')));
    t.append(body);
    return h('section', null, h('h3', null, title), values.length ? t : h('p', { class: 'muted' }, 'none'));
  };
  wrap.append(io('Inputs', m.inputs), io('Outputs', m.outputs));
  const meta = Object.entries(m.metadata);
  if (meta.length) wrap.append(h('section', { class: 'metadata' }, h('h3', null, 'Metadata'), kv(meta)));
  const ops = Object.entries(m.ops).sort((a, b) => b[1] - a[1]);
  if (ops.length) {
    const max = ops[0][1];
    const list = h('div', { class: 'op-histogram', role: 'list' });
    for (const [op, n] of ops) {
      const bar = h('span', { class: 'bar' });
      bar.style.width = `${Math.max(2, (n / max) * 100)}%`;
      list.append(h('div', { class: 'op-row', role: 'listitem' }, h('span', { class: 'op-name' }, op), h('span', { class: 'bar-track' }, bar), h('span', { class: 'op-count' }, fmtNumber(n))));
    }
    wrap.append(h('section', null, h('h3', null, 'Operators'), list));
  }
  if (m.functions.length) wrap.append(h('section', null, h('h3', null, 'Functions'), h('p', null, m.functions.join(', '))));
  if (m.warnings.length) wrap.append(h('section', null, h('h3', null, 'Warnings'), h('ul', { class: 'warnings' }, ...m.warnings.map((w) => h('li', null, w)))));
  el.append(wrap);
}
