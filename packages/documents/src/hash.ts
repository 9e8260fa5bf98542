import { createHash } from 'node:crypto';

/** `sha256:` and the hex digest of the text's UTF-8 bytes: the identity of a text across re-uploads. */
export const contentHash = (text: string): string => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
