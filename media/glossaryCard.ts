// The glossary card in the viewer: the same card the editor hovers show (built by the host from
// src/glossary, see ViewerSession.glossaryCard), shown as a popover when the pointer rests on, or
// the keyboard focuses, anything carrying a `data-term` attribute: activation nodes in the graph,
// activation cells in the layer table, op/activation terms in the details panel, finding rules.
// Every string goes in with textContent; links post typed messages, never command names.
import type { GlossaryCard, HostMessage, WebviewMessage } from '../src/protocol';
import { h } from './dom';

type CardReply = Extract<HostMessage, { type: 'glossaryCard' }>;
/** Pointer cards wait for the pointer to rest; keyboard cards open at once and Tab enters them. */
export type Via = 'pointer' | 'keyboard';

/** Same ids as src/glossary/card.ts and SELECT_NODE_LINK in src/extension/viewerGraph.ts (kept as
 *  strings: importing them would bundle the glossary into the webview). */
const OPEN_GLOSSARY = 'activationLens.openGlossary';
const EXPLAIN_TERM = 'activationLens.explainTerm';
const SELECT_NODE = 'activationLens.viewer.selectNode';

/** Resting time before a card opens (VS Code's own hover delay is 300 ms). */
const SHOW_DELAY = 300;
/** Time to move the pointer from the term onto the card before it closes. */
const HIDE_DELAY = 250;

export class GlossaryCards {
  readonly el: HTMLElement;
  private readonly replies = new Map<string, Promise<CardReply | undefined>>();
  private readonly waiting = new Map<number, (r: CardReply) => void>();
  private nextId = 1;
  private anchor?: Element;
  /** What the card is being opened for; a newer hover or a hide makes older replies stale. */
  private want?: { anchor: Element; term: string; context?: string; via: Via };
  private showTimer = 0;
  private hideTimer = 0;
  /** After leaving the card with Tab, the next Tab on the term moves on instead of re-entering. */
  private passTab = false;

  constructor(
    private readonly post: (m: WebviewMessage) => void,
    private readonly selectNode: (node: string) => void,
  ) {
    this.el = h('div', { id: 'glossary-card', class: 'glossary-card', role: 'tooltip', hidden: '' });
    document.body.append(this.el);
    document.addEventListener('mouseover', (ev) => this.pointerOver(ev.target as Element | null));
    document.addEventListener('mouseout', (ev) => this.pointerOut(ev.relatedTarget as Element | null));
    document.addEventListener('focusin', (ev) => this.focusIn(ev.target as Element | null));
    document.addEventListener('focusout', (ev) => this.focusOut(ev.relatedTarget as Element | null));
    document.addEventListener('keydown', (ev) => this.keydown(ev), true);
  }

  /** Cards include this model's layer counts and measured dead share: ask again after a new
   *  model or new activation results. */
  invalidate(): void {
    this.replies.clear();
    const w = this.want;
    if (w && !this.el.hidden) {
      this.want = undefined;
      this.open(w.anchor, w.term, w.context, w.via === 'keyboard' ? 'keyboard' : 'pointer', 0);
    }
  }

  handle(m: CardReply): void {
    this.waiting.get(m.id)?.(m);
    this.waiting.delete(m.id);
  }

  /** Opens the card for an element with `data-term` (or for an explicit term, e.g. a graph node
   *  reached with the arrow keys). */
  open(anchor: Element, term = anchor.getAttribute('data-term') ?? '', context = anchor.getAttribute('data-term-context') ?? undefined, via: Via = 'pointer', delay = via === 'keyboard' ? 0 : SHOW_DELAY): void {
    clearTimeout(this.hideTimer);
    if (!term) return this.hide();
    // Moving between the parts of one box (rect, text) fires mouseover again: keep the timer.
    if (this.want?.anchor === anchor && this.want.term === term && (via === 'pointer' || this.want.via === via)) return;
    clearTimeout(this.showTimer);
    const want = (this.want = { anchor, term, context, via });
    this.showTimer = window.setTimeout(() => {
      void this.card(term).then((reply) => {
        if (this.want !== want || !anchor.isConnected) return;
        if (!reply?.card) return this.hide();
        this.render(reply.card, context, anchor);
      });
    }, delay);
  }

  hide(): void {
    clearTimeout(this.showTimer);
    clearTimeout(this.hideTimer);
    this.want = undefined;
    this.anchor?.removeAttribute('aria-describedby');
    this.anchor = undefined;
    this.el.hidden = true;
  }

  /** Closes the card when what it points at left the DOM (details re-rendered, graph redrawn). */
  checkAnchor(): void {
    if (this.anchor && !this.anchor.isConnected) this.hide();
  }

  private card(term: string): Promise<CardReply | undefined> {
    let p = this.replies.get(term);
    if (!p) {
      const id = this.nextId++;
      p = new Promise<CardReply | undefined>((resolve) => {
        this.waiting.set(id, resolve);
        // A host that never answers must not leave a promise (and its cache slot) hanging forever.
        window.setTimeout(() => {
          if (this.waiting.delete(id)) {
            this.replies.delete(term);
            resolve(undefined);
          }
        }, 10_000);
      });
      this.replies.set(term, p);
      this.post({ type: 'requestGlossaryCard', id, term });
    }
    return p;
  }

