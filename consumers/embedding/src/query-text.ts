import type { Tokenizer } from '@rivulet/embedding';

/**
 * What of a question the model reads. A chat message may be 32,000 characters, but the model
 * reads at most `maxTokens` (256 for all-MiniLM-L6-v2) and refuses longer input rather than
 * truncate it. Chunks are cut to fit by the ingestion worker; a question is cut here, to the
 * longest prefix that fits, at a token boundary: exactly what sentence-transformers embeds when it
 * truncates to max_seq_length, so a long question gets the vector the model would give it anyway.
 * (Cutting the text after the last kept token gives the same token ids, because WordPiece's greedy
 * longest match picks the same pieces on a prefix.)
 *
 * Without a tokenizer (a remote model), the text is sent whole: the provider applies its own limit.
 */
export const fitQueryToModel = (model: { tokenizer: Tokenizer | undefined; maxTokens: number }): ((text: string) => string) => {
  const { tokenizer, maxTokens } = model;
  if (tokenizer === undefined) return (text) => text;
  // [CLS] and [SEP]: what countTokens adds to the word pieces.
  const special = tokenizer.countTokens('a') - tokenizer.tokenize('a').ids.length;
  return (text) => {
    if (tokenizer.countTokens(text) <= maxTokens) return text;
    const { offsets } = tokenizer.tokenize(text);
    for (let keep = Math.min(offsets.length, maxTokens - special); keep > 0; keep -= 1) {
      const prefix = text.slice(0, offsets[keep - 1]![1]);
      if (tokenizer.countTokens(prefix) <= maxTokens) return prefix;
    }
    return '';
  };
};
