import { describe, expect, it } from 'vitest';
import { whatIf, type WhatIfPod } from '../src/live/whatif.js';

const pod = (name: string, node: string | null, requests: number, ready?: boolean): WhatIfPod => ({ namespace: 'default', pod: name, node, requests, ready });
const shares = (r: ReturnType<typeof whatIf>) => r.rows.map((x) => [x.pod, Math.round(x.predicted * 1000) / 10]);

describe('what-if externalTrafficPolicy', () => {
  it('predicts 50/25/25 under Local for one pod alone on node1 and two on node2', () => {
    const r = whatIf('Cluster', [pod('a', 'node1', 34), pod('b', 'node2', 33), pod('c', 'node2', 33)]);
    expect(r.from).toBe('Cluster');
    expect(r.to).toBe('Local');
    expect(shares(r)).toEqual([['a', 50], ['b', 25], ['c', 25]]);
    expect(r.rows.map((x) => x.current)).toEqual([0.34, 0.33, 0.33]);
    expect(r.nodes).toEqual([{ node: 'node1', pods: 1, predicted: 0.5 }, { node: 'node2', pods: 2, predicted: 0.5 }]);
  });

  it('lists a node with no pods as having no endpoint, and gives it no share', () => {
    const r = whatIf('Cluster', [pod('a', 'node1', 10), pod('b', 'node2', 10)], ['node1', 'node2', 'node3']);
    expect(shares(r)).toEqual([['a', 50], ['b', 50]]);
    expect(r.nodesWithoutEndpoint).toEqual(['node3']);
    expect(r.nodes.map((n) => n.node)).toEqual(['node1', 'node2']);
  });

  it('treats a not-ready pod as no endpoint, so its node can drop out', () => {
    const r = whatIf('Cluster', [pod('a', 'node1', 0, false), pod('b', 'node2', 5), pod('c', 'node3', 5)], ['node1', 'node2', 'node3']);
    expect(shares(r)).toEqual([['a', 0], ['b', 50], ['c', 50]]);
    expect(r.nodesWithoutEndpoint).toEqual(['node1']);
  });

  it('predicts an even split over endpoints when the Service is already Local', () => {
    const r = whatIf('Local', [pod('a', 'node1', 50), pod('b', 'node2', 25), pod('c', 'node2', 25)]);
    expect(r.from).toBe('Local');
    expect(r.to).toBe('Cluster');
    expect(shares(r)).toEqual([['a', 33.3], ['b', 33.3], ['c', 33.3]]);
    expect(r.rows.map((x) => x.current)).toEqual([0.5, 0.25, 0.25]);
  });

  it('cannot place a pod of unknown node under Local, and has no current share before any request', () => {
    const r = whatIf(null, [pod('a', null, 0), pod('b', 'node1', 0)]);
    expect(r.from).toBe('Cluster');
    expect(Number.isNaN(r.rows[0].predicted)).toBe(true);
    expect(r.rows[1].predicted).toBe(1);
    expect(r.rows.every((x) => Number.isNaN(x.current))).toBe(true);
  });
});
