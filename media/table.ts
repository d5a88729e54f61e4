// The layer table: every node as DOM text (the accessible view, and the fast one for huge
// models). Sortable by any column, filterable; clicking a row selects the node.
import type { NodeActivationResult, ViewerState } from '../src/protocol';
import { h, percent } from './dom';
import type { FlatItem, GraphModel } from './graphModel';
import { shapeText } from './graphModel';

interface Row {
  flat: number;
  tr: HTMLTableRowElement;
  name: string;
  op: string;
  shape: string;
  params: number;
  activation: string;
  /** measured share of dead units / fraction of zero outputs; undefined without results */
  dead?: number;
  zeroFraction?: number;
  /** the overlay's quantity; both runs' values of it and the change (B − A) in a comparison */
  overlay?: number;
  valueA?: number;
  valueB?: number;
  change?: number;
  /** lower-cased text the filter matches */
  text: string;
}

const NUMBER = new Intl.NumberFormat('en-US');
const FIRST_ROWS = 1000;
const ROWS_PER_SLICE = 4000;

// `measured` columns stay hidden (header and cells) until activation results arrive, the overlay
// column while no overlay quantity is chosen, the compare columns while no comparison is shown;
// every row always has all cells, so the template and the ARIA columns never change shape.
const COLUMNS = [
  { key: 'index', label: '#', cls: 'num', width: '48px' },
  { key: 'name', label: 'Name', cls: 'name', width: 'minmax(120px, 3fr)' },
  { key: 'op', label: 'Op', cls: '', width: 'minmax(80px, 1fr)' },
  { key: 'shape', label: 'Output shape', cls: 'shape', width: 'minmax(90px, 1.4fr)' },
  { key: 'params', label: 'Parameters', cls: 'num', width: '90px' },
  { key: 'activation', label: 'Activation', cls: '', width: 'minmax(90px, 1fr)' },
  { key: 'dead', label: 'Dead', cls: 'num measured', measured: true, title: 'Share of units that never activated in the last run', width: '64px' },
  { key: 'zeroFraction', label: 'Zero fraction', cls: 'num measured', measured: true, title: 'Share of outputs that were exactly zero in the last run', width: '100px' },
  { key: 'overlay', label: 'Overlay', cls: 'num col-overlay', width: '90px' },
  { key: 'valueA', label: 'A', cls: 'num col-compare', width: '80px' },
  { key: 'valueB', label: 'B', cls: 'num col-compare', width: '80px' },
  { key: 'change', label: 'Change', cls: 'num col-compare', width: '80px' },
] as const;
type ColumnKey = (typeof COLUMNS)[number]['key'];
const cell = (key: ColumnKey) => COLUMNS.findIndex((c) => c.key === key);
const DEAD_CELL = cell('dead');
const ZERO_CELL = cell('zeroFraction');
const OVERLAY_CELL = cell('overlay');
const A_CELL = cell('valueA');
const B_CELL = cell('valueB');
const CHANGE_CELL = cell('change');
/** Columns sorted by a number that may be missing (rows without one go last either way). */
const NUMERIC_EXTRAS = new Set<string>(['overlay', 'valueA', 'valueB', 'change']);

/** The overlay's column: its quantity's value per node (media/overlay.ts). */
export interface OverlayColumn {
  label: string;
  title: string;
  value(name: string): number | undefined;
  format(v: number): string;
}

/** The compare columns: both runs' values of one quantity and the change B − A. */
export interface CompareColumns {
  labelA: string;
  labelB: string;
  titleA: string;
  titleB: string;
  changeLabel: string;
  changeTitle: string;
  a(name: string): number | undefined;
  b(name: string): number | undefined;
  change(name: string): number | undefined;
  formatValue(v: number): string;
  formatChange(v: number): string;
  /** Why a layer has no counterpart (unmatched, ambiguous), for its cells' tooltip. */
  unmatched(name: string): string | undefined;
}

export { percent };

export class LayerTable {
  readonly table: HTMLTableElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly rows: Row[] = [];
  private readonly byFlat = new Map<number, Row>();
  private readonly filter: HTMLInputElement;
  private readonly count: HTMLElement;
  private readonly headers = new Map<string, HTMLTableCellElement>();
  private selected?: Row;

