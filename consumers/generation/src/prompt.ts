// The prompt: the design article's RAG prompt (numbered sources, "say so when the sources do
// not contain the answer", the question), preceded by the conversation's earlier turns, all
// within the model's context window.
import type { ChatMessage } from '@rivulet/llm';
import type { RetrievedChunk } from '@rivulet/schemas';

export interface PromptInput {
  question: string;
  /** Retrieved chunks, best first; citation n is the 1-based position among those kept. */
  chunks: readonly RetrievedChunk[];
  /** Whether retrieval ran (rag true): with no chunks the model is told it found nothing. */
  rag: boolean;
  /** Earlier turns, oldest first. */
  history: readonly ChatMessage[];
  countTokens: (text: string) => number;
  /** Tokens the prompt may use: the context window minus the room kept for the answer. */
  promptTokenBudget: number;
  /** The most of the budget that earlier turns may take. */
  historyTokenBudget: number;
}

export interface Prompt {
  messages: ChatMessage[];
  /** The chunks that made it into the prompt (a prefix of the input's): the answer's sources. */
  chunks: RetrievedChunk[];
  historyTurns: number;
  /** The prompt's tokens as counted while building it (with a few per message for the chat format). */
  tokens: number;
}

export const SYSTEM_PROMPT = 'You are Rivulet, a helpful assistant. Answer accurately and concisely.';

const RAG_INSTRUCTIONS = 'Answer the question using the numbered sources below. Cite the sources you use as [1], [2] and so on. '
  + 'If the sources do not contain the answer, say so plainly instead of guessing.';
/** With retrieval on and no source passed (none scored RETRIEVAL_MIN_SCORE, or none fitted): nothing to cite. */
const NO_SOURCES = 'No document in the knowledge base is relevant to this question, so there are no sources: do not cite any source and do not write citations such as [1]. '
  + 'Say that you found no source for it, then answer from general knowledge only if you are sure.';

const formatSource = (chunk: RetrievedChunk, n: number): string => `[${n}] ${chunk.title ?? chunk.documentId}\n${chunk.content.trim()}`;

const ragMessage = (question: string, sources: string[]): string =>
  `${RAG_INSTRUCTIONS}\n\nSources:\n${sources.join('\n\n')}\n\nQuestion: ${question}`;

/**
 * Builds the messages. The question and instructions always go in; sources are added best first
 * while they fit; earlier turns are added newest first while they fit the history budget (a turn
 * pair is kept or dropped whole, so the model never sees an answer without its question).
 */
export const buildPrompt = (input: PromptInput): Prompt => {
  const { question, countTokens, promptTokenBudget } = input;
  let used = countTokens(SYSTEM_PROMPT) + 8;
  const kept: RetrievedChunk[] = [];
  const sources: string[] = [];
  let userContent: string;
  if (input.rag && input.chunks.length > 0) {
    used += countTokens(ragMessage(question, []));
    for (const chunk of input.chunks) {
      const text = formatSource(chunk, kept.length + 1);
      const cost = countTokens(text) + 2;
      if (used + cost > promptTokenBudget) break;
      used += cost;
      kept.push(chunk);
      sources.push(text);
    }
    userContent = kept.length > 0 ? ragMessage(question, sources) : `${NO_SOURCES}\n\nQuestion: ${question}`;
  } else {
    userContent = input.rag ? `${NO_SOURCES}\n\nQuestion: ${question}` : question;
    used += countTokens(userContent);
  }

  const historyBudget = Math.min(input.historyTokenBudget, Math.max(0, promptTokenBudget - used));
  const history: ChatMessage[] = [];
  let historyUsed = 0;
  const turns = input.history.filter(({ role }) => role !== 'system');
  for (let index = turns.length - 1; index >= 0; index -= 1) {
    const turn = turns[index]!;
    const previous = turns[index - 1];
    // An assistant turn travels with the user turn before it.
    const group = turn.role === 'assistant' && previous?.role === 'user' ? [previous, turn] : [turn];
    const cost = group.reduce((sum, message) => sum + countTokens(message.content) + 4, 0);
    if (historyUsed + cost > historyBudget) break;
    historyUsed += cost;
    history.unshift(...group);
    if (group.length === 2) index -= 1;
  }
  return {
    messages: [{ role: 'system', content: SYSTEM_PROMPT }, ...history, { role: 'user', content: userContent }],
    chunks: kept,
    historyTurns: history.length,
    tokens: used + historyUsed,
  };
};
