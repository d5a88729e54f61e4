// Exports the current graph view: SVG (the drawn elements with their theme colours inlined, so
// the file looks the same outside VS Code) and PNG (painted on a canvas at twice the resolution).
import type { GraphView } from './graphView';

const STYLE_PROPS = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'opacity', 'font-family', 'font-size', 'font-weight', 'display'];

export function exportSvg(view: GraphView): string {
  view.update();
  const W = view.svg.clientWidth || 800, H = view.svg.clientHeight || 600;
  const clone = view.svg.cloneNode(true) as SVGSVGElement;
  const src = view.svg.querySelectorAll('*');
  const dst = clone.querySelectorAll('*');
  src.forEach((el, i) => {
    const cs = getComputedStyle(el);
    const d = dst[i] as SVGElement;
    const decl = STYLE_PROPS.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(';');
    d.setAttribute('style', decl);
    d.removeAttribute('class');
  });
  clone.removeAttribute('tabindex');
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(W));
  clone.setAttribute('height', String(H));
  clone.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', view.colors.get('background') ?? '#ffffff');
  clone.insertBefore(bg, clone.firstChild);
  return new XMLSerializer().serializeToString(clone);
}

/** PNG as base64 (no data: prefix). */
export function exportPng(view: GraphView): string {
  const W = view.svg.clientWidth || 800, H = view.svg.clientHeight || 600;
  const scale = 2;
  const canvas = document.createElement('canvas');
  canvas.width = W * scale;
  canvas.height = H * scale;
  const ctx = canvas.getContext('2d')!;
  ctx.scale(scale, scale);
  ctx.fillStyle = view.colors.get('background') ?? '#ffffff';
  ctx.fillRect(0, 0, W, H);
  view.paint(ctx, view.transform, W, H, true);
  return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}
