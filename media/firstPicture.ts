// The first picture of a large model, computed by the extension host and drawn by the webview
// before the whole graph has crossed over.
//
// Why: for a 100,000-node model the webview's first picture has a few dozen boxes, yet it waited
// for the host to encode the whole graph (≈0.6 s), for VS Code to post the 7 MB message (≈0.3 s)
// and for the webview to decode it and build its graph model (≈0.8 s). The host builds the same
// GraphModel, boxes and layout (all DOM-free, the same code the webview runs), so it can send just
// what the first picture shows, in a few kilobytes, before it encodes the rest. The webview draws
// it at once; when the whole graph arrives it lays out the same boxes again (same code, same
// input: the same picture) and becomes interactive.
import type { GraphInfo } from '../src/protocol';
import { frameLabelWidth, modelBoxContext, visibleBoxes, type BoxContent } from './boxes';
import { CompoundLayout, layoutRequest, type CompoundResult } from './compoundLayout';
import { GraphModel, type Container, type VisibleGraph, type VisibleItem } from './graphModel';

/** Models with fewer nodes draw their whole graph quickly enough: no preview. */
export const PREVIEW_MIN_NODES = 5000;

/** The view the preview is drawn for: a webview whose saved state differs draws none. */
export interface PictureSettings {
  direction: 'TB' | 'LR';
  showNames: boolean;
  keras: boolean;
}

interface PictureItem {
  id: string;
  kind: VisibleItem['kind'];
  frame: number;
  /** Nodes: op, colour category, fold kind (0 none). */
  op?: string;
  category?: string;
  fold?: number;
  /** Graph inputs and outputs: the value's name. */
  value?: string;
  /** Closed clusters: the cluster (an entry of `clusters`). */
  cluster?: number;
}

type PictureCluster = Pick<Container, 'index' | 'key' | 'kind' | 'label' | 'short' | 'parent' | 'depth'>;

export interface FirstPicture {
  settings: PictureSettings;
  nodeCount: number;
  foldedCount: number;
  items: PictureItem[];
  boxes: BoxContent[];
  edges: VisibleGraph['edges'];
  /** Open clusters drawn as frames (indices into `clusters`), parents first. */
  frames: number[];
  clusters: PictureCluster[];
  layout: { x: number[]; y: number[]; frames: number[]; edgeStart: number[]; edgeCount: number[]; points: number[]; width: number; height: number };
}

/** The picture the webview would draw first for `graph` with default view settings, or undefined
 *  when the model is small enough to draw whole without one. */
export function firstPicture(graph: GraphInfo, settings: PictureSettings, minNodes = PREVIEW_MIN_NODES): FirstPicture | undefined {
  const model = new GraphModel(graph, { keras: settings.keras });
  if (model.nodeCount < minNodes) return undefined;
  const none = new Set<string>();
  const isOpen = (key: string): boolean => model.isOpen(key, none, none);
  const vg = model.visible({ isOpen: (c) => isOpen(c.key), showFolded: false, revealed: new Set() });
  const ctx = modelBoxContext(model, { showNames: settings.showNames, isOpen });
  const boxes = visibleBoxes(vg, ctx);
  const layout = new CompoundLayout().run(layoutRequest(model, vg, boxes, { model: 0, direction: settings.direction, frameWidth: frameLabelWidth }));
  const clusters: PictureCluster[] = [];
  const clusterIndex = new Map<number, number>();
  const cluster = (c: Container): number => {
    let k = clusterIndex.get(c.index);
    if (k === undefined) {
      k = clusters.length;
      clusterIndex.set(c.index, k);
      clusters.push({ index: c.index, key: c.key, kind: c.kind, label: c.label, short: c.short, parent: c.parent, depth: c.depth });
    }
    return k;
  };
  const frames = vg.frames.map(cluster);
  const items = vg.items.map((it): PictureItem => {
    const p: PictureItem = { id: it.id, kind: it.kind, frame: it.frame };
    if (it.container) p.cluster = cluster(it.container);
    const node = it.flat?.node;
    if (node) Object.assign(p, { op: node.op, category: node.category, fold: it.flat!.fold });
    else if (it.flat?.value) p.value = it.flat.value.name;
    return p;
  });
  return {
    settings,
    nodeCount: model.nodeCount,
    foldedCount: model.foldedCount,
    items,
    boxes,
    edges: vg.edges,
    frames,
    clusters,
    layout: {
      x: Array.from(layout.x),
      y: Array.from(layout.y),
      frames: Array.from(layout.frames),
      edgeStart: Array.from(layout.edgeStart),
      edgeCount: Array.from(layout.edgeCount),
      points: Array.from(layout.points),
      width: layout.width,
      height: layout.height,
    },
  };
}

/** What the graph view draws for a preview: stand-ins for the visible graph's items and frames
 *  carrying just what drawing reads (ids, ops, categories, fold kinds, cluster keys and labels). */
export function pictureView(p: FirstPicture): { vg: VisibleGraph; layout: CompoundResult; boxes: BoxContent[] } {
  const clusters = p.clusters.map((c): Container => ({ ...c, size: 0, drawn: 0, defaultOpen: false, items: [], clusters: [], first: 0 }));
  const items = p.items.map((it, i): VisibleItem => {
    const v: VisibleItem = { id: it.id, kind: it.kind, frame: it.frame };
    if (it.cluster !== undefined) v.container = clusters[it.cluster];
    if (it.kind === 'node') {
      const node = { id: it.id, name: it.id, op: it.op ?? '', domain: '', category: it.category ?? 'other', inputs: [], outputs: [], weights: [], attributes: [], subgraphs: [], parameters: 0 } as unknown as NonNullable<VisibleItem['flat']>['node'];
      v.flat = { index: i, kind: 'node', id: it.id, node, parent: it.frame, fold: (it.fold ?? 0) as 0, anchor: -1 };
    } else if (it.kind === 'input' || it.kind === 'output') {
      v.flat = { index: i, kind: it.kind, id: it.id, value: { name: it.value ?? '' }, parent: it.frame, fold: 0, anchor: -1 };
    }
    return v;
  });
  const L = p.layout;
  const layout: CompoundResult = {
    x: Float64Array.from(L.x),
    y: Float64Array.from(L.y),
    frames: Float64Array.from(L.frames),
    edgeStart: Int32Array.from(L.edgeStart),
    edgeCount: Int32Array.from(L.edgeCount),
    points: Float64Array.from(L.points),
    width: L.width,
    height: L.height,
    ms: 0,
    relaid: 0,
    levels: 0,
  };
  const vg: VisibleGraph = { items, edges: p.edges, frames: p.frames.map((k) => clusters[k]), repOf: new Int32Array(0), refs: new Map(), fanOut: new Map() };
  return { vg, layout, boxes: p.boxes };
}
