// The snatscope TUI: header, Service banner and one of the views (pod table, pod detail, nodes, what-if,
// help), with a status line and key hints. It reads LiveStats.snapshot() on a timer (and after each key)
// and never queries SQLite. Keys: arrows/j/k select, Enter drill in, Esc back, s sort, / filter, n nodes,
// w what-if, p switch policy (only with onSwitchPolicy; asks y/n), ? help, q or Ctrl-C quit.

import { Box, useInput, useStdout } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import { safeText } from '../src/text.js';
import type { LiveStats } from '../src/live/stats.js';
import type { Policy } from '../src/live/whatif.js';
import { Header, headerLines } from './Header.js';
import { Help } from './Help.js';
import { handleInput, initialUi } from './keys.js';
import { Line } from './Line.js';
import { NodesView } from './NodesView.js';
import { PodDetail } from './PodDetail.js';
import { PodTable } from './PodTable.js';
import { filterPods, sortPods, totalsOf } from './podlist.js';
import { ServiceBanner } from './ServiceBanner.js';
import { detectUnicode, glyphs, textWidth } from './text.js';
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
      () => say(`switched to externalTrafficPolicy ${to}`),
      (e: unknown) => say(`switch failed: ${safeText(String((e as Error)?.message ?? e))}`),
    );
  };

  useInput((input, key) => {
    redraw();
    const ctx = () => ({
      pods: sortPods(filterPods(snapRef.current.pods, st.filter), st.sort),
      services: snapRef.current.services,
      canSwitch: !!props.onSwitchPolicy,
    });
    const effect = handleInput(st, input, key, ctx);
    if (effect === 'quit') quit();
    else if (effect !== null) switchPolicy(effect);
  });

  const bannerLines = snap.services.length === 0 ? 0 : Math.min(2, snap.services.length) * 2 + (snap.services.length > 2 ? 1 : 0);
  const bodyRows = Math.max(3, height - headerLines(snap, width, g) - bannerLines - 3);
  const svc = pickService(snap.services);
  const status: Seg[] = [];
  if (editing) status.push({ text: `filter: ${safeText(filter)}`, bold: true }, { text: '_', inverse: true }, { text: '  Enter keep, Esc clear', dim: true });
  else if (confirm !== null)
    status.push({ text: `Switch ${svc ? safeText(`${svc.namespace}/${svc.name}`) : 'the Service'} to externalTrafficPolicy ${confirm}? (y/n)`, bold: true, color: 'yellow' });
  else {
    status.push({ text: `sort: ${sort}`, dim: true });
    if (filter) status.push({ text: `  filter: ${safeText(filter)}`, color: 'cyan' });
    if (message) status.push({ text: `  ${message}`, color: 'yellow' });
    // The feed's latest notice (queued streams, a stream retrying): shown here, never on stderr under the UI.
    if (snap.notice) status.push({ text: `  ${g.sep} ${snap.notice.text}${noticeAge(snap.now - snap.notice.time)}`, color: 'yellow' });
  }
  const keys: string[] =
    view === 'table'
      ? ['Enter detail', 's sort', '/ filter', 'n nodes', 'w what-if', ...(props.onSwitchPolicy ? ['p policy'] : []), '? help', 'q quit']
      : ['Esc back', 'n nodes', 'w what-if', '? help', 'q quit'];
  const full = [`${g.up}${g.down}/jk select`, ...keys].join('  ');
  const hints = textWidth(full) <= width ? full : [`${g.up}${g.down}`, ...keys].join('  ');

  return (
    <Box flexDirection="column" width={width}>
      <Header snap={snap} width={width} g={g} />
      <ServiceBanner services={snap.services} width={width} g={g} />
      {view === 'table' ? (
        <PodTable pods={pods} totals={filter ? totalsOf(pods) : snap.totals} selectedKey={selKey} width={width} maxRows={bodyRows - 4} g={g} />
      ) : view === 'detail' ? (
        <PodDetail row={snap.pods.find((p) => p.key === selKey)} detail={snap.detail} width={width} maxRows={bodyRows} g={g} />
      ) : view === 'nodes' ? (
        <NodesView nodes={snap.nodes} width={width} maxRows={bodyRows - 3} g={g} />
      ) : view === 'whatif' ? (
        <WhatIf snap={snap} width={width} maxRows={bodyRows} g={g} />
      ) : (
        <Help width={width} g={g} canSwitch={!!props.onSwitchPolicy} />
      )}
      <Line segs={status} width={width} g={g} />
      <Line segs={[{ text: hints, dim: true }]} width={width} g={g} />
    </Box>
  );
}

/** " (12s ago)" once a notice is a few seconds old, so a stale one reads as such. */
function noticeAge(ms: number): string {
  if (!(ms >= 5000)) return '';
  const sec = Math.floor(ms / 1000);
  return sec < 120 ? ` (${sec}s ago)` : ` (${Math.floor(sec / 60)}m ago)`;
}
