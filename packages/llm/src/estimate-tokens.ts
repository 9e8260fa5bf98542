/**
 * A rough token count for remote models, whose tokenizers we do not ship: about four
 * characters per token, OpenAI's rule of thumb for English (Claude's tokenizer is close).
 * Rounded up, so non-empty text is at least one token. Good for budgeting prompts against a
 * context window with some margin; billing uses the usage the provider reports.
 */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);
