import { randomBytes } from 'node:crypto';
import { checkCompatibility, EventCodec, type CompatibilityResult, type EventCatalog } from '@rivulet/kafka';
import { AVRO_DIRECTORY } from '@rivulet/schemas';
import type { CliConfig } from '../context.js';
import { say, table, warn } from '../output.js';
import { catalogAtGitRef, catalogFromDirectory } from '../schema-files.js';

export interface CheckOptions {
  schemasDir?: string;
  against?: string;
}

/**
 * Registers the schemas of `base` under throw-away subjects, then asks the registry
 * whether `current` may follow them: a BACKWARD check against committed history that
 * works on an empty registry.
 */
const checkAgainstBase = async (config: CliConfig, base: EventCatalog, current: EventCatalog): Promise<CompatibilityResult[]> => {
  const prefix = `rivulet-check-${randomBytes(4).toString('hex')}`;
  const rename = (catalog: EventCatalog, types: string[]): EventCatalog =>
    Object.fromEntries(types.map((type) => [type, { ...catalog[type]!, subject: `${prefix}.${catalog[type]!.subject}` }]));
  const shared = Object.keys(current).filter((type) => base[type]);
  await new EventCodec({ registryUrl: config.SCHEMA_REGISTRY_URL, catalog: rename(base, shared) }).registerAll();
  const results = await checkCompatibility(config.SCHEMA_REGISTRY_URL, rename(current, shared));
  return results.map((result) => ({ ...result, subject: result.subject.slice(prefix.length + 1) }));
};

/** `rivulet schemas check`: fails on a change that old events could not be read under. */
export const check = async (config: CliConfig, options: CheckOptions): Promise<number> => {
  const directory = options.schemasDir ?? AVRO_DIRECTORY;
  const current = await catalogFromDirectory(directory);
  const rows: string[][] = [['EVENT TYPE', 'SUBJECT', 'AGAINST', 'RESULT']];
  let incompatible = 0;
  const report = (against: string, results: CompatibilityResult[]): void => {
    for (const result of results) {
      if (result.status === 'incompatible') incompatible += 1;
      rows.push([result.eventType, result.subject, against, result.status === 'incompatible' ? `INCOMPATIBLE ${result.messages.join('; ')}` : result.status]);
    }
  };
  report('registry', await checkCompatibility(config.SCHEMA_REGISTRY_URL, current));
  const ref = options.against ?? 'HEAD';
  const base = await catalogAtGitRef(directory, ref);
  if (base) report(`git ${ref}`, await checkAgainstBase(config, base, current));
  else warn(`Not a git checkout or unknown ref "${ref}": checked against the registry only.`);
  say(table(rows));
  if (incompatible > 0) {
    warn(`\n${incompatible} incompatible schema change(s). Under BACKWARD compatibility a new schema must read every old event: add fields with defaults, never remove or retype a field without one.`);
    return 1;
  }
  say('\nAll schemas are BACKWARD compatible.');
  return 0;
};

/** `rivulet schemas register`: registers the current schemas (infra up does this too). */
export const register = async (config: CliConfig, options: CheckOptions): Promise<number> => {
  const catalog = await catalogFromDirectory(options.schemasDir ?? AVRO_DIRECTORY);
  const ids = await new EventCodec({ registryUrl: config.SCHEMA_REGISTRY_URL, catalog }).registerAll();
  say(table([['EVENT TYPE', 'SCHEMA ID'], ...Object.entries(ids).map(([type, id]) => [type, String(id)])]));
  return 0;
};
