// Class counts as the report formats add them up, over the class registry (src/classes.ts).
import type { ClassCounts } from '../../db/index.js';
import { CLASSES, zeroPerClass } from '../classes.js';

export function zeroClasses(): ClassCounts {
  return zeroPerClass();
}

export function addClasses(into: ClassCounts, c: ClassCounts): void {
  for (const k of CLASSES) into[k] += c[k];
}
