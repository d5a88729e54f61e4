// Where a TF.js layer or graph node is written in a model.json: the offsets of its JSON object,
// so a finding can be shown on exactly that text. Uses jsonc-parser (VS Code's own JSON parser)
// for offsets; no `vscode` import, so it is unit-tested directly.
// The ESM build: the package's main (UMD) build loads its parts with require() calls esbuild cannot
// follow, so the bundled extension failed at activation with "Cannot find module './impl/format'".
import { parseTree, type Node as JsonNode } from 'jsonc-parser/lib/esm/main.js';

export interface JsonRange {
  offset: number;
  length: number;
}

function prop(obj: JsonNode, key: string): JsonNode | undefined {
  if (obj.type !== 'object') return undefined;
  for (const p of obj.children ?? []) {
    const [k, v] = p.children ?? [];
    if (k?.value === key) return v;
  }
  return undefined;
}

/** Every layer object (has class_name and a config with a name) and graph node (has name and op)
 *  under modelTopology, by name. The first occurrence wins. */
export function layerRanges(text: string): Map<string, JsonRange> {
  const out = new Map<string, JsonRange>();
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!root) return out;
  const topo = prop(root, 'modelTopology') ?? root;
  const visit = (n: JsonNode, depth: number) => {
    if (depth > 200) return;
    if (n.type === 'object') {
      const cls = prop(n, 'class_name');
      const config = prop(n, 'config');
      let name: unknown;
      if (cls?.type === 'string' && config?.type === 'object') name = prop(config, 'name')?.value ?? prop(n, 'name')?.value;
      else if (prop(n, 'op')?.type === 'string') name = prop(n, 'name')?.value;
      if (typeof name === 'string' && !out.has(name)) out.set(name, { offset: n.offset, length: n.length });
    }
    for (const c of n.children ?? []) visit(c, depth + 1);
  };
  visit(topo, 0);
  return out;
}
