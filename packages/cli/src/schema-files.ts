import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { EventCatalog } from '@rivulet/kafka';

const run = promisify(execFile);

interface NamedSchema {
  name: string;
  namespace?: string;
}

const subjectOf = (schema: NamedSchema): string => (schema.namespace ? `${schema.namespace}.${schema.name}` : schema.name);

/** Reads a folder of `<event-type>.avsc` files as a catalogue (subject = record full name). */
export const catalogFromDirectory = async (directory: string): Promise<EventCatalog> => {
  const catalog: EventCatalog = {};
  for (const file of (await readdir(directory)).filter((name) => name.endsWith('.avsc')).sort()) {
    const schema = JSON.parse(await readFile(join(directory, file), 'utf8')) as NamedSchema;
    catalog[basename(file, '.avsc')] = { subject: subjectOf(schema), schema };
  }
  return catalog;
};

/**
 * The same catalogue as committed at `ref` (e.g. origin/main), so a change can be checked
 * against the last released schemas even when the registry is brand new (as in CI).
 * Event types added after `ref` are absent. Undefined when this is not a git checkout.
 */
export const catalogAtGitRef = async (directory: string, ref: string): Promise<EventCatalog | undefined> => {
  let top: string;
  try {
    top = (await run('git', ['rev-parse', '--show-toplevel'], { cwd: directory })).stdout.trim();
    await run('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: top });
  } catch {
    return undefined;
  }
  const path = relative(top, directory);
  const listing = (await run('git', ['ls-tree', '--name-only', `${ref}:${path}`], { cwd: top }).catch(() => ({ stdout: '' }))).stdout;
  const catalog: EventCatalog = {};
  for (const file of listing.split('\n').filter((name) => name.endsWith('.avsc'))) {
    const text = (await run('git', ['show', `${ref}:${path}/${file}`], { cwd: top })).stdout;
    const schema = JSON.parse(text) as NamedSchema;
    catalog[basename(file, '.avsc')] = { subject: subjectOf(schema), schema };
  }
  return catalog;
};
