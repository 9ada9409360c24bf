// One parser per preset, shared by the tests that parse lines with a preset directly. Built here, in the tests, so
// the CLI does not compile every preset at import time (it builds one per source with createPreset).
import { createPreset, PRESET_NAMES, type PresetName } from '../../src/parse/index.js';
import type { LineParser } from '../../src/parse/logformat.js';

export const PRESETS = Object.fromEntries(PRESET_NAMES.map((n) => [n, createPreset(n)])) as Readonly<Record<PresetName, LineParser>>;
