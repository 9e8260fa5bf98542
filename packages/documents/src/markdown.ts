/**
 * Markdown to text with markdown-it 15 (CommonMark plus GFM tables and strikethrough). Chosen over
 * micromark/mdast, which in a trial needed minutes for 100 kB of nested `>` or `[` and over 1 GB of
 * heap for a 10 MB file: markdown-it caps nesting (`maxNesting`) and parsed the same inputs in
 * milliseconds. Only its token stream is used; nothing is ever rendered, so raw HTML in the source
 * goes through the HTML reader (scripts and comments dropped) instead of into any output.
 */
import markdownIt, { type MarkdownIt, type Token } from 'markdown-it';
import { extractHtml } from './html.js';
import { cleanTitle } from './normalize.js';

export interface ExtractedMarkdown {
  /** Readable text; blocks separated by blank lines. Not yet normalised. */
  readonly text: string;
  /** The text of the first heading. */
  readonly title?: string;
}

let markdownParser: MarkdownIt | undefined;
const parser = (): MarkdownIt => (markdownParser ??= markdownIt({ html: true, linkify: false, typographer: false }));

/** The words of inline tokens: link and emphasis text kept, code verbatim, images by their alt text, tags dropped. */
const inlineText = (tokens: readonly Token[]): string => {
  let text = '';
  for (const token of tokens) {
    if (token.type === 'softbreak' || token.type === 'hardbreak') text += '\n';
    else if (token.type === 'html_inline') continue;
    else if (token.type === 'image') text += token.content;
    else if (token.children) text += inlineText(token.children);
    else text += token.content;
  }
  return text;
};

/** YAML (`---`) or TOML (`+++`) front matter at the very start is metadata, not text. */
const frontMatter = /^(?:---\r?\n[\s\S]*?\r?\n(?:---|\.\.\.)|\+\+\+\r?\n[\s\S]*?\r?\n\+\+\+)[ \t]*(?:\r?\n|$)/;

/** Above this size the source is parsed in sections (at blank lines outside code fences) to bound memory. */
const sectionThreshold = 1_000_000;
const sectionSize = 256 * 1024;

/**
 * markdown-it holds about 60 bytes of tokens per source byte; sections keep that bounded. A reference
 * link whose definition falls into another section then keeps its brackets; no text is lost.
 */
const sections = (markdown: string): string[] => {
  if (markdown.length <= sectionThreshold) return [markdown];
  const result: string[] = [];
  let start = 0, lineStart = 0;
  let fence: string | undefined;
  while (lineStart < markdown.length) {
    const newline = markdown.indexOf('\n', lineStart);
    const lineEnd = newline < 0 ? markdown.length : newline + 1;
    const line = markdown.slice(lineStart, Math.min(lineEnd, lineStart + 200));
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || (marker[0] === fence[0] && marker.length >= fence.length))) fence = fence === undefined ? marker : undefined;
    if (fence === undefined && lineEnd - start >= sectionSize && line.trim() === '' && lineEnd - lineStart < 200) {
      result.push(markdown.slice(start, lineEnd));
      start = lineEnd;
    }
    lineStart = lineEnd;
  }
  if (start < markdown.length) result.push(markdown.slice(start));
  return result;
};

export const extractMarkdown = (markdown: string): ExtractedMarkdown => {
  const pieces: string[] = [];
  let pendingBreak: '' | '\n' | '\n\n' = '';
  let title: string | undefined;
  let inHeading = false, cellsInRow = 0;
  const lineBreak = (breakText: '\n' | '\n\n'): void => {
    if (breakText.length > pendingBreak.length) pendingBreak = breakText;
  };
  const write = (text: string): void => {
    if (text === '') return;
    if (pendingBreak !== '' && pieces.length > 0) pieces.push(pendingBreak);
    pendingBreak = '';
    pieces.push(text);
  };
  for (const section of sections(markdown.replace(frontMatter, ''))) {
    for (const token of parser().parse(section, {})) {
      switch (token.type) {
        case 'inline': {
          const text = inlineText(token.children ?? []);
          if (inHeading && title === undefined) title = cleanTitle(text) ?? '';
          write(text);
          break;
        }
        case 'heading_open': inHeading = true; break;
        case 'heading_close': inHeading = false; lineBreak('\n\n'); break;
        // Paragraphs inside tight list items are hidden: the item is one line.
        case 'paragraph_close': lineBreak(token.hidden ? '\n' : '\n\n'); break;
        case 'fence':
        case 'code_block': lineBreak('\n\n'); write(token.content.replace(/\n$/, '')); lineBreak('\n\n'); break;
        case 'html_block': lineBreak('\n\n'); write(extractHtml(token.content).text.trim()); lineBreak('\n\n'); break;
        case 'list_item_close':
        case 'tr_close': lineBreak('\n'); break;
        case 'tr_open': cellsInRow = 0; break;
        case 'th_open':
        case 'td_open': if (cellsInRow++ > 0) write(' | '); break;
        case 'bullet_list_close':
        case 'ordered_list_close':
        case 'blockquote_close':
        case 'table_close':
        case 'hr': lineBreak('\n\n'); break;
        default: break;
      }
    }
  }
  const text = pieces.join('');
  return title ? { text, title } : { text };
};