  constructor(host: HTMLElement, private readonly model: GraphModel, private readonly onSelect: (flat: number) => void, private readonly state: ViewerState, private readonly save: () => void) {
    this.filter = h('input', { id: 'table-filter', type: 'search', placeholder: 'Filter by name, op, shape or activation', 'aria-label': 'Filter layers', spellcheck: 'false' });
    this.count = h('span', { class: 'count', 'aria-live': 'polite' });
    // Explicit ARIA roles: the CSS lays rows out as grids (so off-screen rows can skip layout),
    // which would otherwise cost the table its semantics in some browsers.
    this.table = h('table', { id: 'layer-table', role: 'table', 'aria-label': 'Layers' });
    const headRow = h('tr', { role: 'row' });
    for (const c of COLUMNS) {
      const b = h('button', { type: 'button', 'data-sort': c.key, title: 'title' in c ? c.title : undefined }, c.label);
      // measured columns: the interesting rows are the deadest, so they sort descending first
      const firstDescending = 'measured' in c || NUMERIC_EXTRAS.has(c.key);
      b.addEventListener('click', () => this.sortBy(c.key, this.state.sort?.column === c.key ? !this.state.sort.descending : firstDescending));
      const th = h('th', { scope: 'col', role: 'columnheader', 'data-column': c.key, 'aria-sort': 'none', class: 'measured' in c ? 'measured' : NUMERIC_EXTRAS.has(c.key) ? c.cls.replace('num ', '') : undefined }, b);
      this.headers.set(c.key, th);
      headRow.append(th);
    }
    this.tbody = h('tbody', { role: 'rowgroup' });
    this.table.append(h('thead', { role: 'rowgroup' }, headRow), this.tbody);
    host.append(h('div', { class: 'table-tools' }, this.filter, this.count), h('div', { class: 'table-scroll' }, this.table));

    // Rows are cloned from one template and filled with textContent: for 20,000 nodes this is
    // several times faster than building each cell (and never parses model strings as HTML).
    const template = h('tr', { role: 'row', tabindex: '-1' });
    for (const c of COLUMNS) template.append(h('td', { role: 'cell', class: c.cls || undefined }));
    this.template = template;
    this.pendingItems = model.items.filter((it) => it.kind === 'node');
    this.total = this.pendingItems.length;
    // The first screenfuls at once, the rest in slices between frames: a 20,000-node table
    // appears immediately and stays responsive while it fills.
    this.buildRows(FIRST_ROWS);
    this.tbody.addEventListener('click', (ev) => {
      const tr = (ev.target as Element).closest('tr');
      const id = tr?.getAttribute('data-node-id');
      const it = id ? model.byId.get(id) : undefined;
      if (it) this.onSelect(it.index);
    });
    this.tbody.addEventListener('keydown', (ev) => {
      const tr = (ev.target as Element).closest('tr');
      if (!tr) return;
      if (ev.key === 'Enter') (tr as HTMLElement).click();
      else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        let next = (ev.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling) as HTMLElement | null;
        while (next && next.hidden) next = (ev.key === 'ArrowDown' ? next.nextElementSibling : next.previousElementSibling) as HTMLElement | null;
        next?.focus();
      }
    });
    let timer = 0;
    this.filter.addEventListener('input', () => {
      clearTimeout(timer);
      timer = window.setTimeout(() => this.applyFilter(this.filter.value), 80);
    });
    if (state.filter) this.filter.value = state.filter;
    this.layoutColumns();
    this.render();
    this.complete = new Promise((resolve) => {
      const step = () => {
        if (!this.pendingItems.length) return resolve();
        const before = this.rows.length;
        this.buildRows(ROWS_PER_SLICE);
        const plain = !this.state.sort && !(this.state.filter ?? '').trim();
        if (plain) {
          // unsorted and unfiltered: the new rows simply go at the end
          const frag = document.createDocumentFragment();
          for (let i = before; i < this.rows.length; i++) frag.append(this.rows[i].tr);
          this.tbody.append(frag);
          this.updateCount(this.rows.length);
        } else if (!this.pendingItems.length) this.render();
        else this.updateCount(this.tbody.rows.length);
        setTimeout(step, 0);
      };
      if (this.pendingItems.length) setTimeout(step, 0);
      else resolve();
    });
  }

  /** Resolves when every node has its row. */
  readonly complete: Promise<void>;
  private readonly template: HTMLTableRowElement;
  private pendingItems: FlatItem[];
  private readonly total: number;
  /** Rows in display order (sorted), all of them; the tbody holds those the filter keeps. */
  private order: Row[] = [];

  private buildRows(max: number): void {
    const items = this.pendingItems.splice(0, max);
    for (const it of items) {
      const n = it.node!;
      const shape = n.outputs.map((o) => shapeText(o.shape) || '?').join(', ');
      const activation = n.activation ? `${n.activation.op}${n.activation.fused ? ' (fused)' : ''}` : '';
      const tr = this.template.cloneNode(true) as HTMLTableRowElement;
      tr.setAttribute('data-node-id', it.id);
      tr.className = `cat-${n.category}`;
      const c = tr.cells;
      c[0].textContent = String(this.rows.length + 1);
      c[1].textContent = n.name || '(unnamed)';
      c[2].textContent = n.op;
      if (it.fold) {
        // drawn in the graph as part of the node that reads it
        tr.classList.add('folded');
        c[2].title = `Folded into ${this.model.items[it.anchor]?.node?.name || 'its consumer'}: ${it.fold === 1 ? 'drawn as its weight' : 'part of its shape computation'}`;
      }
      c[3].textContent = shape;
      c[4].textContent = n.parameters ? NUMBER.format(n.parameters) : '';
      c[5].textContent = activation;
      if (n.activation) {
        c[5].className = n.activation.relu ? 'act relu' : 'act';
        // hovering the cell (or focusing the row) shows the glossary card (media/glossaryCard.ts)
        c[5].setAttribute('data-term', n.activation.op);
        c[5].setAttribute('data-term-context', n.name ? `${n.op}: ${n.name}` : n.op);
      }
      const row: Row = { flat: it.index, tr, name: n.name, op: n.op, shape, params: n.parameters, activation, text: `${n.name}\n${n.op}\n${shape}\n${activation}`.toLowerCase() };
      if (this.measured) this.fillMeasured(row, this.measured.get(n.name));
      if (this.overlayColumn || this.compareColumns) this.fillExtras(row);
      this.rows.push(row);
      this.byFlat.set(it.index, row);
      if (it.index === this.selectedFlat) this.mark(row);
    }
  }

  /** Results of the last activation run by node name; undefined until one arrives. */
  private measured?: Map<string, NodeActivationResult>;

  /** Shows the Dead and Zero fraction columns and fills them (rows built later fill themselves).
   *  An empty result set hides the columns again (the model changed). */
  setActivation(results: Map<string, NodeActivationResult>): void {
    this.measured = results.size ? results : undefined;
    this.table.classList.toggle('measured', !!this.measured);
    for (const r of this.rows) this.fillMeasured(r, this.measured?.get(r.name));
    this.layoutColumns();
    if (this.state.sort && (this.state.sort.column === 'dead' || this.state.sort.column === 'zeroFraction')) this.render();
  }

  private overlayColumn?: OverlayColumn;
  private compareColumns?: CompareColumns;

  /** Shows (or, with undefined, hides) the overlay column and the compare columns, and fills them. */
  setExtras(overlay: OverlayColumn | undefined, compare: CompareColumns | undefined): void {
    this.overlayColumn = overlay;
    this.compareColumns = compare;
    this.table.classList.toggle('show-overlay', !!overlay);
    this.table.classList.toggle('compared', !!compare);
    const head = (key: ColumnKey, label: string, title: string) => {
      const b = this.headers.get(key)!.querySelector('button')!;
      b.textContent = label;
      b.title = title;
    };
    if (overlay) head('overlay', overlay.label, overlay.title);
    if (compare) {
      head('valueA', compare.labelA, compare.titleA);
      head('valueB', compare.labelB, compare.titleB);
      head('change', compare.changeLabel, compare.changeTitle);
    }
    for (const r of this.rows) this.fillExtras(r);
    this.layoutColumns();
    if (this.state.sort && NUMERIC_EXTRAS.has(this.state.sort.column)) this.render();
  }

  private fillExtras(row: Row): void {
    const c = row.tr.cells;
    const o = this.overlayColumn, k = this.compareColumns;
    row.overlay = o?.value(row.name);
    c[OVERLAY_CELL].textContent = row.overlay === undefined ? '' : o!.format(row.overlay);
    row.valueA = k?.a(row.name);
    row.valueB = k?.b(row.name);
    row.change = k?.change(row.name);
    c[A_CELL].textContent = row.valueA === undefined ? '' : k!.formatValue(row.valueA);
    c[B_CELL].textContent = row.valueB === undefined ? '' : k!.formatValue(row.valueB);
    c[CHANGE_CELL].textContent = row.change === undefined ? '' : k!.formatChange(row.change);
    c[CHANGE_CELL].classList.toggle('up', row.change !== undefined && row.change > 0);
    c[CHANGE_CELL].classList.toggle('down', row.change !== undefined && row.change < 0);
    const why = k?.unmatched(row.name);
    for (const i of [A_CELL, B_CELL, CHANGE_CELL]) {
      if (why) c[i].title = why;
      else c[i].removeAttribute('title');
    }
  }

  /** Marks the column holding the graph overlay's values (its header says so), or none. */
  markOverlayColumn(key: string | undefined): void {
    for (const [k, th] of this.headers) {
      if (k === key) th.setAttribute('data-overlay', 'true');
      else th.removeAttribute('data-overlay');
    }
  }

  /** The grid's columns: those shown, each at its width (rows are grids, see viewer.css). */
  private layoutColumns(): void {
    const shown = COLUMNS.filter((c) => {
      if (c.key === 'dead' || c.key === 'zeroFraction') return !!this.measured;
      if (c.key === 'overlay') return !!this.overlayColumn;
      if (c.key === 'valueA' || c.key === 'valueB' || c.key === 'change') return !!this.compareColumns;
      return true;
    });
    this.table.style.setProperty('--al-columns', shown.map((c) => c.width).join(' '));
  }

  private fillMeasured(row: Row, r: NodeActivationResult | undefined): void {
    const c = row.tr.cells;
    row.dead = r?.deadShare;
    row.zeroFraction = r?.zeroFraction;
    c[DEAD_CELL].textContent = r ? percent(r.deadShare) : '';
    c[ZERO_CELL].textContent = r ? percent(r.zeroFraction) : '';
    const units = r?.activeRate.length ?? 0;
    if (r && units) c[DEAD_CELL].title = `${Math.round(r.deadShare * units)} of ${NUMBER.format(units)} units dead`;
    else c[DEAD_CELL].removeAttribute('title');
    c[DEAD_CELL].classList.toggle('has-dead', !!r && r.deadShare > 0);
  }

  /** Puts the rows the filter keeps, in sort order, into the tbody. Rows filtered out leave the
   *  DOM (hiding 20,000 rows one by one cost seconds of style and layout). */
  private render(): void {
    const sort = this.state.sort;
    this.order = sort ? this.sorted(sort.column, sort.descending) : this.rows.slice();
    const q = (this.state.filter ?? '').trim().toLowerCase();
    const frag = document.createDocumentFragment();
    let shown = 0;
    for (const r of this.order) {
      if (q && !r.text.includes(q)) continue;
      frag.append(r.tr);
      shown++;
    }
    this.tbody.replaceChildren(frag);
    // Roving tabindex: Tab reaches the first row, arrow keys move between rows.
    if (this.tabStop) this.tabStop.tabIndex = -1;
    this.tabStop = this.tbody.rows[0];
    if (this.tabStop) this.tabStop.tabIndex = 0;
    for (const [k, th] of this.headers) th.setAttribute('aria-sort', sort && k === sort.column ? (sort.descending ? 'descending' : 'ascending') : 'none');
    this.updateCount(shown);
  }

  applyFilter(text: string): void {
    this.state.filter = text;
    this.save();
    this.render();
  }

  private updateCount(shown: number): void {
    const all = NUMBER.format(this.total);
    const building = this.rows.length < this.total ? ` (listing ${NUMBER.format(this.rows.length)}…)` : '';
    this.count.textContent = (shown === this.total ? `${all} layers` : `${NUMBER.format(shown)} of ${all} layers`) + building;
  }

  sortBy(column: string, descending: boolean): void {
    this.state.sort = { column, descending };
    this.save();
    this.render();
  }

  private sorted(column: string, descending: boolean): Row[] {
    const key = (r: Row): string | number | undefined => {
      switch (column) {
        case 'name':
          return r.name.toLowerCase();
        case 'op':
          return r.op.toLowerCase();
        case 'shape':
          return r.shape;
        case 'params':
          return r.params;
        case 'activation':
          return r.activation.toLowerCase();
        case 'dead':
          return r.dead;
        case 'zeroFraction':
          return r.zeroFraction;
        case 'overlay':
          return r.overlay;
        case 'valueA':
          return r.valueA;
        case 'valueB':
          return r.valueB;
        case 'change':
          return r.change;
        default:
          return r.flat;
      }
    };
    const keyed = this.rows.map((r) => ({ r, k: key(r) }));
    keyed.sort((a, b) => {
      // rows without a value (non-activation nodes in a measured column) go last either way
      if (a.k === undefined || b.k === undefined) return a.k === b.k ? a.r.flat - b.r.flat : a.k === undefined ? 1 : -1;
      const c = a.k < b.k ? -1 : a.k > b.k ? 1 : a.r.flat - b.r.flat;
      return descending ? -c : c;
    });
    return keyed.map((x) => x.r);
  }

  private selectedFlat = -1;
  private tabStop?: HTMLTableRowElement;

  private mark(row: Row): void {
    row.tr.classList.add('selected');
    row.tr.setAttribute('aria-selected', 'true');
  }

  setSelected(flat: number): void {
    this.selected?.tr.classList.remove('selected');
    this.selected?.tr.removeAttribute('aria-selected');
    this.selectedFlat = flat;
    this.selected = this.byFlat.get(flat);
    if (this.selected) {
      this.mark(this.selected);
      if (this.selected.tr.isConnected && this.table.offsetParent) this.selected.tr.scrollIntoView({ block: 'nearest' });
    }
  }
}
