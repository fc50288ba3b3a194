import leven from 'leven';

/** The known key a typo most likely meant: within a third of its length in edits (at least 2), else none. */
export function closestKey(typo: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(typo.length / 3)) + 1;
  for (const k of known) {
    const d = leven(typo, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}
