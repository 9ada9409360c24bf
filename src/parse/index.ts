// The line stage's public API: envelope + nginx parser (see docs/architecture.md, "src/parse/").
export { LineStage, type LineStageOptions } from './stage.js';
export { compileLogFormat, type LineParser, type LogFormatOptions } from './logformat.js';
export { PRESET_NAMES, PRESET_FORMATS, AUTO_ORDER, checkFormatFlags, createPreset, isPresetName, resolveFormat, type JsonFields, type PresetName } from './presets.js';
export { newParsedLine, resetParsedLine } from './line.js';
export { Envelope, detectEnvelope, type EnvelopeName } from './envelope.js';
export { unescapeNginx, unescapeJson, type EscapeMode } from './escape.js';
export { splitRequest } from './request.js';
export { parseRfc3339, parseTimeLocal } from './timestamp.js';
export { JSON_FIELDS, JSON_KEYS, jsonKeysHint, parseJsonFields, type JsonField } from './json.js';
