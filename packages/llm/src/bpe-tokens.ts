// Prompt tokens counted with a real tokenizer: OpenAI's o200k_base BPE (gpt-tokenizer), the one
// gpt-4o and later use. For Anthropic and OpenAI-compatible servers, whose tokenizers are not
// published as libraries, it is the closest available count (within about 10% for English);
// billing settles on the usage each provider reports, so the count only sizes reservations and
// prompt budgets.
import { countTokens } from 'gpt-tokenizer';

// Text that merely contains `<|endoftext|>` and the like is counted as text: by default the
// library throws on it, and one such document would break every question that retrieves it.
const AS_TEXT = { disallowedSpecial: new Set<string>() };

export const countBpeTokens = (text: string): number => countTokens(text, AS_TEXT);
