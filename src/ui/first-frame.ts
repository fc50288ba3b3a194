/**
 * The first thing on screen, drawn before Ink and React are even loaded (~150 ms here): the alternate
 * screen and the header's first words, so someone who opens the dashboard over SSH sees it at once.
 * Ink's first frame then draws over it from the top-left corner; its header starts with the same text,
 * so nothing of this one is left behind.
 */

// The alternate screen keeps the user's scrollback intact and is restored on exit, as in less or htop.
// Bracketed paste mode (`ESC[?2004h`) has the terminal mark a paste (`ESC[200~` … `ESC[201~`), so that
// pasted text goes into the filter instead of acting as keys (a `q` in it would quit); every way out
// turns it off again (LEAVE_SCREEN), or the shell after us would get the markers around its pastes.
export const ENTER_SCREEN = '\u001b[?1049h\u001b[H\u001b[2J\u001b[?2004h';
export const LEAVE_SCREEN = '\u001b[?2004l\u001b[?25h\u001b[?1049l';

/** Enter the alternate screen and write `header` (plain text, one line) at the top; the cursor goes back home. */
export function drawFirstFrame(stdout: NodeJS.WriteStream, header: string): void {
  const columns = stdout.columns ?? 80;
  // One line only: a line as wide as the terminal would wrap.
  const line = [...header].length < columns ? header : '';
  stdout.write(`${ENTER_SCREEN}${line}\u001b[H`);
}