  private render(card: GlossaryCard, context: string | undefined, anchor: Element): void {
    const el = this.el;
    el.replaceChildren();
    el.setAttribute('data-entry', card.id);
    if (context) el.append(h('div', { class: 'card-context' }, context));
    el.append(h('div', { class: 'card-title' }, card.title), h('div', { class: 'card-summary' }, card.summary));
    const dl = h('dl', { class: 'card-lines' });
    for (const l of card.lines) dl.append(h('dt', null, l.label), h('dd', null, l.code ? h('code', null, l.text) : l.text));
    el.append(dl);
    const links = h('div', { class: 'card-links' });
    for (const link of card.links) {
      const run = this.linkAction(link.command, link.args, card.id);
      if (!run) continue; // a command the viewer does not offer
      const b = h('button', { type: 'button', class: 'link-button', 'data-command': link.command }, link.label);
      b.addEventListener('click', () => {
        run();
        this.hide();
      });
      if (links.childElementCount) links.append(h('span', { class: 'sep', 'aria-hidden': 'true' }, '·'));
      links.append(b);
    }
    if (links.childElementCount) el.append(links);
    this.anchor?.removeAttribute('aria-describedby');
    this.anchor = anchor;
    anchor.setAttribute('aria-describedby', el.id);
    el.hidden = false;
    this.place(anchor.getBoundingClientRect());
  }

  private linkAction(command: string, args: unknown[], entry: string): (() => void) | undefined {
    if (command === OPEN_GLOSSARY) return () => this.post({ type: 'openGlossary', entry: typeof args[0] === 'string' ? args[0] : entry });
    if (command === EXPLAIN_TERM) return () => this.post({ type: 'explainTerm' });
    if (command === SELECT_NODE && typeof args[0] === 'string') {
      const node = args[0];
      return () => this.selectNode(node);
    }
    return undefined;
  }

  /** Below the anchor when it fits, else above; always inside the window. */
  private place(r: DOMRect): void {
    const el = this.el;
    el.style.left = '0px';
    el.style.top = '0px';
    const W = window.innerWidth, H = window.innerHeight;
    const cw = el.offsetWidth, ch = el.offsetHeight;
    const left = Math.max(4, Math.min(r.left, W - cw - 4));
    let top = r.bottom + 6;
    if (top + ch > H - 4) top = r.top - ch - 6 >= 4 ? r.top - ch - 6 : Math.max(4, H - ch - 4);
    el.style.left = `${Math.round(left)}px`;
    el.style.top = `${Math.round(top)}px`;
  }

  // ---- pointer and keyboard ------------------------------------------------------------------

  private termOf(target: Element | null): Element | undefined {
    return target?.closest?.('[data-term]') ?? undefined;
  }

  private pointerOver(target: Element | null): void {
    if (target && this.el.contains(target)) return clearTimeout(this.hideTimer);
    if (target?.closest?.('.panning')) return; // boxes sliding under a dragging pointer
    const anchor = this.termOf(target);
    if (anchor) this.open(anchor);
  }

  private pointerOut(to: Element | null): void {
    if (to && (this.el.contains(to) || (this.want && this.want.anchor.contains(to)))) return;
    if (!this.want) return;
    clearTimeout(this.showTimer);
    clearTimeout(this.hideTimer);
    if (this.el.hidden) return void (this.want = undefined);
    // Keep a card whose term or links have keyboard focus.
    const active = document.activeElement;
    if (active && (this.el.contains(active) || active === this.want.anchor)) return;
    this.hideTimer = window.setTimeout(() => this.hide(), HIDE_DELAY);
  }

  private focusIn(target: Element | null): void {
    if (!target || this.el.contains(target)) return;
    // Keyboard focus only: a click that focuses a table row is about the row, not its activation.
    if (!target.matches(':focus-visible')) return void (target !== this.want?.anchor && this.hide());
    // A table row reached with the arrow keys: the card of its activation cell.
    const anchor = target.matches('[data-term]') ? target : target.matches('tr') ? target.querySelector('[data-term]') : null;
    if (anchor) this.open(anchor, undefined, undefined, 'keyboard');
    else if (target !== this.want?.anchor) this.hide();
  }

  private focusOut(to: Element | null): void {
    const want = this.want;
    if (!want) return;
    if (to && (this.el.contains(to) || want.anchor === to || want.anchor.contains(to) || to.contains(want.anchor))) return;
    this.hide();
  }

  private keydown(ev: KeyboardEvent): void {
    if (this.el.hidden || !this.anchor) return;
    const inCard = this.el.contains(document.activeElement);
    const onAnchor = document.activeElement === this.anchor || document.activeElement?.contains(this.anchor) === true;
    if (ev.key === 'Escape' && (inCard || onAnchor)) {
      const back = this.anchor;
      ev.stopPropagation();
      this.hide();
      if (inCard && back instanceof HTMLElement) back.focus();
      else if (inCard) (document.querySelector('#graph') as HTMLElement | null)?.focus();
      return;
    }
    if (ev.key !== 'Tab') return;
    const buttons = [...this.el.querySelectorAll<HTMLButtonElement>('button')];
    if (!buttons.length) return;
    if (onAnchor && this.want?.via === 'keyboard' && !ev.shiftKey && !this.passTab) {
      // Tab from the term moves into its card's links.
      ev.preventDefault();
      buttons[0].focus();
      return;
    }
    this.passTab = false;
    if (!inCard) return;
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if ((ev.shiftKey && i === 0) || (!ev.shiftKey && i === buttons.length - 1)) {
      // Leaving the card returns to its term; the next Tab moves on from there.
      ev.preventDefault();
      const back = this.anchor;
      this.hide();
      this.passTab = !ev.shiftKey;
      const target = back instanceof HTMLElement || back instanceof SVGElement ? back : null;
      if (target && target.tabIndex >= 0) target.focus();
      else (document.querySelector('#graph') as HTMLElement | null)?.focus();
    }
  }
}
