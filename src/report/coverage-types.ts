// What an audit says about the coverage of one pod (src/report/coverage.ts computes it).

export interface Gap {
  from: number;
  until: number;
  reason: string;
}

export interface PodCoverage {
  namespace: string;
  pod: string;
  /** Kinds of sources seen for the pod: stream (watch), file, stdin. */
  sources: string[];
  /** Covered milliseconds of the window. */
  coveredMs: number;
  gaps: Gap[];
  /** Set when the pod was deleted inside the window. */
  deletedAt: number | null;
}

