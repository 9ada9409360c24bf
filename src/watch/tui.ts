// The TUI of a watch run (ui/run.js), imported only when the run shows it: Ink and React are heavy, and every other
// view runs without them. The TUI is part of the build, so one that fails to load (a broken install, a bug in it) is
// a bug to report: thrown with its cause (exit 70), never replaced by the lines view without a word. A run without a
// terminal choosing lines (chooseView) is a different thing: nothing was asked of the TUI there.
import { LiveFeed, type TuiRunner } from '../live/feed.js';
import { LiveStats } from '../live/stats.js';

/** A LiveFeed over the TUI and a fresh LiveStats; throws (a bug, not a UserError) when the TUI cannot be loaded. */
export async function loadTui(load: () => Promise<TuiRunner> = () => import('../../ui/run.js')): Promise<LiveFeed> {
  let tui: TuiRunner;
  try {
    tui = await load();
  } catch (err) {
    throw new Error(`the terminal UI (ui/run.js) failed to load: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return new LiveFeed(tui, new LiveStats());
}
