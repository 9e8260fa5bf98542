/**
 * The one text normal form every format ends in, so the same words hash the same whatever they came from:
 * NFC, `\n` line ends, no control characters but tab and newline, no trailing spaces on a line,
 * at most one blank line in a row, nothing blank at either end. Linear time (no regex backtracking on
 * hostile input such as a million spaces).
 */
export const normalizeText = (text: string): string => {
  const unified = text
    .replace(/\r\n?|\u2028|\u0085/g, '\n')
    .replace(/\f|\u2029/g, '\n\n')
    .replace(/[\u00a0\u202f]/g, ' ')
    // Soft hyphens and the remaining control characters (Cc other than tab and newline) carry no text.
    .replace(/[\u00ad]|[^\P{Cc}\t\n]/gu, '')
    .normalize('NFC');
  const lines: string[] = [];
  let blankRun = 0;
  for (const line of unified.split('\n')) {
    const trimmed = line.trimEnd();
    if (trimmed === '') {
      blankRun++;
      continue;
    }
    if (lines.length > 0) lines.push(blankRun > 0 ? '\n\n' : '\n');
    lines.push(trimmed);
    blankRun = 0;
  }
  return lines.join('');
};

/** First `limit` characters of a title with runs of whitespace collapsed; undefined when nothing is left. */
export const cleanTitle = (title: string | undefined, limit = 500): string | undefined => {
  const cleaned = normalizeText(title ?? '').replace(/\s+/g, ' ').trim().slice(0, limit).trim();
  return cleaned === '' ? undefined : cleaned;
};
