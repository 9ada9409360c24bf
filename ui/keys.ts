// Key handling for the TUI as a plain function over a mutable UI state, so keys that arrive faster than
// React re-renders (typing, paste, tmux send-keys) each see the state the previous key left.
// Keys: arrows/j/k select (a pod, or a node in the nodes view), Enter drill in (a pod's requests, a node's pods and
// addresses), Esc back, s sort, / filter (type, Enter keeps, Esc clears), n nodes, w what-if, p switch policy (shows
// what the switch does and asks y/n; only when switching is offered), ? help, q or Ctrl-C quit.

import type { Key } from 'ink';
import type { LiveService, NodeRow, PodRow } from '../src/live/stats.js';
import { normalisePolicy, type Policy } from '../src/live/whatif.js';
import { SORTS, type SortKey } from './podlist.js';
import type { Switched } from './PolicySwitch.js';
import { pickService } from './WhatIf.js';

export type View = 'table' | 'detail' | 'nodes' | 'node' | 'whatif' | 'help';

export interface UiState {
  view: View;
  selectedKey: string | null;
  /** The node selected in the nodes view (and shown by the node view). */
  selectedNode: string | null;
  sort: SortKey;
  filter: string;
  editing: boolean;
  confirm: Policy | null;
  message: string | null;
  quitting: boolean;
  /** The last policy switch made from here (its load split is highlighted), null before any. */
  switched: Switched | null;
  /** The Service's policy as last seen and since when (see policyWatch in advice.ts). */
  policy: { key: string; policy: string | null; since: number } | null;
}

export function initialUi(): UiState {
  return { view: 'table', selectedKey: null, selectedNode: null, sort: 'requests', filter: '', editing: false, confirm: null, message: null, quitting: false, switched: null, policy: null };
}

export interface KeyContext {
  /** The pods as the table shows them (filtered and sorted). */
  pods: PodRow[];
  /** The nodes as the nodes view lists them. */
  nodes: NodeRow[];
  services: LiveService[];
  canSwitch: boolean;
}

const CONTROL_G = /[\u0000-\u001f\u007f-\u009f]/g;

function plainKey(ch: string): Key {
  return {
    upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false,
    home: false, end: false, return: ch === '\r' || ch === '\n', escape: false, ctrl: false, shift: false,
    tab: ch === '\t', backspace: ch === '\x7f' || ch === '\b', delete: false, meta: false, super: false,
    hyper: false, capsLock: false, numLock: false,
  };
}

/**
 * Ink hands over a chunk of plain text as one input (a paste, or keys a fast sender such as tmux
 * send-keys coalesced): apply it one character at a time so "/web-b\r" filters and then keeps the filter.
 * `ctx` is re-read per character because a key can change what the next one sees.
 */
export function handleInput(st: UiState, input: string, key: Key, ctx: () => KeyContext): 'quit' | Policy | null {
  if (input.length <= 1 || key.ctrl || key.meta || key.escape) return handleKey(st, input, key, ctx());
  let effect: 'quit' | Policy | null = null;
  for (const ch of input) {
    const e = handleKey(st, ch === '\r' || ch === '\n' || ch === '\x7f' || ch === '\b' ? '' : ch, plainKey(ch), ctx());
    if (e !== null && effect === null) effect = e;
  }
  return effect;
}

/** Applies one key to `st`; returns 'quit', a policy to switch to (after y), or null. */
export function handleKey(st: UiState, input: string, key: Key, ctx: KeyContext): 'quit' | Policy | null {
  if (key.ctrl && input === 'c') return 'quit';
  if (st.quitting) return null;
  if (st.editing) {
    if (key.return) st.editing = false;
    else if (key.escape) {
      st.editing = false;
      st.filter = '';
    } else if (key.backspace || key.delete) st.filter = st.filter.slice(0, -1);
    else if (input && !key.ctrl && !key.meta) st.filter += input.replace(CONTROL_G, '');
    return null;
  }
  if (st.confirm !== null) {
    const to = st.confirm;
    if (input === 'y' || input === 'Y') {
      st.confirm = null;
      return to;
    }
    if (input === 'n' || input === 'N' || key.escape) {
      st.confirm = null;
      st.message = 'policy switch cancelled';
    }
    return null;
  }
  const pods = ctx.pods;
  const at = Math.max(0, pods.findIndex((p) => p.key === st.selectedKey));
  const onNodes = st.view === 'nodes' || st.view === 'node';
  const nodeAt = Math.max(0, ctx.nodes.findIndex((n) => n.node === st.selectedNode));
  const move = (d: number) => {
    if (onNodes) {
      if (ctx.nodes.length > 0) st.selectedNode = ctx.nodes[Math.max(0, Math.min(ctx.nodes.length - 1, nodeAt + d))].node;
    } else if (pods.length > 0) st.selectedKey = pods[Math.max(0, Math.min(pods.length - 1, at + d))].key;
    return null;
  };
  const toggle = (v: View) => {
    st.view = st.view === v ? 'table' : v;
    return null;
  };
  if (input === 'q') return 'quit';
  if (key.upArrow || input === 'k') return move(-1);
  if (key.downArrow || input === 'j') return move(1);
  if (key.escape) {
    if (st.view === 'table') st.filter = '';
    st.view = st.view === 'node' ? 'nodes' : 'table';
    return null;
  }
  if (key.return) {
    if (st.view === 'table' && pods.length > 0) {
      st.selectedKey = pods[at].key;
      st.view = 'detail';
    } else if (st.view === 'nodes' && ctx.nodes.length > 0) {
      st.selectedNode = ctx.nodes[nodeAt].node;
      st.view = 'node';
    }
    return null;
  }
  if (input === 's') st.sort = SORTS[(SORTS.indexOf(st.sort) + 1) % SORTS.length];
  else if (input === '/') {
    st.view = 'table';
    st.editing = true;
  } else if (input === 'n') {
    if (st.view === 'node') st.view = 'nodes';
    else toggle('nodes');
  }
  else if (input === 'w') toggle('whatif');
  else if (input === '?') toggle('help');
  else if (input === 'p' && ctx.canSwitch) {
    const svc = pickService(ctx.services);
    if (!svc) st.message = 'no Service known to switch';
    else st.confirm = normalisePolicy(svc.externalTrafficPolicy) === 'Cluster' ? 'Local' : 'Cluster';
  }
  return null;
}
