// The chat page served at GET /, checked without a browser: markup, test ids, no external resources,
// a script that compiles and whose text helpers behave, and the built copy matching the source.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Script, createContext } from 'node:vm';
import { CHAT_PAGE_HEADERS, CHAT_PAGE_HTML, sendChatPage } from '../src/http/page/chat-page.js';

const htmlFile = new URL('../src/http/page/chat-page.html', import.meta.url);
const builtFile = new URL('../dist/http/page/chat-page.html', import.meta.url);
const source = readFileSync(htmlFile, 'utf8');

test('the page is chat-page.html, and the build puts it beside the compiled module', () => {
  assert.equal(CHAT_PAGE_HTML, source);
  assert.ok(existsSync(builtFile), 'dist/http/page/chat-page.html is missing: the build script copies it');
  assert.equal(readFileSync(builtFile, 'utf8'), source, 'dist/ has an old copy of the page: run the build');
});

interface Element {
  name: string;
  attributes: Map<string, string>;
}

const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
const RAW_TEXT_ELEMENTS = new Set(['script', 'style']);
const TAG = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>/y;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/** A strict little tokenizer: every tag closed and properly nested, no stray `<`, raw text kept apart. */
const parseHtml = (html: string) => {
  const elements: Element[] = [];
  const rawText: Record<string, string[]> = { script: [], style: [] };
  const stack: string[] = [];
  const body = html.replace(/^<!doctype html>\s*/i, '').replace(/<!--[\s\S]*?-->/g, '');
  let position = 0;
  while (position < body.length) {
    const next = body.indexOf('<', position);
    if (next === -1) break;
    TAG.lastIndex = next;
    const match = TAG.exec(body);
    if (!match) throw new Error(`stray "<" at ${next}: ${JSON.stringify(body.slice(next, next + 40))}`);
    const [whole, closing, rawName, attributeText = '', selfClosing] = match;
    const name = rawName!.toLowerCase();
    position = next + whole.length;
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open ?? 'nothing'}> at ${next}`);
      continue;
    }
    const attributes = new Map<string, string>();
    for (const attribute of attributeText.matchAll(ATTRIBUTE)) attributes.set(attribute[1]!.toLowerCase(), attribute[2] ?? attribute[3] ?? attribute[4] ?? '');
    elements.push({ name, attributes });
    if (VOID_ELEMENTS.has(name) || selfClosing) continue;
    if (RAW_TEXT_ELEMENTS.has(name)) {
      const end = body.indexOf(`</${name}>`, position);
      if (end === -1) throw new Error(`<${name}> is never closed`);
      rawText[name]!.push(body.slice(position, end));
      position = end + name.length + 3;
      continue;
    }
    stack.push(name);
  }
  if (stack.length > 0) throw new Error(`never closed: ${stack.join(' > ')}`);
  return { elements, scripts: rawText.script!, styles: rawText.style! };
};

const page = parseHtml(CHAT_PAGE_HTML);
const script = page.scripts.join('\n');

test('the page is well-formed HTML with unique ids and one inline script', () => {
  assert.match(CHAT_PAGE_HTML, /^<!doctype html>\s*<html lang="en">/i);
  assert.ok(page.elements.some((element) => element.name === 'meta' && element.attributes.get('charset') === 'utf-8'));
  assert.ok(page.elements.some((element) => element.name === 'meta' && element.attributes.get('name') === 'viewport'));
  const ids = page.elements.map((element) => element.attributes.get('id')).filter((id): id is string => id !== undefined);
  assert.deepEqual(ids.filter((id, index) => ids.indexOf(id) !== index), [], 'duplicate ids');
  for (const [, id] of script.matchAll(/byId\('([\w-]+)'\)/g)) assert.ok(ids.includes(id!), `the script looks up #${id}, which the markup lacks`);
  assert.equal(page.scripts.length, 1);
  assert.equal(page.styles.length, 1);
  assert.ok(page.elements.every((element) => !element.attributes.has('src')), 'no element loads a src');
  assert.ok(page.elements.every((element) => ![...element.attributes.keys()].some((name) => name.startsWith('on'))), 'no inline event handlers (the CSP forbids them)');
});

test('every test id is on the page, in the markup or set by the script', () => {
  const inMarkup = new Set(page.elements.map((element) => element.attributes.get('data-testid')).filter((id) => id !== undefined));
  const staticIds = ['api-key', 'connect', 'new-conversation', 'conversation-list', 'message-input', 'send', 'stop', 'upload-input', 'status'];
  for (const id of staticIds) assert.ok(inMarkup.has(id), `data-testid="${id}" missing from the markup`);
  const dynamicIds = ['answer', 'citation', 'sources', 'source-item', 'error', 'upload-progress'];
  for (const id of dynamicIds) {
    const setByScript = script.includes(`'data-testid': '${id}'`) || script.includes(`markLatest('${id}'`);
    assert.ok(setByScript, `the script never sets data-testid="${id}"`);
  }
});

