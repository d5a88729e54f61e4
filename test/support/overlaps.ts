// Geometric checks of a laid-out graph with nested cluster frames: no box overlaps another box,
// every box and frame lies inside the frames around it and outside all others, and no frame label
// overlaps a box or another label. Used on layouts computed in Node (unit tests) and on the boxes
// drawn in Chromium and in code-server (webview and UI tests).

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface DrawnBox {
  id: string;
  /** Key of the frame it is drawn in; '' at the top level. */
  frame: string;
  r: Rect;
}

export interface DrawnFrame {
  key: string;
  /** Key of the frame around it; '' at the top level. */
  parent: string;
  r: Rect;
  label: Rect;
}

/** Overlap of two rectangles, with `slack` pixels of touching allowed. */
export function overlaps(a: Rect, b: Rect, slack = 0.5): boolean {
  return a.x + a.w > b.x + slack && b.x + b.w > a.x + slack && a.y + a.h > b.y + slack && b.y + b.h > a.y + slack;
}

export function contains(outer: Rect, inner: Rect, slack = 0.5): boolean {
  return inner.x >= outer.x - slack && inner.y >= outer.y - slack && inner.x + inner.w <= outer.x + outer.w + slack && inner.y + inner.h <= outer.y + outer.h + slack;
}

/** Every violation, described; an empty list when the drawing is clean. */
export function layoutViolations(boxes: DrawnBox[], frames: DrawnFrame[]): string[] {
  const out: string[] = [];
  const byKey = new Map(frames.map((f) => [f.key, f]));
  const ancestors = (key: string): Set<string> => {
    const s = new Set<string>();
    for (let k = key; k; k = byKey.get(k)?.parent ?? '') s.add(k);
    return s;
  };
  const str = (r: Rect) => `(${Math.round(r.x)},${Math.round(r.y)} ${Math.round(r.w)}×${Math.round(r.h)})`;
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++)
      if (overlaps(boxes[i].r, boxes[j].r)) out.push(`box ${boxes[i].id} ${str(boxes[i].r)} overlaps box ${boxes[j].id} ${str(boxes[j].r)}`);
  for (const b of boxes) {
    const around = ancestors(b.frame);
    for (const f of frames) {
      if (around.has(f.key)) {
        if (!contains(f.r, b.r)) out.push(`box ${b.id} ${str(b.r)} sticks out of its frame ${f.key} ${str(f.r)}`);
      } else if (overlaps(f.r, b.r)) out.push(`frame ${f.key} ${str(f.r)} overlaps box ${b.id} ${str(b.r)} drawn outside it`);
      if (overlaps(f.label, b.r)) out.push(`label of frame ${f.key} ${str(f.label)} overlaps box ${b.id} ${str(b.r)}`);
    }
  }
  for (let i = 0; i < frames.length; i++) {
    const a = frames[i];
    if (!contains(a.r, a.label)) out.push(`label of frame ${a.key} sticks out of it`);
    for (let j = i + 1; j < frames.length; j++) {
      const b = frames[j];
      const aInB = ancestors(a.parent).has(b.key), bInA = ancestors(b.parent).has(a.key);
      if (aInB ? !contains(b.r, a.r) : bInA ? !contains(a.r, b.r) : overlaps(a.r, b.r)) out.push(`frames ${a.key} ${str(a.r)} and ${b.key} ${str(b.r)} overlap`);
      if (overlaps(a.label, b.label)) out.push(`labels of frames ${a.key} and ${b.key} overlap`);
      // a label lies inside the frames around its frame and outside all others
      if (!aInB && overlaps(a.label, b.r) && !bInA) out.push(`label of frame ${a.key} overlaps frame ${b.key}`);
      if (!bInA && overlaps(b.label, a.r) && !aInB) out.push(`label of frame ${b.key} overlaps frame ${a.key}`);
      if (aInB && overlaps(b.label, a.r)) out.push(`label of frame ${b.key} overlaps its inner frame ${a.key}`);
      if (bInA && overlaps(a.label, b.r)) out.push(`label of frame ${a.key} overlaps its inner frame ${b.key}`);
    }
  }
  return out;
}

/**
 * A JavaScript expression (evaluated in the viewer's page, also inside VS Code's webview frame)
 * that collects the drawn boxes and frames in screen coordinates, as `layoutViolations` takes them.
 */
export const COLLECT_DRAWN = `(() => {
  const r = (e) => { const b = e.getBoundingClientRect(); return { x: b.x, y: b.y, w: b.width, h: b.height }; };
  const boxes = [...document.querySelectorAll('#graph g[data-index]')].map((g) => ({
    id: g.getAttribute('data-node-id') || g.getAttribute('data-group') || g.getAttribute('data-io'),
    frame: g.getAttribute('data-in') || '',
    r: r(g.querySelector('rect.box')),
  }));
  const frames = [...document.querySelectorAll('#graph g.frame')].map((g) => ({
    key: g.getAttribute('data-frame'),
    parent: g.getAttribute('data-parent') || '',
    r: r(g.querySelector('rect')),
    label: r(g.querySelector('text.frame-label')),
  }));
  return { boxes, frames };
})()`;
