// How often an open model uses an activation, for the "in open models" line of the hover card.
// The viewer/analysis owns the models; it registers a provider here and the card asks it.
import { activationOf } from '../analysis/activations';
import { constantScalarLookup } from '../analysis/constants';
import { nestedGraphs, type Graph, type Model } from '../core/model';
import { resolveTerm } from './lookup';

export interface ActivationUsage {
  /** Display name of the model (usually its file name). */
  model: string;
  /** Number of layers in that model applying this activation. */
  layers: number;
  /** Measured share of dead units over those layers (0..1), when a run exists. */
  deadShare?: number;
  /** Command that reveals the first such layer in the viewer. */
  reveal?: { command: string; args: unknown[]; label?: string };
}

/** Given a glossary entry id, returns one row per open model that contains that activation. */
export type ActivationUsageProvider = (entryId: string) => ActivationUsage[];

const providers = new Set<ActivationUsageProvider>();

/** Registers a source of per-model activation counts; call `dispose()` to remove it. */
export function setModelActivationCounts(provider: ActivationUsageProvider): { dispose(): void } {
  providers.add(provider);
  return { dispose: () => void providers.delete(provider) };
}

/** Usage rows from every registered provider; a failing provider is skipped, not fatal. */
export function activationUsage(entryId: string): ActivationUsage[] {
  const rows: ActivationUsage[] = [];
  for (const p of providers) {
    try {
      rows.push(...p(entryId).filter((r) => r.layers > 0));
    } catch {
      // A provider bug must not break hovers.
    }
  }
  return rows;
}

/** The glossary entry id for an activation op name as reported by `activationOf` (Relu6, FastGelu…). */
export function entryIdForActivationOp(op: string): string | undefined {
  const e = resolveTerm(op);
  return e?.kind === 'activation' ? e.id : undefined;
}

export interface ModelActivationCount {
  layers: number;
  /** Node names, in graph order, so a viewer can reveal the first one. */
  nodes: string[];
}

/** Counts the activation layers of a model per glossary entry id (main graph and subgraphs). */
export function countActivationEntries(model: Model): Map<string, ModelActivationCount> {
  const counts = new Map<string, ModelActivationCount>();
  const graphs: Graph[] = [model.graph, ...nestedGraphs(model.graph)];
  for (const g of graphs) {
    const scalar = constantScalarLookup(g);
    for (const node of g.nodes) {
      const act = activationOf(node, scalar);
      const id = act && entryIdForActivationOp(act.op);
      if (!id) continue;
      const c = counts.get(id) ?? { layers: 0, nodes: [] };
      c.layers += 1;
      c.nodes.push(node.name);
      counts.set(id, c);
    }
  }
  return counts;
}