test('the page loads nothing from outside: no URLs, imports or remote fonts', () => {
  assert.doesNotMatch(CHAT_PAGE_HTML, /https?:\/\//i);
  assert.doesNotMatch(CHAT_PAGE_HTML, /\b(?:src|href|action)\s*=\s*["']?\/\//i, 'no protocol-relative URLs');
  for (const element of page.elements) {
    const href = element.attributes.get('href');
    if (href !== undefined) assert.match(href, /^data:/, `<${element.name} href="${href}">`);
  }
  const styles = page.styles.join('\n');
  assert.doesNotMatch(styles, /@import|url\(/i);
  assert.doesNotMatch(script, /\bimport\s*\(|importScripts|new\s+Worker/);
  assert.match(script, /window\.location\.host \+ '\/v1\/ws'/, 'the WebSocket goes to the page\'s own host');
});

test('the inline script compiles, and never hands text to an HTML parser', () => {
  assert.doesNotThrow(() => new Script(script, { filename: 'chat-page.js' }));
  assert.doesNotMatch(script, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\s*\(|new Function/);
});

interface Token {
  type: string;
  text?: string;
  n?: number;
  children?: Token[];
}
interface PageHelpers {
  parseBlocks: (text: string) => { type: string; text?: string; lang?: string; ordered?: boolean; items?: string[]; level?: number; closed?: boolean }[];
  parseInline: (text: string) => Token[];
  createAssembler: () => { add: (seq: unknown, content: unknown) => boolean; reset: () => void; text: () => string };
  errorTitle: (code: string) => string;
}

/** Runs the script where there is no document: it defines its pure helpers and stops before touching the page. */
const helpers = (): PageHelpers => {
  const context = createContext({});
  new Script(script).runInContext(context);
  const page = (context as { RivuletChat: PageHelpers }).RivuletChat;
  // Objects made in the script's realm have its prototypes; copy results into this realm to compare them.
  const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  return {
    ...page,
    parseBlocks: (text) => plain(page.parseBlocks(text)),
    parseInline: (text) => plain(page.parseInline(text)),
  };
};

test('answer text renders as tokens: markup in model output stays text; [n] markers become citations', () => {
  const { parseInline } = helpers();
  const hostile = '<img src=x onerror=alert(1)> & <script>alert(2)</script>';
  assert.deepEqual(parseInline(hostile), [{ type: 'text', text: hostile }]);
  assert.deepEqual(parseInline('Kafka is a log [1] with partitions [2, 3].'), [
    { type: 'text', text: 'Kafka is a log ' }, { type: 'cite', n: 1 }, { type: 'text', text: ' with partitions ' },
    { type: 'cite', n: 2 }, { type: 'cite', n: 3 }, { type: 'text', text: '.' },
  ]);
  assert.deepEqual(parseInline('**bold [1]** and `a[1]<b>` and *em*'), [
    { type: 'strong', children: [{ type: 'text', text: 'bold ' }, { type: 'cite', n: 1 }] },
    { type: 'text', text: ' and ' }, { type: 'code', text: 'a[1]<b>' }, { type: 'text', text: ' and ' },
    { type: 'em', children: [{ type: 'text', text: 'em' }] },
  ]);
  assert.deepEqual(parseInline('2 * 3 * 4 and [x]'), [{ type: 'text', text: '2 * 3 * 4 and [x]' }]);
});

test('answer text splits into paragraphs, lists, headings and code blocks (even unclosed while streaming)', () => {
  const { parseBlocks } = helpers();
  const fence = '\u0060\u0060\u0060';
  const blocks = parseBlocks(`# Title\nFirst line\nsecond line\n\n- one\n- two\n\n1. a\n2. b\n\n> quoted\n\n${fence}js\nconst a = '<b>';\n\n${fence}\nafter\n\n${fence}\nunfinished`);
  assert.deepEqual(blocks.map((block) => block.type), ['heading', 'paragraph', 'list', 'list', 'quote', 'code', 'paragraph', 'code']);
  assert.equal(blocks[1]!.text, 'First line\nsecond line');
  assert.deepEqual(blocks[2]!.items, ['one', 'two']);
  assert.equal(blocks[3]!.ordered, true);
  assert.deepEqual({ lang: blocks[5]!.lang, text: blocks[5]!.text, closed: blocks[5]!.closed }, { lang: 'js', text: "const a = '<b>';\n", closed: true });
  assert.deepEqual({ text: blocks[7]!.text, closed: blocks[7]!.closed }, { text: 'unfinished', closed: false });
});

test('deltas assemble by seq: a gap holds later parts back, repeats are ignored, reset starts over', () => {
  const { createAssembler, errorTitle } = helpers();
  const answer = createAssembler();
  assert.equal(answer.add(0, 'Kafka '), true);
  assert.equal(answer.add(2, 'log'), false);
  assert.equal(answer.text(), 'Kafka ');
  assert.equal(answer.add(1, 'is a '), true);
  assert.equal(answer.text(), 'Kafka is a log');
  assert.equal(answer.add(1, 'again '), false);
  answer.reset();
  assert.equal(answer.text(), '');
  answer.add(0, 'New');
  assert.equal(answer.text(), 'New');
  assert.equal(errorTitle('rate_limited'), 'Too many requests, slow down a little');
  assert.equal(errorTitle('something_new'), 'Something went wrong');
});

test('sendChatPage serves the page with a policy that admits its own script and nothing else', async () => {
  const server = createServer((request, response) => sendChatPage(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const response = await fetch(base);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(await response.text(), CHAT_PAGE_HTML);
    const policy = response.headers.get('content-security-policy') ?? '';
    const hash = createHash('sha256').update(page.scripts[0]!, 'utf8').digest('base64');
    assert.match(policy, new RegExp(`script-src 'sha256-${hash.replace(/[+/]/g, '\\$&')}'(;|$)`));
    assert.match(policy, /default-src 'none'/);
    assert.equal(CHAT_PAGE_HEADERS['x-content-type-options'], 'nosniff');
    const head = await fetch(base, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
