// The reused ParsedLine: one object per LineStage, reset before every line (no allocation per line). Both are
// compiled from the field table (src/fields.ts).
export { newParsedLine, resetParsedLine } from '../fields.js';
