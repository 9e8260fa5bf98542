// Prompt tokens counted with a real tokenizer: OpenAI's o200k_base BPE (gpt-tokenizer), the one
// gpt-4o and later use. For Anthropic and OpenAI-compatible servers, whose tokenizers are not
// published as libraries, it is the closest available count (within about 10% for English);
// billing settles on the usage each provider reports, so the count only sizes reservations and
// prompt budgets.
import { countTokens } from 'gpt-tokenizer';

export const countBpeTokens = (text: string): number => countTokens(text);
