// The snatscope TUI: header, Service banner and one of the views (pod table, pod detail, nodes, what-if,
// one node, help), notes under the banner (the load split since a policy switch), a status line and the key hints
// of the view shown. It reads LiveStats.snapshot() on a timer (and after each key) and never queries SQLite. Keys:
// see keys.ts; p (only with onSwitchPolicy) first shows what the switch will do and asks y/n.

import { Box, useInput, useStdout } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import { safeText } from '../src/text.js';
import type { LiveStats } from '../src/live/stats.js';
import type { Policy } from '../src/live/whatif.js';
import { Header, headerLines, isDone } from './Header.js';
import { Help } from './Help.js';
import { handleInput, initialUi, type View } from './keys.js';
import { Line } from './Line.js';
import { NodesView, selectedNode } from './NodesView.js';
import { NodeView } from './NodeView.js';
import { PodDetail } from './PodDetail.js';
import { PodTable, tableColumns } from './PodTable.js';
import { PolicyConfirm, recordSwitch, splitSince, switchedLine } from './PolicySwitch.js';
import { filterPods, sortPods, totalsOf } from './podlist.js';
import { ServiceBanner } from './ServiceBanner.js';
import { detectUnicode, glyphs, textWidth, wrapWords, type Glyphs } from './text.js';
import { adviceInput, policyWatch, trustHint, whatToDo } from './advice.js';
import type { Seg } from './theme.js';
import { useRefresh } from './useRefresh.js';
import { pickService, WhatIf } from './WhatIf.js';

export interface AppProps {
  stats: LiveStats;
  onQuit: () => Promise<void> | void;
  onSwitchPolicy?: (p: Policy) => Promise<void>;
  /** Snapshot period in ms (default 200, never below 100: at most 10 frames/s); 0 = only after keys. */
  refreshMs?: number;
  /** Terminal size; default the stdout's, 80x24 when unknown. */
  width?: number;
  height?: number;
  /** Force Unicode glyphs on or off; default from the locale (see detectUnicode). */
  unicode?: boolean;
}

export function App(props: AppProps) {
  const { stats } = props;
  const { stdout } = useStdout();
  const [version, setVersion] = useState(0);
  const st = useRef(initialUi()).current;
  const redraw = () => setVersion((n) => n + 1);
  const mounted = useRef(true);
  useEffect(() => () => void (mounted.current = false), []);

  const tick = useRefresh(stats, props.refreshMs ?? 200);
  useEffect(() => {
    stdout.on('resize', redraw);
    return () => void stdout.off('resize', redraw);
  }, [stdout]);

  const width = Math.max(20, props.width ?? (stdout.columns || 80));
  const height = Math.max(10, props.height ?? ((stdout as { rows?: number }).rows || 24));
  const g = glyphs(props.unicode ?? detectUnicode());
  const detailKey = st.view === 'detail' ? st.selectedKey : null;
  // A new snapshot on each timer tick, on each key (version) and when the detail pod changes.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const snap = useMemo(() => stats.snapshot({ detail: detailKey }), [stats, tick, version, detailKey]);
  const snapRef = useRef(snap);
  snapRef.current = snap;
  const pods = sortPods(filterPods(snap.pods, st.filter), st.sort);
  const selKey = (pods.find((p) => p.key === st.selectedKey) ?? pods[0])?.key ?? null;
  const { view, sort, filter, editing, confirm, message } = st;

  const say = (m: string) => {
    if (!mounted.current) return;
    st.message = m;
    redraw();
  };
  const quit = () => {
    if (st.quitting) return;
    st.quitting = true;
    st.message = 'flushing and quitting...';
    Promise.resolve()
      .then(() => props.onQuit())
      .catch((e: unknown) => say(`quit failed: ${safeText(String((e as Error)?.message ?? e))}`));
  };
  const switchPolicy = (to: Policy) => {
    st.message = `switching to ${to}...`;
    props.onSwitchPolicy!(to).then(
      () => {
        // The split since now is measured against the what-if of this moment.
        st.switched = recordSwitch(stats.snapshot(), to);
        say(`switched to externalTrafficPolicy ${to}`);
      },
      (e: unknown) => say(`switch failed: ${safeText(String((e as Error)?.message ?? e))}`),
    );
  };

  useInput((input, key) => {
    redraw();
    const ctx = () => ({
      pods: sortPods(filterPods(snapRef.current.pods, st.filter), st.sort),
      nodes: snapRef.current.nodes,
      services: snapRef.current.services,
      canSwitch: !!props.onSwitchPolicy,
    });
    const effect = handleInput(st, input, key, ctx);
    if (effect === 'quit') quit();
    else if (effect !== null) switchPolicy(effect);
  });

  st.policy = policyWatch(st.policy, pickService(snap.services), snap.now);
  // The advice goes with the pod table (where the SNAT numbers are); other views keep the room.
  const notes: Seg[][] =
    view === 'table' && confirm === null && !editing
      ? adviceLines(whatToDo(adviceInput(snap, st.policy.since, isDone(snap))), width)
      : [];
  if (st.switched) notes.push(switchedLine(snap, st.switched, g));
  const bannerLines = snap.services.length === 0 ? 0 : Math.min(2, snap.services.length) * 2 + (snap.services.length > 2 ? 1 : 0);
  const bodyRows = Math.max(3, height - headerLines(snap, width, g) - bannerLines - notes.length - 3);
  const svc = pickService(snap.services);
  const status: Seg[] = [];
  if (editing) status.push({ text: `filter: ${safeText(filter)}`, bold: true }, { text: '_', inverse: true }, { text: '  Enter keep, Esc clear', dim: true });
  else if (confirm !== null)
    status.push({ text: `Switch ${svc ? safeText(`${svc.namespace}/${svc.name}`) : 'the Service'} to externalTrafficPolicy ${confirm}? (y/n)`, bold: true, color: 'yellow' });
  else {
    status.push({ text: `sort: ${sort}`, dim: true });
    if (filter) status.push({ text: `  filter: ${safeText(filter)}`, color: 'cyan' });
    if (message) status.push({ text: `  ${message}`, color: 'yellow' });
    const trust = trustHint(snap.untrustedXff);
    if (trust) status.push({ text: `  ${g.sep} `, dim: true }, { text: trust, color: 'magenta' });
    // The feed's latest notice (queued streams, a stream retrying): shown here, never on stderr under the UI.
    if (snap.notice) status.push({ text: `  ${g.sep} ${snap.notice.text}${noticeAge(snap.now - snap.notice.time)}`, color: 'yellow' });
  }
  const hints = keyHints(confirm !== null ? 'confirm' : view, !!props.onSwitchPolicy, width, g);
  const load = st.switched ? splitSince(snap, st.switched) : null;

  return (
    // As wide as the terminal (not a fixed count): when it narrows, Ink's first redraw still holds the old, wider
    // lines, and wrapping them to the terminal keeps Ink's count of the rows to erase right (see ui/run.tsx).
    <Box flexDirection="column" width={props.width ?? '100%'}>
      <Header snap={snap} width={width} g={g} />
      <ServiceBanner services={snap.services} width={width} g={g} />
      {notes.map((n, i) => (
        <Line key={`note${i}`} segs={n} width={width} g={g} />
      ))}
      {confirm !== null ? (
        <PolicyConfirm snap={snap} to={confirm} width={width} maxRows={bodyRows} g={g} />
      ) : view === 'table' ? (
        <PodTable pods={pods} totals={filter ? totalsOf(pods, snap.nonClient) : snap.totals} selectedKey={selKey} width={width} maxRows={bodyRows - 4} g={g} load={load} done={isDone(snap)} />
      ) : view === 'detail' ? (
        <PodDetail row={snap.pods.find((p) => p.key === selKey)} detail={snap.detail} width={width} maxRows={bodyRows} g={g} />
      ) : view === 'nodes' ? (
        <NodesView nodes={snap.nodes} selected={st.selectedNode} width={width} maxRows={bodyRows - 3} g={g} />
      ) : view === 'node' ? (
        <NodeView node={selectedNode(snap.nodes, st.selectedNode)} pods={snap.pods} nonClient={snap.nonClient} width={width} maxRows={bodyRows} g={g} />
      ) : view === 'whatif' ? (
        <WhatIf snap={snap} width={width} maxRows={bodyRows} g={g} />
      ) : (
        <Help width={width} maxRows={bodyRows} g={g} canSwitch={!!props.onSwitchPolicy} sparkCells={tableColumns(pods, width, load !== null, isDone(snap)).find((c) => c.key === 'spark')?.width ?? 0} />
      )}
      <Line segs={status} width={width} g={g} />
      <Line segs={[{ text: hints, dim: true }]} width={width} g={g} />
    </Box>
  );
}

