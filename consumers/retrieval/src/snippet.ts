/** Roughly how much of a chunk a source shows. */
export const SNIPPET_LENGTH = 240;

/**
 * The start of a chunk's text for the user to recognise it: whitespace runs collapsed, cut at
 * the last word boundary within `maxLength` characters (or at `maxLength` when a single word is
 * longer, never inside a surrogate pair), with `…` when something was cut.
 */
export const snippetOf = (text: string, maxLength = SNIPPET_LENGTH): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= maxLength) return flat;
  let end = flat.lastIndexOf(' ', maxLength);
  // No space in the last third: a long word or a script without spaces; cut at the limit instead.
  if (end < maxLength * (2 / 3)) {
    end = maxLength;
    const code = flat.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  }
  return `${flat.slice(0, end).trimEnd()}…`;
};
