#!/usr/bin/env bash
# Compares `activation-lens inspect --json` with the reference Python onnx library on any models:
#   bash scripts/reference/compare.sh MODEL.onnx...
# Prints one line per model: "same" or the fields that differ.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
for model in "$@"; do
  mkdir -p "$tmp/m" && rm -f "$tmp/m"/*
  ln -sf "$(realpath "$model")" "$tmp/m/model.onnx"
  /usr/bin/python3 "$here/onnx_reference.py" "$tmp/m" "$tmp/ref.json" >/dev/null
  node "$here/../../dist/cli.js" inspect --json "$model" > "$tmp/ours.json"
  node -e '
    const ref = Object.values(require(process.argv[1]))[0];
    const ours = require(process.argv[2]);
    if (ref.error) { console.log(`${process.argv[3]}: the reference cannot read it: ${ref.error}`); process.exit(0); }
    const canon = (v) => JSON.stringify(v, (k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));
    const diff = Object.keys(ref).filter((k) => canon(ref[k]) !== canon(ours[k]));
    console.log(`${process.argv[3]}: ${diff.length ? "DIFFERENT in " + diff.map((k) => `${k} (ours ${JSON.stringify(ours[k]).slice(0, 80)} vs ${JSON.stringify(ref[k]).slice(0, 80)})`).join(", ") : "same"}`);
  ' "$tmp/ref.json" "$tmp/ours.json" "$model"
done