/** The "what to do" sentence on as few lines as the width allows (at most 3; the last one cut). */
function adviceLines(sentence: string | null, width: number): Seg[][] {
  if (sentence === null) return [];
  const lead = 'What to do: ';
  const wrapped = wrapWords(lead + sentence, width);
  const max = width >= 100 ? 2 : 3;
  const kept = wrapped.slice(0, max - 1).concat(wrapped.length >= max ? [wrapped.slice(max - 1).join(' ')] : []);
  return kept.map((l, i) => (i === 0 ? [{ text: lead, bold: true, color: 'yellow' }, { text: l.slice(lead.length) }] : [{ text: l }]));
}

/** The keys the view offers, as one line that fits `width` (the select hint shortens first). */
export function keyHints(view: View | 'confirm', canSwitch: boolean, width: number, g: Glyphs): string {
  const more = ['? help', 'q quit'];
  let select: string | null = null;
  let keys: string[];
  switch (view) {
    case 'table':
      select = 'select';
      keys = ['Enter detail', 's sort', '/ filter', 'n nodes', 'w what-if', ...(canSwitch ? ['p policy'] : []), ...more];
      break;
    case 'detail':
      select = 'pod';
      keys = ['Esc back', 'n nodes', 'w what-if', ...more];
      break;
    case 'nodes':
      select = 'select';
      keys = ['Enter pods & addresses', 'Esc back', 'w what-if', ...more];
      break;
    case 'node':
      select = 'node';
      keys = ['Esc nodes', 'w what-if', ...more];
      break;
    case 'confirm':
      keys = ['y switch', 'n or Esc cancel'];
      break;
    default:
      keys = ['Esc back', 'n nodes', 'w what-if', ...more];
  }
  if (select === null) return keys.join('  ');
  const full = [`${g.up}${g.down}/jk ${select}`, ...keys].join('  ');
  return textWidth(full) <= width ? full : [`${g.up}${g.down}`, ...keys].join('  ');
}

/** " (12s ago)" once a notice is a few seconds old, so a stale one reads as such. */
function noticeAge(ms: number): string {
  if (!(ms >= 5000)) return '';
  const sec = Math.floor(ms / 1000);
  return sec < 120 ? ` (${sec}s ago)` : ` (${Math.floor(sec / 60)}m ago)`;
}
