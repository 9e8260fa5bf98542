// GET /: the chat page a person uses in a browser (PROTOCOL.md §2), one self-contained HTML file.
// chat-page.html beside this file is the source; tsc does not copy .html into dist/, so its text is
// also kept below. After editing the .html, regenerate the block with
//   CHAT_PAGE_WRITE=1 node --import tsx --test test/chat-page.test.ts
// (test/chat-page.test.ts fails while the two differ).
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

// BEGIN GENERATED from chat-page.html: do not edit by hand.
export const CHAT_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Rivulet</title>
<link rel="icon" href="data:,">
<style>
:root {
  --bg: #f6f6f8; --panel: #ffffff; --sidebar: #fbfbfc; --text: #1c1c21; --muted: #6b6b78; --faint: #9b9ba6;
  --border: #e3e3e8; --accent: #4f46e5; --accent-text: #ffffff; --accent-soft: #eef0ff; --accent-strong: #3730a3;
  --user: #eef0ff; --code-bg: #f3f3f6; --danger: #b42318; --danger-soft: #fef1f0; --ok: #157f3d; --ok-soft: #ecfdf3;
  --warn: #a15c07; --mark: #fff4c2; --shadow: 0 1px 2px rgba(16, 16, 24, .06), 0 4px 16px rgba(16, 16, 24, .06);
  --radius: 12px; --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1115; --panel: #171a21; --sidebar: #13161c; --text: #e7e7ea; --muted: #a0a0ab; --faint: #6f7280;
    --border: #2a2e38; --accent: #8b93ff; --accent-text: #0f1115; --accent-soft: #23274a; --accent-strong: #b4b9ff;
    --user: #23274a; --code-bg: #0b0d11; --danger: #ff8a80; --danger-soft: #3a1c1c; --ok: #5fd68b; --ok-soft: #15291d;
    --warn: #f0b45a; --mark: #4a3f12; --shadow: 0 1px 2px rgba(0, 0, 0, .4), 0 4px 16px rgba(0, 0, 0, .3);
  }
}
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body {
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  background: var(--bg); color: var(--text); -webkit-font-smoothing: antialiased;
}
button, input, textarea { font: inherit; color: inherit; }
button { cursor: pointer; }
button:disabled { cursor: not-allowed; opacity: .55; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
[hidden] { display: none !important; }
.visually-hidden { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.muted { color: var(--muted); }

.app { display: grid; grid-template-columns: 300px minmax(0, 1fr); height: 100vh; height: 100dvh; }

/* Sidebar */
.sidebar {
  background: var(--sidebar); border-right: 1px solid var(--border); display: flex; flex-direction: column;
  min-height: 0; overflow-y: auto; padding: 14px 12px; gap: 18px;
}
.brand { display: flex; align-items: center; gap: 10px; font-weight: 650; font-size: 17px; padding: 2px 6px; }
.brand svg { width: 26px; height: 26px; color: var(--accent); flex: none; }
.sidebar h2 { font-size: 12px; font-weight: 600; letter-spacing: .06em; text-transform: uppercase; color: var(--faint); margin: 0 6px 8px; }
.button {
  display: inline-flex; align-items: center; justify-content: center; gap: 6px; border: 1px solid var(--border);
  background: var(--panel); border-radius: 10px; padding: 8px 12px; font-weight: 550; transition: background .15s, border-color .15s;
}
.button:hover:not(:disabled) { border-color: var(--accent); }
.button.primary { background: var(--accent); color: var(--accent-text); border-color: transparent; }
.button.primary:hover:not(:disabled) { background: var(--accent-strong); border-color: transparent; }
.button.wide { width: 100%; }
.conversations { flex: 1 1 auto; min-height: 150px; overflow-y: auto; margin: 0 -4px; padding: 0 4px; }
.conversation-list { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 2px; }
.conversation {
  width: 100%; text-align: left; border: 0; background: none; border-radius: 8px; padding: 7px 10px;
  display: flex; flex-direction: column; gap: 1px;
}
.conversation:hover { background: var(--accent-soft); }
.conversation[aria-current="true"] { background: var(--accent-soft); box-shadow: inset 3px 0 0 var(--accent); }
.conversation .title { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-size: 14px; }
.conversation .when { font-size: 12px; color: var(--faint); }
.conversation-empty { font-size: 13px; margin: 4px 8px; }

.dropzone {
  display: flex; flex-direction: column; align-items: center; gap: 2px; padding: 14px 10px; border: 1.5px dashed var(--border);
  border-radius: var(--radius); text-align: center; font-size: 14px; cursor: pointer; transition: border-color .15s, background .15s;
}
.dropzone:hover, .dropzone:focus-within { border-color: var(--accent); background: var(--accent-soft); }
.dropzone small { color: var(--faint); font-size: 12px; }
.dropzone u { color: var(--accent); text-decoration: none; font-weight: 550; }
.uploads { list-style: none; margin: 8px 0 0; padding: 0; display: flex; flex-direction: column; gap: 8px; max-height: 34vh; overflow-y: auto; }
.uploads:empty { margin: 0; }
.upload { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; padding: 8px 10px; font-size: 13px; }
.upload-row { display: flex; gap: 8px; align-items: baseline; }
.upload-name { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-weight: 550; }
.upload-size { color: var(--faint); font-size: 12px; }
.upload-dismiss { border: 0; background: none; color: var(--faint); padding: 0 2px; font-size: 15px; line-height: 1; }
.upload progress { width: 100%; height: 6px; margin: 6px 0 3px; appearance: none; -webkit-appearance: none; border: 0; border-radius: 3px; background: var(--code-bg); overflow: hidden; accent-color: var(--accent); }
.upload progress::-webkit-progress-bar { background: var(--code-bg); }
.upload progress::-webkit-progress-value { background: var(--accent); transition: width .2s; }
.upload progress::-moz-progress-bar { background: var(--accent); }
.upload progress:indeterminate {
  background: linear-gradient(90deg, transparent, var(--accent), transparent) -67% 0 / 40% 100% no-repeat var(--code-bg);
  animation: indeterminate 1.3s ease-in-out infinite;
}
.upload progress:indeterminate::-webkit-progress-bar { background: transparent; }
.upload progress:indeterminate::-moz-progress-bar { background: transparent; }
@keyframes indeterminate { to { background-position: 167% 0; } }
.upload.done progress::-webkit-progress-value { background: var(--ok); }
.upload.done progress::-moz-progress-bar { background: var(--ok); }
.upload-status { color: var(--muted); font-size: 12px; }
.upload.done .upload-status { color: var(--ok); }
.upload.failed .upload-status { color: var(--danger); }

.settings { display: flex; flex-direction: column; gap: 8px; border-top: 1px solid var(--border); padding-top: 14px; }
.field { display: flex; flex-direction: column; gap: 3px; font-size: 12px; color: var(--muted); padding: 0 2px; }
.field-row { display: flex; gap: 6px; }
.field input {
  width: 100%; border: 1px solid var(--border); background: var(--panel); border-radius: 8px; padding: 7px 9px; font-size: 14px;
}
.field input:focus { border-color: var(--accent); outline: none; }
.field .button { padding: 6px 9px; font-size: 13px; }

/* Main column */
.main { display: flex; flex-direction: column; min-width: 0; min-height: 0; }
.topbar {
  display: flex; align-items: center; gap: 10px; padding: 10px 18px; border-bottom: 1px solid var(--border);
  background: color-mix(in srgb, var(--bg) 85%, transparent); backdrop-filter: blur(8px);
}
.topbar h1 { flex: 1; min-width: 0; font-size: 15px; font-weight: 600; margin: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.icon-button { border: 0; background: none; padding: 6px; border-radius: 8px; display: none; }
.icon-button svg { width: 20px; height: 20px; display: block; }
.status {
  cursor: default; display: inline-flex; align-items: center; gap: 7px; font-size: 13px; color: var(--muted); border: 1px solid var(--border);
  background: var(--panel); border-radius: 999px; padding: 3px 11px 3px 9px; white-space: nowrap; max-width: 60vw; overflow: hidden; text-overflow: ellipsis;
}
.status::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: var(--faint); flex: none; }
.status[data-state="connected"]::before { background: var(--ok); box-shadow: 0 0 0 3px var(--ok-soft); }
.status[data-state="connecting"]::before { background: var(--warn); animation: pulse 1.2s infinite; }
.status[data-state="offline"]::before { background: var(--warn); }
.status[data-state="offline"], .status[data-state="unauthorized"] { cursor: pointer; }
.status[data-state="unauthorized"] { color: var(--danger); border-color: var(--danger); }
.status[data-state="unauthorized"]::before { background: var(--danger); }
@keyframes pulse { 50% { opacity: .3; } }

.banner { margin: 12px auto 0; width: min(760px, calc(100% - 32px)); }
.messages { flex: 1; overflow-y: auto; padding: 24px 16px 12px; scroll-behavior: auto; }
.thread { max-width: 760px; margin: 0 auto; display: flex; flex-direction: column; gap: 22px; }

.empty { text-align: center; margin: 8vh auto 0; max-width: 520px; }
.empty svg { width: 44px; height: 44px; color: var(--accent); }
.empty h2 { font-size: 22px; margin: 10px 0 6px; font-weight: 650; }
.empty p { color: var(--muted); margin: 0 0 18px; }
.suggestions { display: flex; flex-wrap: wrap; gap: 8px; justify-content: center; }
.suggestion { border: 1px solid var(--border); background: var(--panel); border-radius: 999px; padding: 6px 13px; font-size: 14px; }
.suggestion:hover { border-color: var(--accent); color: var(--accent); }

.turn { display: flex; gap: 12px; }
.turn.user { justify-content: flex-end; }
.turn.user .bubble {
  background: var(--user); border-radius: 16px 16px 4px 16px; padding: 9px 14px; max-width: 82%; white-space: pre-wrap; overflow-wrap: anywhere;
}
.avatar {
  flex: none; width: 30px; height: 30px; border-radius: 9px; background: var(--accent); color: var(--accent-text);
  display: grid; place-items: center; font-weight: 700; font-size: 14px; margin-top: 2px;
}
.turn.assistant .content { flex: 1; min-width: 0; }
.notice { font-size: 13px; color: var(--warn); margin-bottom: 6px; }
.body { overflow-wrap: anywhere; }
.body > :first-child { margin-top: 0; }
.body > :last-child { margin-bottom: 0; }
.body p { margin: 0 0 .8em; white-space: pre-wrap; }
.body h3, .body h4, .body h5, .body h6 { margin: 1em 0 .4em; font-size: 1.02em; }
.body ul, .body ol { margin: 0 0 .8em; padding-left: 1.4em; }
.body li { margin: .2em 0; white-space: pre-wrap; }
.body blockquote { margin: 0 0 .8em; padding: 2px 12px; border-left: 3px solid var(--border); color: var(--muted); }
.body code { font-family: var(--mono); font-size: .88em; background: var(--code-bg); padding: .1em .35em; border-radius: 5px; }
.codeblock { margin: 0 0 .9em; border: 1px solid var(--border); border-radius: 10px; overflow: hidden; background: var(--code-bg); }
.codeblock-bar { display: flex; justify-content: space-between; align-items: center; padding: 4px 6px 4px 12px; font-size: 12px; color: var(--faint); border-bottom: 1px solid var(--border); }
.codeblock pre { margin: 0; padding: 12px 14px; overflow-x: auto; }
.codeblock code { background: none; padding: 0; font-size: 13px; white-space: pre; }
.small-button { border: 0; background: none; color: var(--muted); font-size: 12px; padding: 3px 7px; border-radius: 6px; }
.small-button:hover { background: var(--accent-soft); color: var(--accent); }
.turn.streaming .body > :last-child::after, .turn.streaming .body:empty::after {
  content: ""; display: inline-block; width: .5em; height: 1.05em; margin-left: 2px; vertical-align: text-bottom;
  background: var(--accent); border-radius: 1px; animation: blink 1s steps(2) infinite;
}
.turn.streaming .body > .codeblock:last-child::after { display: none; }
@keyframes blink { 50% { opacity: 0; } }
.typing { display: inline-flex; gap: 4px; padding: 8px 0; }
.typing i { width: 7px; height: 7px; border-radius: 50%; background: var(--faint); animation: bounce 1.2s infinite ease-in-out; }
.typing i:nth-child(2) { animation-delay: .15s; }
.typing i:nth-child(3) { animation-delay: .3s; }
@keyframes bounce { 0%, 80%, 100% { transform: translateY(0); opacity: .5; } 40% { transform: translateY(-4px); opacity: 1; } }

sup.cite { line-height: 0; margin: 0 1px; }
.cite-button {
  border: 0; background: var(--accent-soft); color: var(--accent); font-size: 11px; font-weight: 650; padding: 1px 4px;
  border-radius: 5px; vertical-align: baseline; font-family: inherit; line-height: 1.35;
}
.cite-button:hover:not(:disabled), .cite-button[aria-expanded="true"] { background: var(--accent); color: var(--accent-text); }
.cite-button:disabled { background: var(--code-bg); color: var(--faint); opacity: 1; cursor: help; }

.sources { margin-top: 12px; border: 1px solid var(--border); border-radius: var(--radius); background: var(--panel); }
.sources > summary { cursor: pointer; padding: 8px 12px; font-size: 13px; font-weight: 600; color: var(--muted); list-style: none; display: flex; gap: 6px; align-items: center; }
.sources > summary::-webkit-details-marker { display: none; }
.sources > summary::before { content: "\\25B8"; transition: transform .15s; display: inline-block; }
.sources[open] > summary::before { transform: rotate(90deg); }
.source-list { list-style: none; margin: 0; padding: 0 6px 6px; display: flex; flex-direction: column; gap: 2px; }
.source { display: grid; grid-template-columns: auto 1fr auto; gap: 2px 10px; padding: 8px; border-radius: 9px; cursor: pointer; transition: background .2s; }
.source:hover { background: var(--code-bg); }
.source.active { background: var(--mark); }
.source-n { grid-row: span 2; font-size: 12px; font-weight: 700; color: var(--accent); background: var(--accent-soft); border-radius: 6px; padding: 1px 6px; height: fit-content; margin-top: 1px; }
.source-title { font-weight: 600; font-size: 14px; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.source-doc { font-weight: 400; color: var(--faint); font-size: 12px; margin-left: 6px; }
.source-score { font-size: 12px; color: var(--faint); font-variant-numeric: tabular-nums; }
.source-snippet {
  grid-column: 2 / 4; font-size: 13px; color: var(--muted); margin: 0; white-space: pre-wrap;
  display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden;
}
.source.active .source-snippet { -webkit-line-clamp: unset; display: block; color: var(--text); }

.meta { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; margin-top: 8px; font-size: 12px; color: var(--faint); }
.meta .small-button { margin-left: -4px; }

.error-card {
  border: 1px solid color-mix(in srgb, var(--danger) 35%, var(--border)); background: var(--danger-soft); border-radius: var(--radius);
  padding: 10px 14px; margin-top: 10px; font-size: 14px;
}
.error-card.stopped { border-color: var(--border); background: var(--code-bg); color: var(--muted); }
.error-head { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.error-head strong { color: var(--danger); }
.error-card.stopped .error-head strong { color: var(--muted); }
.error-code { font-family: var(--mono); font-size: 12px; background: var(--panel); border: 1px solid var(--border); padding: 0 6px; border-radius: 5px; color: var(--muted); }
.error-message { margin: 4px 0 0; color: var(--muted); overflow-wrap: anywhere; }
.error-actions { display: flex; gap: 8px; margin-top: 8px; }
.error-actions .button { padding: 5px 12px; font-size: 13px; }
.error-head .spacer { flex: 1; }
.loading { color: var(--muted); text-align: center; padding: 20px; }

.composer-wrap { padding: 8px 16px 14px; }
.composer {
  max-width: 760px; margin: 0 auto; display: flex; align-items: flex-end; gap: 8px; background: var(--panel);
  border: 1px solid var(--border); border-radius: 16px; padding: 8px 8px 8px 14px; box-shadow: var(--shadow); transition: border-color .15s;
}
.composer:focus-within { border-color: var(--accent); }
.composer textarea {
  flex: 1; border: 0; outline: none; resize: none; background: transparent; padding: 6px 0; max-height: 220px; min-height: 24px; line-height: 1.5;
}
.composer .button { border-radius: 11px; padding: 8px 16px; }
.stop-button { background: var(--text); color: var(--bg); border-color: transparent; }
.hint { max-width: 760px; margin: 6px auto 0; font-size: 12px; color: var(--faint); text-align: center; }
kbd { font-family: inherit; font-size: 11px; border: 1px solid var(--border); border-bottom-width: 2px; border-radius: 4px; padding: 0 4px; }

.drop-overlay {
  position: fixed; inset: 0; z-index: 50; display: grid; place-items: center; pointer-events: none;
  background: color-mix(in srgb, var(--accent) 14%, transparent); backdrop-filter: blur(2px);
}
.drop-overlay div { background: var(--panel); border: 2px dashed var(--accent); border-radius: 18px; padding: 28px 40px; font-size: 18px; box-shadow: var(--shadow); }
.scrim { display: none; }

@media (max-width: 820px) {
  .app { grid-template-columns: minmax(0, 1fr); }
  .sidebar {
    position: fixed; inset: 0 auto 0 0; width: min(320px, 86vw); z-index: 40; transform: translateX(-102%);
    transition: transform .2s ease; box-shadow: var(--shadow);
  }
  .app.sidebar-open .sidebar { transform: none; }
  .app.sidebar-open .scrim { display: block; position: fixed; inset: 0; z-index: 30; background: rgba(0, 0, 0, .35); }
  .icon-button { display: block; }
  .topbar { padding: 8px 10px; }
  .messages { padding: 16px 10px 8px; }
  .composer-wrap { padding: 6px 8px 10px; }
  .hint { display: none; }
  .turn.user .bubble { max-width: 92%; }
  .composer textarea { font-size: 16px; }
  .avatar { display: none; }
}
@media (prefers-reduced-motion: reduce) { *, *::before, *::after { animation: none !important; transition: none !important; } }
</style>
</head>
<body>
<div class="app" id="app">
  <aside class="sidebar" id="sidebar" aria-label="Conversations and settings">
    <div class="brand">
      <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><path d="M3 7c3-2 6 2 9 0s6-2 9 0"></path><path d="M3 12c3-2 6 2 9 0s6-2 9 0"></path><path d="M3 17c3-2 6 2 9 0s6-2 9 0"></path></svg>
      <span>Rivulet</span>
    </div>
    <button type="button" class="button primary wide" id="new-conversation" data-testid="new-conversation">+ New conversation</button>

    <nav class="conversations" aria-labelledby="conversations-heading">
      <h2 id="conversations-heading">Conversations</h2>
      <ul class="conversation-list" id="conversation-list" data-testid="conversation-list"></ul>
      <p class="conversation-empty muted" id="conversation-empty">Your conversations will appear here.</p>
    </nav>

    <section aria-labelledby="documents-heading">
      <h2 id="documents-heading">Documents</h2>
      <label class="dropzone" id="dropzone">
        <input class="visually-hidden" type="file" id="upload-input" data-testid="upload-input" multiple accept=".txt,.md,.markdown,.html,.htm,.pdf,text/plain,text/markdown,text/html,application/pdf">
        <span>Drop files here or <u>browse</u></span>
        <small>.txt .md .html .pdf, into collection <b id="upload-collection">default</b></small>
      </label>
      <ul class="uploads" id="uploads" data-testid="uploads"></ul>
    </section>

    <section class="settings" aria-labelledby="settings-heading">
      <h2 id="settings-heading">Connection</h2>
      <label class="field" for="api-key">API key
        <span class="field-row">
          <input id="api-key" data-testid="api-key" type="password" autocomplete="off" spellcheck="false" placeholder="rivulet-…">
          <button type="button" class="button" id="toggle-key" aria-label="Show the API key">Show</button>
        </span>
      </label>
      <label class="field" for="collection">Collection (chat and uploads)
        <input id="collection" data-testid="collection" type="text" autocomplete="off" spellcheck="false" value="default">
      </label>
      <button type="button" class="button wide" id="connect" data-testid="connect">Connect</button>
    </section>
  </aside>
  <div class="scrim" id="scrim"></div>

  <main class="main">
    <header class="topbar">
      <button type="button" class="icon-button" id="menu" aria-label="Show conversations" aria-controls="sidebar">
        <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><path d="M4 6h16M4 12h16M4 18h16"></path></svg>
      </button>
      <h1 id="conversation-title">New conversation</h1>
      <span class="status" id="status" data-testid="status" data-state="connecting" role="status" aria-live="polite" title="Connection to the server; click to reconnect now">Connecting…</span>
    </header>
    <div class="banner" id="banner" hidden></div>

    <div class="messages" id="messages">
      <div class="thread" id="thread">
        <div class="empty" id="empty">
          <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" aria-hidden="true"><path d="M3 7c3-2 6 2 9 0s6-2 9 0"></path><path d="M3 12c3-2 6 2 9 0s6-2 9 0"></path><path d="M3 17c3-2 6 2 9 0s6-2 9 0"></path></svg>
          <h2>Ask your documents</h2>
          <p>Answers stream in with numbered citations to the passages they come from. Drop files anywhere on the page to add them.</p>
          <div class="suggestions" id="suggestions">
            <button type="button" class="suggestion">Summarize what my documents cover</button>
            <button type="button" class="suggestion">What are the key decisions and why?</button>
            <button type="button" class="suggestion">Explain the main ideas to a newcomer</button>
          </div>
        </div>
      </div>
    </div>

    <div class="composer-wrap">
      <form class="composer" id="composer" autocomplete="off">
        <label class="visually-hidden" for="message-input">Message</label>
        <textarea id="message-input" data-testid="message-input" rows="1" placeholder="Ask anything about your documents…"></textarea>
        <button type="button" class="button stop-button" id="stop" data-testid="stop" hidden>Stop</button>
        <button type="submit" class="button primary" id="send" data-testid="send" disabled>Send</button>
      </form>
      <p class="hint"><kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line · <kbd>Esc</kbd> stops an answer</p>
    </div>
  </main>
</div>
<div class="drop-overlay" id="drop-overlay" hidden><div>Drop to add to collection <b id="drop-collection">default</b></div></div>
<script>
(function () {
  'use strict';

  /* ---------- Pure helpers: no DOM, exposed as globalThis.RivuletChat for tests ---------- */

  var FENCE_OPEN = /^\\s*\\x60{3,}\\s*([\\w.+#-]*)\\s*$/;
  var FENCE_CLOSE = /^\\s*\\x60{3,}\\s*$/;
  var INLINE = /\\x60([^\\x60\\n]+)\\x60|\\*\\*(?=\\S)([\\s\\S]*?\\S)\\*\\*|\\*(?=[^\\s*])([^*\\n]*?[^\\s*])\\*|\\[(\\d{1,3}(?:\\s*,\\s*\\d{1,3})*)\\]/g;

  /** Splits answer text into blocks: paragraph, heading, list, quote, code (light Markdown). */
  function parseBlocks(text) {
    var lines = String(text).replace(/\\r\\n?/g, '\\n').split('\\n');
    var blocks = [];
    var paragraph = null;
    var list = null;
    var quote = null;
    function flush() {
      if (paragraph) blocks.push({ type: 'paragraph', text: paragraph.join('\\n') });
      if (list) blocks.push(list);
      if (quote) blocks.push({ type: 'quote', text: quote.join('\\n') });
      paragraph = list = quote = null;
    }
    for (var index = 0; index < lines.length; index += 1) {
      var line = lines[index];
      var fence = FENCE_OPEN.exec(line);
      if (fence) {
        flush();
        var code = [];
        var closed = false;
        for (index += 1; index < lines.length; index += 1) {
          if (FENCE_CLOSE.test(lines[index])) { closed = true; break; }
          code.push(lines[index]);
        }
        blocks.push({ type: 'code', lang: fence[1] || '', text: code.join('\\n'), closed: closed });
        continue;
      }
      if (/^\\s*$/.test(line)) { flush(); continue; }
      var heading = /^(#{1,6})\\s+(.*)$/.exec(line);
      if (heading) { flush(); blocks.push({ type: 'heading', level: heading[1].length, text: heading[2] }); continue; }
      var bullet = /^\\s*[-*+]\\s+(.*)$/.exec(line);
      var numbered = /^\\s*(\\d{1,9})[.)]\\s+(.*)$/.exec(line);
      if (bullet || numbered) {
        var ordered = !bullet;
        if (paragraph || quote || (list && list.ordered !== ordered)) flush();
        if (!list) list = { type: 'list', ordered: ordered, start: numbered ? Number(numbered[1]) : 1, items: [] };
        list.items.push(bullet ? bullet[1] : numbered[2]);
        continue;
      }
      if (list && /^\\s{2,}\\S/.test(line)) { list.items[list.items.length - 1] += '\\n' + line.trim(); continue; }
      var quoted = /^\\s*>\\s?(.*)$/.exec(line);
      if (quoted) {
        if (!quote) flush();
        (quote = quote || []).push(quoted[1]);
        continue;
      }
      if (!paragraph) flush();
      (paragraph = paragraph || []).push(line);
    }
    flush();
    return blocks;
  }

  /** Inline tokens: text, code, strong, em, cite (one per number of [1] or [1, 2]). Never HTML. */
  function parseInline(text) {
    var source = String(text);
    var pattern = new RegExp(INLINE.source, 'g');
    var tokens = [];
    var last = 0;
    var match;
    while ((match = pattern.exec(source)) !== null) {
      if (match.index > last) tokens.push({ type: 'text', text: source.slice(last, match.index) });
      if (match[1] !== undefined) tokens.push({ type: 'code', text: match[1] });
      else if (match[2] !== undefined) tokens.push({ type: 'strong', children: parseInline(match[2]) });
      else if (match[3] !== undefined) tokens.push({ type: 'em', children: parseInline(match[3]) });
      else match[4].split(',').forEach(function (n) { tokens.push({ type: 'cite', n: Number(n.trim()) }); });
      last = pattern.lastIndex;
    }
    if (last < source.length) tokens.push({ type: 'text', text: source.slice(last) });
    return tokens;
  }

  /** Collects deltas by seq; text is the contiguous run from seq 0 (later ones wait for a gap to fill). */
  function createAssembler() {
    var parts = [];
    var next = 0;
    var text = '';
    return {
      add: function (seq, content) {
        if (typeof seq !== 'number' || typeof content !== 'string' || seq < next || parts[seq] !== undefined) return false;
        parts[seq] = content;
        var grew = false;
        while (parts[next] !== undefined) { text += parts[next]; next += 1; grew = true; }
        return grew;
      },
      reset: function () { parts = []; next = 0; text = ''; },
      text: function () { return text; },
    };
  }

  var ERROR_TITLES = {
    unauthorized: 'The API key was not accepted',
    invalid_request: 'The request was refused',
    payload_too_large: 'That is too large for the server',
    rate_limited: 'Too many requests, slow down a little',
    budget_exceeded: 'The token budget for this period is used up',
    not_found: 'Not found',
    provider_unavailable: 'No model provider could answer right now',
    cancelled: 'Stopped',
    timeout: 'The answer took too long',
    internal: 'Something went wrong on the server',
    disconnected: 'The connection dropped',
    network: 'The server could not be reached',
  };
  function errorTitle(code) { return ERROR_TITLES[code] || 'Something went wrong'; }

  function formatDuration(ms) {
    if (typeof ms !== 'number' || !isFinite(ms)) return '';
    return ms < 1000 ? Math.round(ms) + ' ms' : (ms / 1000).toFixed(1) + ' s';
  }
  function formatBytes(bytes) {
    if (bytes < 1024) return bytes + ' B';
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(0) + ' KB';
    return (bytes / 1024 / 1024).toFixed(1) + ' MB';
  }

  globalThis.RivuletChat = {
    parseBlocks: parseBlocks, parseInline: parseInline, createAssembler: createAssembler, errorTitle: errorTitle,
    formatDuration: formatDuration, formatBytes: formatBytes,
  };
  if (typeof document === 'undefined') return;

  /* ---------- The page ---------- */

  var DEFAULT_API_KEY = 'rivulet-dev-key';
  var MAX_MESSAGE_LENGTH = 32000;
  var UPLOAD_CONCURRENCY = 3;

  function byId(id) { return document.getElementById(id); }
  var ui = {
    app: byId('app'), sidebar: byId('sidebar'), scrim: byId('scrim'), menu: byId('menu'),
    apiKey: byId('api-key'), toggleKey: byId('toggle-key'), collection: byId('collection'), connect: byId('connect'),
    status: byId('status'), banner: byId('banner'), title: byId('conversation-title'),
    newConversation: byId('new-conversation'), list: byId('conversation-list'), listEmpty: byId('conversation-empty'),
    messages: byId('messages'), thread: byId('thread'), empty: byId('empty'), suggestions: byId('suggestions'),
    composer: byId('composer'), input: byId('message-input'), send: byId('send'), stop: byId('stop'),
    uploadInput: byId('upload-input'), uploads: byId('uploads'), uploadCollection: byId('upload-collection'),
    dropOverlay: byId('drop-overlay'), dropCollection: byId('drop-collection'),
  };

  /** Creates an element; children are nodes or strings (always text nodes, never parsed as HTML). */
  function h(tag, attributes, children) {
    var element = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === undefined || value === null || value === false) return;
      if (name === 'class') element.className = value;
      else if (name === 'text') element.textContent = value;
      else element.setAttribute(name, value === true ? '' : String(value));
    });
    [].concat(children === undefined ? [] : children).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      element.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return element;
  }

  /** Test ids that name one element at a time ("the latest answer") move to the newest one. */
  function markLatest(testId, element) {
    Array.prototype.forEach.call(document.querySelectorAll('[data-testid="' + testId + '"]'), function (other) {
      if (other !== element) other.removeAttribute('data-testid');
    });
    if (element) element.setAttribute('data-testid', testId);
  }

  var storage = {
    get: function (key, fallback) {
      try { var value = window.localStorage.getItem(key); return value === null ? fallback : value; } catch (error) { return fallback; }
    },
    set: function (key, value) {
      try { window.localStorage.setItem(key, value); } catch (error) { /* private mode: keep going without persistence */ }
    },
  };

  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (byte) { return (byte + 256).toString(16).slice(1); }).join('');
  }

  var state = {
    socket: null, connected: false, tenant: null, attempt: 0, reconnectTimer: null, pingTimer: null, unauthorized: false,
    conversationId: null, view: 0, serverConversations: null, pendingOpen: null,
    turns: {}, finishedIds: {}, streamingId: null, uploadQueue: [], uploadsActive: 0,
  };
  var turnOf = typeof WeakMap === 'function' ? new WeakMap() : null;

  function apiKey() { return ui.apiKey.value.trim(); }
  function collection() { return ui.collection.value.trim() || 'default'; }

  /* ---------- Status and banner ---------- */

  function setStatus(kind, text) {
    ui.status.setAttribute('data-state', kind);
    ui.status.textContent = text;
  }

  function errorCard(code, message, options) {
    options = options || {};
    var card = h('div', { class: 'error-card' + (code === 'cancelled' ? ' stopped' : ''), role: 'alert' }, [
      h('div', { class: 'error-head' }, [
        h('strong', { text: options.title || errorTitle(code) }),
        h('span', { class: 'error-code', text: code }),
        h('span', { class: 'spacer' }),
        options.dismiss ? h('button', { type: 'button', class: 'small-button', 'aria-label': 'Dismiss', text: 'Dismiss' }) : null,
      ]),
      message ? h('p', { class: 'error-message', text: message }) : null,
    ]);
    if (options.dismiss) card.querySelector('button').addEventListener('click', options.dismiss);
    if (options.actions && options.actions.length) card.appendChild(h('div', { class: 'error-actions' }, options.actions));
    return card;
  }

  function showBanner(code, message, title) {
    var card = errorCard(code, message, { title: title, dismiss: hideBanner });
    ui.banner.replaceChildren(card);
    ui.banner.hidden = false;
    ui.banner.setAttribute('data-code', code);
    markLatest('error', card);
  }
  function hideBanner(onlyCode) {
    if (typeof onlyCode === 'string' && ui.banner.getAttribute('data-code') !== onlyCode) return;
    ui.banner.hidden = true;
    ui.banner.replaceChildren();
    ui.banner.removeAttribute('data-code');
  }

  /* ---------- Connection ---------- */

  function webSocketUrl() {
    return (window.location.protocol === 'https:' ? 'wss://' : 'ws://') + window.location.host + '/v1/ws';
  }

  function connect() {
    clearTimeout(state.reconnectTimer);
    clearInterval(state.pingTimer);
    var key = apiKey();
    if (state.socket) {
      var old = state.socket;
      state.socket = null;
      old.close(1000, 'reconnecting');
      connectionLost('The connection was restarted before the answer was complete.');
    }
    state.connected = false;
    updateComposer();
    if (!key) {
      setStatus('unauthorized', 'Enter an API key');
      openSidebar();
      ui.apiKey.focus();
      return;
    }
    storage.set('rivulet.apiKey', key);
    state.unauthorized = false;
    setStatus('connecting', state.attempt > 0 ? 'Reconnecting…' : 'Connecting…');
    var socket;
    try {
      socket = new WebSocket(webSocketUrl());
    } catch (error) {
      scheduleReconnect('Cannot open a connection');
      return;
    }
    state.socket = socket;
    socket.onopen = function () {
      if (socket === state.socket) socket.send(JSON.stringify({ type: 'auth', token: key }));
    };
    socket.onmessage = function (event) {
      if (socket !== state.socket || typeof event.data !== 'string') return;
      var frame;
      try { frame = JSON.parse(event.data); } catch (error) { return; }
      if (frame && typeof frame === 'object') handleFrame(frame);
    };
    socket.onclose = function (event) {
      if (socket !== state.socket) return;
      state.socket = null;
      state.connected = false;
      clearInterval(state.pingTimer);
      updateComposer();
      connectionLost('The connection dropped before the answer was complete.');
      if (event.code === 4401) {
        state.unauthorized = true;
        setStatus('unauthorized', 'Disconnected: bad API key');
        showBanner('unauthorized', 'The server refused this API key (close code 4401). Check it under Connection and press Connect.', 'Bad API key');
        openSidebar();
        return;
      }
      var reasons = { 1006: 'Cannot reach the server', 1009: 'A message was too large', 1011: 'Server error', 1013: 'The server asked to slow down' };
      scheduleReconnect(reasons[event.code] || (event.reason ? 'Disconnected: ' + event.reason : 'Disconnected'));
    };
  }

  function scheduleReconnect(reason) {
    clearTimeout(state.reconnectTimer);
    var delay = Math.min(15000, 500 * Math.pow(2, state.attempt)) * (0.8 + Math.random() * 0.4);
    state.attempt += 1;
    var until = Date.now() + delay;
    (function tick() {
      var left = until - Date.now();
      if (left <= 0) { connect(); return; }
      setStatus('offline', reason + ' · retrying in ' + Math.ceil(left / 1000) + ' s');
      state.reconnectTimer = setTimeout(tick, Math.min(1000, left));
    })();
  }

  function onReady(frame) {
    state.connected = true;
    state.attempt = 0;
    state.tenant = typeof frame.tenant === 'string' ? frame.tenant : null;
    setStatus('connected', 'Connected' + (state.tenant ? ' · ' + state.tenant : ''));
    hideBanner('unauthorized');
    hideBanner('disconnected');
    updateComposer();
    clearInterval(state.pingTimer);
    state.pingTimer = setInterval(function () {
      if (state.socket && state.connected) state.socket.send('{"type":"ping"}');
    }, 25000);
    loadConversations();
    if (state.pendingOpen) {
      var id = state.pendingOpen;
      state.pendingOpen = null;
      if (id !== state.conversationId || !ui.thread.querySelector('.turn')) openConversation(id);
    }
  }

  function handleFrame(frame) {
    if (frame.type === 'ready') return onReady(frame);
    if (frame.type === 'pong' || frame.type === 'ingest_status') return;
    var turn = typeof frame.id === 'string' ? state.turns[frame.id] : undefined;
    if (!turn) {
      if (frame.type === 'error' && !state.finishedIds[frame.id]) showBanner(String(frame.code || 'internal'), String(frame.message || ''));
      return;
    }
    switch (frame.type) {
      case 'ack': return onAck(turn, frame);
      case 'sources': turn.sources = Array.isArray(frame.sources) ? frame.sources : []; renderSources(turn); return scheduleRender(turn);
      case 'delta': if (turn.assembler.add(frame.seq, frame.content)) scheduleRender(turn); return;
      case 'reset': return onReset(turn);
      case 'done': return onDone(turn, frame);
      case 'error': return failTurn(turn, frame);
    }
  }

  /* ---------- Conversations ---------- */

  function localKey() { return 'rivulet.conversations.' + (state.tenant || 'default'); }
  function localConversations() {
    try { var list = JSON.parse(storage.get(localKey(), '[]')); return Array.isArray(list) ? list : []; } catch (error) { return []; }
  }
  function rememberConversation(id, title) {
    var list = localConversations().filter(function (item) { return item.id !== id; });
    var known = allConversations().filter(function (item) { return item.id === id; })[0];
    list.unshift({ id: id, title: (known && known.title) || title, updatedAt: new Date().toISOString() });
    storage.set(localKey(), JSON.stringify(list.slice(0, 100)));
    renderConversations();
  }
  function forgetConversation(id) {
    storage.set(localKey(), JSON.stringify(localConversations().filter(function (item) { return item.id !== id; })));
    if (state.serverConversations) state.serverConversations = state.serverConversations.filter(function (item) { return item.id !== id; });
    renderConversations();
  }
  /** The server's list when it has one, plus conversations this browser started that it does not list yet. */
  function allConversations() {
    var byKey = {};
    localConversations().concat(state.serverConversations || []).forEach(function (item) {
      if (!item || typeof item.id !== 'string') return;
      var known = byKey[item.id];
      byKey[item.id] = {
        id: item.id,
        title: item.title || (known && known.title) || '',
        updatedAt: [item.updatedAt, known && known.updatedAt].filter(Boolean).sort().pop() || '',
      };
    });
    return Object.keys(byKey).map(function (id) { return byKey[id]; })
      .sort(function (a, b) { return a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0; });
  }

  function relativeTime(iso) {
    var time = Date.parse(iso);
    if (!isFinite(time)) return '';
    var seconds = (Date.now() - time) / 1000;
    if (seconds < 60) return 'just now';
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min ago';
    if (seconds < 86400) return Math.floor(seconds / 3600) + ' h ago';
    if (seconds < 172800) return 'yesterday';
    return new Date(time).toLocaleDateString();
  }

  function renderConversations() {
    var items = allConversations();
    ui.list.replaceChildren.apply(ui.list, items.map(function (item) {
      var button = h('button', {
        type: 'button', class: 'conversation', 'data-id': item.id, 'data-testid': 'conversation-item',
        'aria-current': item.id === state.conversationId ? 'true' : 'false', title: item.title || item.id,
      }, [h('span', { class: 'title', text: item.title || 'Untitled conversation' }), h('span', { class: 'when', text: relativeTime(item.updatedAt) })]);
      return h('li', null, button);
    }));
    ui.listEmpty.hidden = items.length > 0;
  }

  var conversationsTimer = null;
  function loadConversations(delay) {
    clearTimeout(conversationsTimer);
    conversationsTimer = setTimeout(function () {
      request('GET', '/v1/conversations').then(function (result) {
        if (result.ok && result.body && Array.isArray(result.body.conversations)) state.serverConversations = result.body.conversations;
        else if (result.status === 401) showBanner('unauthorized', 'The server refused this API key for the conversation list.', 'Bad API key');
        renderConversations();
        var current = state.conversationId && titleOf(state.conversationId);
        if (current) setConversationTitle(current);
      });
    }, delay || 0);
  }

  function titleOf(id) {
    var item = allConversations().filter(function (entry) { return entry.id === id; })[0];
    return item && item.title;
  }

  function setConversationTitle(text) {
    ui.title.textContent = text || 'New conversation';
    document.title = text ? text + ' · Rivulet' : 'Rivulet';
  }

  function setHash(id) {
    var url = window.location.pathname + window.location.search + (id ? '#c=' + encodeURIComponent(id) : '');
    try { window.history.replaceState(null, '', url); } catch (error) { /* file:// or sandboxed: the hash is only a convenience */ }
  }
  function conversationInHash() {
    var match = /^#c=(.+)$/.exec(window.location.hash);
    if (!match) return null;
    try { return decodeURIComponent(match[1]); } catch (error) { return null; }
  }

  function clearThread() {
    Array.prototype.slice.call(ui.thread.children).forEach(function (child) { if (child !== ui.empty) child.remove(); });
  }

  function newConversation() {
    state.view += 1;
    state.conversationId = null;
    setHash(null);
    clearThread();
    ui.empty.hidden = false;
    setConversationTitle('');
    renderConversations();
    closeSidebar();
    ui.input.focus();
  }

  function openConversation(id) {
    state.view += 1;
    var view = state.view;
    state.conversationId = id;
    setHash(id);
    clearThread();
    ui.empty.hidden = true;
    setConversationTitle(titleOf(id) || 'Conversation');
    renderConversations();
    closeSidebar();
    var loading = h('div', { class: 'loading', text: 'Loading messages…' });
    ui.thread.appendChild(loading);
    request('GET', '/v1/conversations/' + encodeURIComponent(id) + '/messages').then(function (result) {
      if (view !== state.view) return;
      loading.remove();
      if (result.status === 404) {
        forgetConversation(id);
        ui.thread.appendChild(standaloneError('not_found', 'This conversation does not exist for this API key. Start a new one.'));
        return;
      }
      if (!result.ok) {
        ui.thread.appendChild(standaloneError(result.code, result.message));
        return;
      }
      var messages = Array.isArray(result.body) ? result.body : (result.body && Array.isArray(result.body.messages) ? result.body.messages : []);
      var firstQuestion = '';
      messages.forEach(function (message) {
        if (!message || typeof message.content !== 'string') return;
        if (message.role === 'user') {
          firstQuestion = firstQuestion || message.content;
          appendUserMessage(message.content);
        } else if (message.role === 'assistant') {
          var turn = createTurn('', true);
          turn.assembler.add(0, message.content);
          turn.finished = true;
          renderTurn(turn);
          if (typeof message.createdAt === 'string') turn.meta.replaceChildren(h('span', { text: new Date(message.createdAt).toLocaleString() }));
          turn.meta.hidden = typeof message.createdAt !== 'string';
        }
      });
      if (!titleOf(id) && firstQuestion) setConversationTitle(firstQuestion.slice(0, 80));
      if (messages.length === 0) ui.thread.appendChild(h('div', { class: 'loading', text: 'No messages in this conversation yet.' }));
      scrollToBottom();
    });
  }

  function standaloneError(code, message) {
    var card = errorCard(code, message);
    markLatest('error', card);
    return card;
  }

  /** fetch with the API key; resolves (never rejects) to {ok, status, body, code, message}. */
  function request(method, path) {
    return fetch(path, { method: method, headers: { authorization: 'Bearer ' + apiKey() }, cache: 'no-store' }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        var problem = body && body.error && typeof body.error === 'object' ? body.error : {};
        return { ok: response.ok, status: response.status, body: body, code: problem.code || 'http_' + response.status, message: problem.message || 'HTTP ' + response.status };
      });
    }, function (error) {
      return { ok: false, status: 0, body: null, code: 'network', message: 'The server could not be reached (' + error.message + ').' };
    });
  }

  /* ---------- Messages and answers ---------- */

  function nearBottom() { return ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 120; }
  function scrollToBottom() { ui.messages.scrollTop = ui.messages.scrollHeight; }

  function appendUserMessage(text) {
    ui.empty.hidden = true;
    ui.thread.appendChild(h('div', { class: 'turn user' }, h('div', { class: 'bubble', text: text })));
  }

  function createTurn(message, fromHistory) {
    var body = h('div', { class: 'body' });
    var notice = h('div', { class: 'notice', hidden: true, text: 'A worker failed; the answer is being regenerated…' });
    var errorBox = h('div', { class: 'turn-error', hidden: true });
    var sources = h('details', { class: 'sources', open: true, hidden: true }, [h('summary'), h('ol', { class: 'source-list' })]);
    var meta = h('div', { class: 'meta', hidden: true });
    var root = h('article', { class: 'turn assistant', 'aria-label': 'Answer' }, [
      h('div', { class: 'avatar', 'aria-hidden': 'true', text: 'R' }),
      h('div', { class: 'content' }, [notice, body, errorBox, sources, meta]),
    ]);
    var turn = {
      id: null, message: message, view: state.view, root: root, body: body, notice: notice, errorBox: errorBox, sourcesPanel: sources,
      meta: meta, assembler: createAssembler(), sources: [], finished: fromHistory, renderQueued: false, cancelTimer: null, retryTimer: null,
    };
    if (turnOf) turnOf.set(root, turn);
    root.turn = turn;
    ui.empty.hidden = true;
    ui.thread.appendChild(root);
    markLatest('answer', root);
    markLatest('sources', sources);
    return turn;
  }

  function scheduleRender(turn) {
    if (turn.renderQueued) return;
    turn.renderQueued = true;
    var run = function () { turn.renderQueued = false; renderTurn(turn); };
    if (typeof window.requestAnimationFrame === 'function' && document.visibilityState !== 'hidden') window.requestAnimationFrame(run);
    else setTimeout(run, 16);
  }

  function renderTurn(turn) {
    var stick = nearBottom();
    var text = turn.assembler.text();
    if (text === '' && !turn.finished) turn.body.replaceChildren(h('span', { class: 'typing', 'aria-label': 'Thinking' }, [h('i'), h('i'), h('i')]));
    else turn.body.replaceChildren(renderMarkdown(text, turn));
    turn.root.classList.toggle('streaming', !turn.finished && text !== '');
    turn.root.setAttribute('aria-busy', turn.finished ? 'false' : 'true');
    if (stick) scrollToBottom();
  }

  function sourceFor(turn, n) {
    return turn.sources.filter(function (source) { return source && source.n === n; })[0];
  }

  function renderInline(tokens, parent, turn) {
    tokens.forEach(function (token) {
      if (token.type === 'text') parent.appendChild(document.createTextNode(token.text));
      else if (token.type === 'code') parent.appendChild(h('code', { text: token.text }));
      else if (token.type === 'strong' || token.type === 'em') {
        var node = h(token.type);
        renderInline(token.children, node, turn);
        parent.appendChild(node);
      } else if (token.type === 'cite') {
        var source = sourceFor(turn, token.n);
        var label = source ? (source.title || source.documentId || 'source') + (source.snippet ? ': ' + String(source.snippet).slice(0, 160) : '') : 'No source [' + token.n + '] was given';
        parent.appendChild(h('sup', { class: 'cite' }, h('button', {
          type: 'button', class: 'cite-button', 'data-testid': 'citation', 'data-n': token.n, title: label,
          'aria-label': 'Source ' + token.n, disabled: !source, text: '[' + token.n + ']',
        })));
      }
    });
  }

  function renderMarkdown(text, turn) {
    var fragment = document.createDocumentFragment();
    parseBlocks(text).forEach(function (block) {
      var element;
      if (block.type === 'code') {
        element = h('div', { class: 'codeblock' }, [
          h('div', { class: 'codeblock-bar' }, [h('span', { text: block.lang || 'code' }), h('button', { type: 'button', class: 'small-button copy-code', text: 'Copy' })]),
          h('pre', null, h('code', { text: block.text })),
        ]);
      } else if (block.type === 'list') {
        element = h(block.ordered ? 'ol' : 'ul', block.ordered && block.start !== 1 ? { start: block.start } : null);
        block.items.forEach(function (item) {
          var li = h('li');
          renderInline(parseInline(item), li, turn);
          element.appendChild(li);
        });
      } else {
        element = h(block.type === 'heading' ? 'h' + Math.min(6, block.level + 2) : block.type === 'quote' ? 'blockquote' : 'p');
        renderInline(parseInline(block.text), element, turn);
      }
      fragment.appendChild(element);
    });
    return fragment;
  }

  function renderSources(turn) {
    var list = turn.sourcesPanel.querySelector('ol');
    var summary = turn.sourcesPanel.querySelector('summary');
    summary.textContent = turn.sources.length === 1 ? '1 source' : turn.sources.length + ' sources';
    list.replaceChildren.apply(list, turn.sources.map(function (source) {
      var score = typeof source.score === 'number' ? source.score.toFixed(2) : '';
      var hasTitle = source.title && source.title !== source.documentId;
      return h('li', { class: 'source', 'data-testid': 'source-item', 'data-n': source.n, tabindex: '0', title: 'Show the whole passage' }, [
        h('span', { class: 'source-n', text: String(source.n) }),
        h('span', { class: 'source-title' }, [hasTitle ? source.title : String(source.documentId || ''), hasTitle ? h('span', { class: 'source-doc', text: String(source.documentId) }) : null]),
        h('span', { class: 'source-score', title: 'relevance score', text: score }),
        source.snippet ? h('p', { class: 'source-snippet', text: String(source.snippet) }) : null,
      ]);
    }));
    turn.sourcesPanel.hidden = turn.sources.length === 0;
  }

  function showSource(root, n, fromCitation) {
    var panel = root.querySelector('.sources');
    var item = root.querySelector('.source[data-n="' + n + '"]');
    if (!panel || !item) return;
    panel.open = true;
    var wasActive = item.classList.contains('active');
    Array.prototype.forEach.call(root.querySelectorAll('.source.active'), function (other) { other.classList.remove('active'); });
    Array.prototype.forEach.call(root.querySelectorAll('.cite-button[aria-expanded="true"]'), function (other) { other.setAttribute('aria-expanded', 'false'); });
    if (wasActive && !fromCitation) return;
    item.classList.add('active');
    Array.prototype.forEach.call(root.querySelectorAll('.cite-button[data-n="' + n + '"]'), function (cite) { cite.setAttribute('aria-expanded', 'true'); });
    if (typeof item.scrollIntoView === 'function') item.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }

  function onAck(turn, frame) {
    if (typeof frame.conversationId !== 'string') return;
    turn.conversationId = frame.conversationId;
    rememberConversation(frame.conversationId, turn.message.slice(0, 80));
    if (turn.view === state.view) {
      var isNew = state.conversationId !== frame.conversationId;
      state.conversationId = frame.conversationId;
      setHash(frame.conversationId);
      if (isNew) setConversationTitle(titleOf(frame.conversationId) || turn.message.slice(0, 80));
      renderConversations();
    }
  }

  function onReset(turn) {
    turn.assembler.reset();
    turn.notice.hidden = false;
    renderTurn(turn);
  }

  function onDone(turn, frame) {
    turn.assembler.reset();
    turn.assembler.add(0, typeof frame.content === 'string' ? frame.content : '');
    turn.notice.hidden = true;
    finishTurn(turn);
    renderTurn(turn);
    var usage = frame.usage && typeof frame.usage === 'object' ? frame.usage : {};
    var facts = [
      frame.model, frame.provider, formatDuration(frame.latencyMs),
      typeof usage.inputTokens === 'number' ? usage.inputTokens + ' in · ' + (usage.outputTokens || 0) + ' out tokens' : '',
      typeof frame.costUsd === 'number' ? '$' + frame.costUsd.toFixed(4) : '',
    ].filter(function (fact) { return typeof fact === 'string' && fact !== ''; });
    turn.meta.replaceChildren.apply(turn.meta, facts.map(function (fact) { return h('span', { text: fact }); })
      .concat([h('button', { type: 'button', class: 'small-button copy-answer', text: 'Copy' })]));
    turn.meta.setAttribute('data-testid', 'meta');
    turn.meta.hidden = false;
    if (typeof frame.conversationId === 'string') {
      turn.conversationId = frame.conversationId;
      rememberConversation(frame.conversationId, turn.message.slice(0, 80));
    }
    loadConversations(400);
  }

  function failTurn(turn, frame) {
    if (turn.finished) return;
    var code = typeof frame.code === 'string' ? frame.code : 'internal';
    finishTurn(turn);
    turn.notice.hidden = true;
    renderTurn(turn);
    var actions = [];
    if (frame.retryable === true && code !== 'cancelled') {
      var retryButton = h('button', { type: 'button', class: 'button retry', 'data-testid': 'retry', text: 'Retry' });
      retryButton.addEventListener('click', function () { retry(turn); });
      actions.push(retryButton);
      if (typeof frame.retryAfterMs === 'number' && frame.retryAfterMs > 0) {
        var until = Date.now() + frame.retryAfterMs;
        retryButton.disabled = true;
        (function tick() {
          var left = until - Date.now();
          if (left <= 0) { retryButton.disabled = false; retryButton.textContent = 'Retry'; return; }
          retryButton.textContent = 'Retry in ' + Math.ceil(left / 1000) + ' s';
          turn.retryTimer = setTimeout(tick, Math.min(1000, left));
        })();
      }
    }
    var message = typeof frame.message === 'string' ? frame.message : '';
    if (code === 'cancelled' && turn.assembler.text() !== '') message = 'The answer above is incomplete.';
    var card = errorCard(code, message, { actions: actions });
    turn.errorBox.replaceChildren(card);
    turn.errorBox.hidden = false;
    markLatest('error', card);
    if (turn.root.isConnected && nearBottom()) scrollToBottom();
  }

  function finishTurn(turn) {
    turn.finished = true;
    clearTimeout(turn.cancelTimer);
    delete state.turns[turn.id];
    state.finishedIds[turn.id] = true;
    if (state.streamingId === turn.id) state.streamingId = null;
    ui.stop.disabled = false;
    updateComposer();
  }

  /** The socket went away: answers in flight cannot finish on it (a new socket does not resume them). */
  function connectionLost(message) {
    Object.keys(state.turns).forEach(function (id) {
      failTurn(state.turns[id], { code: 'disconnected', message: message, retryable: true });
    });
  }

  function sendChat(turn) {
    turn.id = newId();
    turn.finished = false;
    turn.view = state.view;
    turn.assembler.reset();
    turn.sources = [];
    renderSources(turn);
    clearTimeout(turn.retryTimer);
    turn.errorBox.hidden = true;
    turn.errorBox.replaceChildren();
    turn.meta.hidden = true;
    turn.notice.hidden = true;
    state.turns[turn.id] = turn;
    state.streamingId = turn.id;
    var frame = { type: 'chat', id: turn.id, message: turn.message, collection: collection() };
    if (state.conversationId) frame.conversationId = state.conversationId;
    state.socket.send(JSON.stringify(frame));
    renderTurn(turn);
    updateComposer();
    scrollToBottom();
  }

  function submit() {
    var text = ui.input.value.trim();
    if (!text || state.streamingId) return;
    if (!state.connected || !state.socket) {
      ui.status.animate && ui.status.animate([{ transform: 'scale(1)' }, { transform: 'scale(1.08)' }, { transform: 'scale(1)' }], 300);
      return;
    }
    if (text.length > MAX_MESSAGE_LENGTH) {
      showBanner('payload_too_large', 'A message can have at most ' + MAX_MESSAGE_LENGTH + ' characters; this one has ' + text.length + '.', 'That message is too long');
      return;
    }
    appendUserMessage(text);
    if (!state.conversationId) setConversationTitle(text.slice(0, 80));
    sendChat(createTurn(text, false));
    ui.input.value = '';
    autosize();
    updateComposer();
  }

  function retry(turn) {
    if (state.streamingId) return;
    if (!state.connected || !state.socket) {
      showBanner('disconnected', 'Not connected right now; retry once the status says Connected.', 'Not connected');
      return;
    }
    markLatest('answer', turn.root);
    markLatest('sources', turn.sourcesPanel);
    sendChat(turn);
  }

  function stop() {
    var turn = state.turns[state.streamingId];
    if (!turn) return;
    ui.stop.disabled = true;
    if (state.socket && state.connected) state.socket.send(JSON.stringify({ type: 'cancel', id: turn.id }));
    turn.cancelTimer = setTimeout(function () {
      failTurn(turn, { code: 'cancelled', message: 'Stopped (the server did not confirm in time).', retryable: false });
    }, 4000);
  }

  function updateComposer() {
    var streaming = Boolean(state.streamingId);
    ui.stop.hidden = !streaming;
    ui.send.hidden = streaming;
    ui.send.disabled = !state.connected || ui.input.value.trim() === '';
    ui.send.title = state.connected ? 'Send (Enter)' : 'Not connected yet';
  }

  function autosize() {
    ui.input.style.height = 'auto';
    ui.input.style.height = Math.min(ui.input.scrollHeight, 220) + 'px';
  }

  /* ---------- Uploads ---------- */

  function addFiles(files) {
    Array.prototype.forEach.call(files || [], function (file) {
      var progress = h('progress', { max: '100', value: '0', 'data-testid': 'upload-progress', 'aria-label': 'Upload of ' + file.name });
      var status = h('div', { class: 'upload-status', 'data-testid': 'upload-status', text: 'Waiting…' });
      var dismiss = h('button', { type: 'button', class: 'upload-dismiss', 'aria-label': 'Remove from the list', title: 'Remove from the list', hidden: true, text: '×' });
      var element = h('li', { class: 'upload', 'data-testid': 'upload-item' }, [
        h('div', { class: 'upload-row' }, [h('span', { class: 'upload-name', title: file.name, text: file.name }), h('span', { class: 'upload-size', text: formatBytes(file.size) }), dismiss]),
        progress, status,
      ]);
      dismiss.addEventListener('click', function () { element.remove(); });
      ui.uploads.prepend(element);
      state.uploadQueue.push({ file: file, collection: collection(), element: element, progress: progress, status: status, dismiss: dismiss, polls: 0 });
    });
    pumpUploads();
  }

  function pumpUploads() {
    while (state.uploadsActive < UPLOAD_CONCURRENCY && state.uploadQueue.length > 0) {
      state.uploadsActive += 1;
      upload(state.uploadQueue.shift());
    }
  }

  function setUpload(item, kind, text) {
    item.status.textContent = text;
    item.element.classList.toggle('done', kind === 'done');
    item.element.classList.toggle('failed', kind === 'failed');
    if (kind === 'done' || kind === 'failed') {
      item.dismiss.hidden = false;
      item.progress.value = kind === 'done' ? 100 : item.progress.value || 0;
    }
  }

  function upload(item) {
    var xhr = new XMLHttpRequest();
    var settled = false;
    var finish = function () { if (!settled) { settled = true; state.uploadsActive -= 1; pumpUploads(); } };
    xhr.open('POST', '/v1/documents');
    xhr.setRequestHeader('authorization', 'Bearer ' + apiKey());
    xhr.upload.onprogress = function (event) {
      if (!event.lengthComputable) return;
      var percent = Math.round((event.loaded / event.total) * 100);
      item.progress.value = percent;
      setUpload(item, 'uploading', 'Uploading ' + percent + '%');
    };
    xhr.onload = function () {
      finish();
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (error) { body = null; }
      if (xhr.status === 202 && body && typeof body.documentId === 'string') {
        item.documentId = body.documentId;
        item.collection = typeof body.collection === 'string' ? body.collection : item.collection;
        item.progress.removeAttribute('value');
        setUpload(item, 'indexing', 'Uploaded · waiting for indexing…');
        pollDocument(item);
        return;
      }
      var problem = body && body.error ? body.error : {};
      setUpload(item, 'failed', 'Failed · ' + (problem.code || 'http_' + xhr.status) + ': ' + (problem.message || 'HTTP ' + xhr.status));
    };
    xhr.onerror = function () {
      finish();
      setUpload(item, 'failed', 'Failed · network: the upload did not reach the server (a file over the size limit is cut off this way).');
    };
    xhr.onabort = function () { finish(); setUpload(item, 'failed', 'Failed · cancelled'); };
    var form = new FormData();
    if (item.file.name && item.file.name.length <= 128) form.append('id', item.file.name);
    form.append('collection', item.collection);
    form.append('file', item.file, item.file.name);
    setUpload(item, 'uploading', 'Uploading 0%');
    xhr.send(form);
  }

  function pollDocument(item) {
    var path = '/v1/documents/' + encodeURIComponent(item.documentId) + '?collection=' + encodeURIComponent(item.collection);
    request('GET', path).then(function (result) {
      item.polls += 1;
      var body = result.body || {};
      if (result.ok && body.status === 'completed') {
        setUpload(item, 'done', 'Indexed · ' + (body.chunks || 0) + (body.chunks === 1 ? ' chunk' : ' chunks'));
        return;
      }
      if (result.ok && body.status === 'failed') {
        var problem = body.error && typeof body.error === 'object' ? body.error : { message: String(body.error || 'indexing failed') };
        setUpload(item, 'failed', 'Failed · ' + (problem.code || 'failed') + ': ' + (problem.message || 'indexing failed'));
        return;
      }
      if (result.ok && body.status === 'deleted') { setUpload(item, 'failed', 'Deleted while indexing'); return; }
      if (result.status === 404 && item.polls > 5) { setUpload(item, 'failed', 'Failed · not_found: the server no longer knows this document'); return; }
      if (result.status === 401) { setUpload(item, 'failed', 'Failed · unauthorized: ' + result.message); return; }
      if (result.ok) setUpload(item, 'indexing', body.status === 'processing' ? 'Indexing…' : 'Uploaded · waiting for indexing…');
      setTimeout(function () { pollDocument(item); }, item.polls < 30 ? 1000 : 3000);
    });
  }

  /* ---------- Sidebar, events, start ---------- */

  function openSidebar() { ui.app.classList.add('sidebar-open'); }
  function closeSidebar() { ui.app.classList.remove('sidebar-open'); }

  function showCollection() {
    ui.uploadCollection.textContent = collection();
    ui.dropCollection.textContent = collection();
  }

  ui.menu.addEventListener('click', function () { ui.app.classList.toggle('sidebar-open'); });
  ui.scrim.addEventListener('click', closeSidebar);
  ui.newConversation.addEventListener('click', newConversation);
  ui.connect.addEventListener('click', function () { state.attempt = 0; connect(); });
  ui.status.addEventListener('click', function () { if (!state.connected) { state.attempt = 0; connect(); } });
  ui.apiKey.addEventListener('keydown', function (event) {
    if (event.key === 'Enter') { event.preventDefault(); state.attempt = 0; connect(); }
  });
  ui.toggleKey.addEventListener('click', function () {
    var hidden = ui.apiKey.type === 'password';
    ui.apiKey.type = hidden ? 'text' : 'password';
    ui.toggleKey.textContent = hidden ? 'Hide' : 'Show';
    ui.toggleKey.setAttribute('aria-label', hidden ? 'Hide the API key' : 'Show the API key');
  });
  ui.collection.addEventListener('input', function () { storage.set('rivulet.collection', collection()); showCollection(); });

  ui.list.addEventListener('click', function (event) {
    var button = event.target.closest('.conversation');
    if (button && button.getAttribute('data-id') !== state.conversationId) openConversation(button.getAttribute('data-id'));
    else if (button) closeSidebar();
  });

  ui.composer.addEventListener('submit', function (event) { event.preventDefault(); submit(); });
  ui.input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    }
  });
  ui.input.addEventListener('input', function () { autosize(); updateComposer(); });
  ui.stop.addEventListener('click', stop);
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && state.streamingId) stop();
    else if (event.key === 'Escape') closeSidebar();
  });
  ui.suggestions.addEventListener('click', function (event) {
    var suggestion = event.target.closest('.suggestion');
    if (!suggestion) return;
    ui.input.value = suggestion.textContent;
    autosize();
    updateComposer();
    ui.input.focus();
  });

  ui.thread.addEventListener('click', function (event) {
    var target = event.target;
    var root = target.closest('.turn.assistant');
    if (!root) return;
    var cite = target.closest('.cite-button');
    if (cite) { showSource(root, cite.getAttribute('data-n'), true); return; }
    var source = target.closest('.source');
    if (source) { showSource(root, source.getAttribute('data-n'), false); return; }
    var copy = target.closest('.copy-code, .copy-answer');
    if (copy) {
      var turn = (turnOf && turnOf.get(root)) || root.turn;
      var text = copy.classList.contains('copy-code') ? copy.closest('.codeblock').querySelector('code').textContent : turn.assembler.text();
      var done = function () { copy.textContent = 'Copied'; setTimeout(function () { copy.textContent = 'Copy'; }, 1500); };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, function () { copy.textContent = 'Copy failed'; });
    }
  });
  ui.thread.addEventListener('keydown', function (event) {
    var source = event.target.closest && event.target.closest('.source');
    if (source && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      showSource(source.closest('.turn.assistant'), source.getAttribute('data-n'), false);
    }
  });

  ui.uploadInput.addEventListener('change', function () {
    addFiles(ui.uploadInput.files);
    ui.uploadInput.value = '';
  });
  var dragDepth = 0;
  function carriesFiles(event) {
    return Boolean(event.dataTransfer) && Array.prototype.indexOf.call(event.dataTransfer.types || [], 'Files') !== -1;
  }
  window.addEventListener('dragenter', function (event) {
    if (!carriesFiles(event)) return;
    dragDepth += 1;
    ui.dropOverlay.hidden = false;
  });
  window.addEventListener('dragover', function (event) {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('dragleave', function (event) {
    if (!carriesFiles(event)) return;
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) ui.dropOverlay.hidden = true;
  });
  window.addEventListener('drop', function (event) {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    dragDepth = 0;
    ui.dropOverlay.hidden = true;
    addFiles(event.dataTransfer.files);
  });
  window.addEventListener('online', function () { if (!state.connected && !state.unauthorized) { state.attempt = 0; connect(); } });
  window.addEventListener('hashchange', function () {
    var id = conversationInHash();
    if (id && id !== state.conversationId) {
      if (state.connected) openConversation(id);
      else state.pendingOpen = id;
    }
  });

  ui.apiKey.value = storage.get('rivulet.apiKey', DEFAULT_API_KEY);
  ui.collection.value = storage.get('rivulet.collection', 'default');
  showCollection();
  state.pendingOpen = conversationInHash();
  if (state.pendingOpen) state.conversationId = null;
  renderConversations();
  updateComposer();
  connect();
  ui.input.focus();
})();
</script>
</body>
</html>
`;
// END GENERATED

/** `'sha256-…'` of each inline script, so the policy allows exactly the page's own code and nothing injected. */
const scriptHashes = [...CHAT_PAGE_HTML.matchAll(/<script>([\s\S]*?)<\/script>/g)]
  .map((match) => `'sha256-${createHash('sha256').update(match[1] ?? '', 'utf8').digest('base64')}'`);

/** No resource from anywhere but this server; the WebSocket and the API are same-origin (`'self'` covers ws/wss). */
export const CHAT_PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${scriptHashes.join(' ')}`,
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const CHAT_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy': CHAT_PAGE_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const PAGE_BYTES = Buffer.from(CHAT_PAGE_HTML, 'utf8');

/** Answers `GET /` (and `HEAD /`) with the page. */
export const sendChatPage = (request: IncomingMessage, response: ServerResponse): void => {
  response.writeHead(200, { ...CHAT_PAGE_HEADERS, 'content-length': String(PAGE_BYTES.length) });
  response.end(request.method === 'HEAD' ? undefined : PAGE_BYTES);
};
