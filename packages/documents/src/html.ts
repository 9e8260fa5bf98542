import { Parser } from 'htmlparser2';
import { cleanTitle } from './normalize.js';

/** Elements whose content is never text for a reader: code, styling, embedded media, the document head. */
const skippedElements = new Set([
  'script', 'style', 'noscript', 'template', 'head', 'svg', 'math', 'iframe', 'object', 'embed', 'canvas',
  'audio', 'video', 'picture', 'map', 'select', 'datalist', 'button',
]);
/** Elements that start a new paragraph. */
const blockElements = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'caption', 'center', 'details', 'dialog', 'div', 'dl', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup', 'hr', 'html', 'legend',
  'main', 'menu', 'nav', 'ol', 'p', 'pre', 'search', 'section', 'summary', 'table', 'ul',
]);
/** Elements that start a new line. */
const lineElements = new Set(['br', 'dd', 'dt', 'li', 'tr', 'option']);
const cellElements = new Set(['td', 'th']);
const preformattedElements = new Set(['pre', 'textarea', 'listing', 'plaintext', 'xmp']);

const isHidden = (attributes: Record<string, string>): boolean =>
  'hidden' in attributes || attributes['aria-hidden'] === 'true' || /display\s*:\s*none|visibility\s*:\s*hidden/i.test(attributes.style ?? '');

/**
 * Deeper than any real page; htmlparser2 keeps open elements in an array it shifts on every tag, so
 * half a million nested <div>s would take minutes. Past this the document is refused at once.
 */
export const maxHtmlDepth = 10_000;

export interface ExtractedHtml {
  /** Readable text; paragraphs separated by blank lines. Not yet normalised. */
  readonly text: string;
  readonly title?: string;
}

/**
 * The text a reader sees: no scripts, styles, comments or hidden elements; entities decoded; whitespace
 * collapsed as a browser does except inside `<pre>`; block elements become paragraph breaks, table cells
 * are separated by ` | `.
 */
export const extractHtml = (html: string): ExtractedHtml => {
  const pieces: string[] = [];
  let skipDepth = 0, preDepth = 0, titleDepth = 0, headDepth = 0, depth = 0;
  let title: string | undefined;
  let titleText = '';
  let atLineStart = true, lastWasSpace = false, cellsInRow = 0;
  // Breaks do not add up: </li><li> is one line break, </p><p> one paragraph break. Written before the next text.
  let pendingBreak: '' | '\n' | '\n\n' = '';

  const lineBreak = (breakText: '\n' | '\n\n'): void => {
    if (breakText.length > pendingBreak.length) pendingBreak = breakText;
    atLineStart = true;
    lastWasSpace = false;
  };
  const write = (text: string): void => {
    if (pendingBreak !== '' && pieces.length > 0) pieces.push(pendingBreak);
    pendingBreak = '';
    pieces.push(text);
  };

  const parser = new Parser({
    onopentag(name, attributes) {
      if (++depth > maxHtmlDepth) throw new Error(`elements are nested more than ${maxHtmlDepth.toLocaleString('en')} deep`);
      // The document's <title> lives in the skipped <head> (or stands alone); one inside an <svg> is not it.
      if (name === 'title' && title === undefined && (skipDepth === 0 || (headDepth > 0 && skipDepth === 1))) titleDepth++;
      if (name === 'head') headDepth++;
      if (skipDepth > 0 || skippedElements.has(name) || isHidden(attributes)) {
        skipDepth++;
        return;
      }
      if (preformattedElements.has(name)) preDepth++;
      if (blockElements.has(name)) lineBreak('\n\n');
      else if (lineElements.has(name)) lineBreak('\n');
      if (name === 'tr') cellsInRow = 0;
      if (cellElements.has(name)) {
        if (cellsInRow > 0) write(' | ');
        cellsInRow++;
        atLineStart = true;
      }
    },
    onclosetag(name) {
      depth--;
      if (titleDepth > 0 && name === 'title') {
        titleDepth--;
        title = cleanTitle(titleText) ?? '';
      }
      if (name === 'head') headDepth = Math.max(0, headDepth - 1);
      if (skipDepth > 0) {
        skipDepth--;
        return;
      }
      if (preformattedElements.has(name)) preDepth = Math.max(0, preDepth - 1);
      if (blockElements.has(name)) lineBreak('\n\n');
      else if (name === 'li' || name === 'tr' || name === 'dd' || name === 'dt') lineBreak('\n');
    },
    ontext(data) {
      if (titleDepth > 0) {
        titleText += data;
        return;
      }
      if (skipDepth > 0) return;
      if (preDepth > 0) {
        write(data);
        atLineStart = data.endsWith('\n');
        lastWasSpace = /\s$/.test(data);
        return;
      }
      let collapsed = data.replace(/[\t\n\f\r ]+/g, ' ');
      if (collapsed.startsWith(' ') && (atLineStart || lastWasSpace)) collapsed = collapsed.slice(1);
      if (collapsed === '') return;
      write(collapsed);
      atLineStart = false;
      lastWasSpace = collapsed.endsWith(' ');
    },
  }, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
  parser.end(html);
  const cleanedTitle = title === '' ? undefined : title;
  return cleanedTitle === undefined ? { text: pieces.join('') } : { text: pieces.join(''), title: cleanedTitle };
};
