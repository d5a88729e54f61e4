// Which weights a Keras layer owns, by name: weight "model/dense_1/kernel" belongs to the layers
// named "model", "dense_1" and "model/dense_1" — any run of its path segments before the last
// (converters prefix outer model names).
//
// Why an index: matching each layer name against every weight name (startsWith / includes) is
// layers × weights string searches — 20,000 layers named "m/d_i" took 11 s. Here every run of up
// to MAX_RUN segments of every weight is entered once into a trie over segment ids, so building
// costs MAX_RUN steps per weight segment and a lookup costs the name's own segments.

/** Longest layer name, in '/'-separated segments, that owns weights (real names have 1–4). */
const MAX_RUN = 16;

interface TrieNode {
  children?: Map<number, TrieNode>;
  weights?: string[];
  /** Index of the weight added last (a path naming the layer twice adds the weight once). */
  last?: number;
}

export class WeightOwners {
  private readonly ids = new Map<string, number>();
  private readonly root: TrieNode = {};

  constructor(weightNames: readonly string[]) {
    weightNames.forEach((w, index) => {
      const segments = w.split('/');
      const path = segments.slice(0, -1).map((s) => this.id(s));
      for (let i = 0; i < path.length; i++) {
        let node = this.root;
        for (let j = i; j < path.length && j - i < MAX_RUN; j++) {
          node.children ??= new Map();
          let next = node.children.get(path[j]);
          if (!next) node.children.set(path[j], (next = {}));
          node = next;
          // A name can occur twice in one weight's path ("a/b/a/b/kernel"): list the weight once.
          if (node.last !== index) (node.weights ??= []).push(w);
          node.last = index;
        }
      }
    });
  }

  private id(segment: string): number {
    let id = this.ids.get(segment);
    if (id === undefined) this.ids.set(segment, (id = this.ids.size));
    return id;
  }

  /** The weights whose path has `layerName` as a run of its segments, in manifest order. */
  of(layerName: string): string[] {
    const segments = layerName.split('/');
    if (segments.length > MAX_RUN) return [];
    let node: TrieNode | undefined = this.root;
    for (const s of segments) {
      const id = this.ids.get(s);
      node = id === undefined ? undefined : node.children?.get(id);
      if (!node) return [];
    }
    return [...(node.weights ?? [])];
  }
}
