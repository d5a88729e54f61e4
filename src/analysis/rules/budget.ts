// A bound on how many weight elements one analysis streams. Some passes cannot share work between
// nodes (moments through a linear layer depend on that layer's input), so a 1 MB weight shared by
// 20,000 layers would cost 20 GB of reading. The budget ties the work to what the model stores:
// a few passes over every weight, plus a floor for small models. Past it, those passes stop (the
// rules fall back to estimates that need no such pass) instead of running for hours.
import type { Graph } from '../../core/model';

/** Passes over all stored weights one analysis may make. */
const PASSES = 4;
/** Elements always allowed, whatever the model stores. */
const FLOOR = 1 << 24;

export class WorkBudget {
  constructor(private remaining: number) {}

  static forGraph(graph: Graph): WorkBudget {
    let stored = 0;
    for (const t of graph.initializers) stored += t.elementCount;
    return new WorkBudget(FLOOR + PASSES * Math.min(stored, Number.MAX_SAFE_INTEGER / 8));
  }

  /** Takes `elements` from the budget; false (and nothing taken) when they do not fit. */
  spend(elements: number): boolean {
    if (!(elements <= this.remaining)) return false;
    this.remaining -= elements;
    return true;
  }
}
