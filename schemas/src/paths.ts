import { fileURLToPath } from 'node:url';

/** The folder of `.avsc` files (src/ and dist/ both sit one level below the package root). */
export const AVRO_DIRECTORY = fileURLToPath(new URL('../avro', import.meta.url));
