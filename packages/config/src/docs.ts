import type { ConfigSchema } from './load.js';
import { describeVariable, type VariableDescription } from './variable.js';

interface Row extends VariableDescription {
  name: string;
  usedBy: string[];
}

/**
 * Renders the catalogue as one Markdown table: variable, description, default, secret,
 * and which schemas use it. `schemas` maps a label ("every process", "Kafka consumers",
 * "embedding worker") to its schema; a variable in several schemas is listed once.
 * Throws when a variable has no description, so the docs cannot silently miss one.
 */
export const renderConfigurationTable = (schemas: Readonly<Record<string, ConfigSchema>>): string => {
  const rows = new Map<string, Row>();
  for (const [label, schema] of Object.entries(schemas)) {
    for (const [name, fieldSchema] of Object.entries(schema.shape)) {
      const description = describeVariable(fieldSchema);
      if (!description) throw new TypeError(`renderConfigurationTable(): ${name} (${label}) has no description`);
      const existing = rows.get(name);
      if (existing && existing.description !== description.description) {
        throw new TypeError(`renderConfigurationTable(): ${name} is described differently in "${existing.usedBy.join('", "')}" and "${label}"`);
      }
      if (existing) existing.usedBy.push(label);
      else rows.set(name, { ...description, name, usedBy: [label] });
    }
  }
  const lines = [
    '| Variable | Description | Default | Secret | Used by |',
    '|---|---|---|---|---|',
    ...[...rows.values()].map((row) => `| ${[
      code(row.name),
      cell(row.description),
      row.default !== undefined ? code(row.default) : row.optional ? 'unset (optional)' : '**required**',
      row.secret ? 'yes' : 'no',
      cell(row.usedBy.join(', ')),
    ].join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
};

const cell = (value: string): string => value.replaceAll('|', '\\|').replaceAll(/\s*\n\s*/g, ' ');

const code = (value: string): string => (value === '' ? '(empty)' : `\`${cell(value)}\``);
