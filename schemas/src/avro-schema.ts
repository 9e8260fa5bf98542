/**
 * The shape of an Avro schema as JSON (Avro 1.11 specification), as far as Rivulet's schemas use
 * it. Read-only: the catalogue's schema objects are shared by every importer. Pass one to the
 * schema registry as `JSON.stringify(schema)`; avsc's `Type.forSchema` accepts it after a cast to
 * its own (mutable) `Schema` type.
 */
export type AvroSchema =
  | string
  | AvroUnionSchema
  | AvroRecordSchema
  | AvroEnumSchema
  | AvroArraySchema
  | AvroMapSchema
  | AvroFixedSchema
  | AvroPrimitiveSchema;

/** Primitive type names; any other string is a reference to a named type. */
export type AvroPrimitiveName = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

/** A union; Rivulet uses only `["null", T]` for optional values, with `default: null`. */
export type AvroUnionSchema = readonly AvroSchema[];

/** JSON as it may appear in a field default. */
export type AvroJson = null | boolean | number | string | readonly AvroJson[] | { readonly [key: string]: AvroJson };

/** What every named type (record, enum, fixed) has: a name, resolved against its namespace. */
export interface AvroNamedSchema {
  readonly name: string;
  readonly namespace?: string;
  readonly aliases?: readonly string[];
}

export interface AvroRecordSchema extends AvroNamedSchema {
  readonly type: 'record';
  readonly doc?: string;
  readonly fields: readonly AvroField[];
}

export interface AvroField {
  readonly name: string;
  readonly type: AvroSchema;
  readonly doc?: string;
  readonly default?: AvroJson;
  readonly aliases?: readonly string[];
  readonly order?: 'ascending' | 'descending' | 'ignore';
}

export interface AvroEnumSchema extends AvroNamedSchema {
  readonly type: 'enum';
  readonly doc?: string;
  readonly symbols: readonly string[];
  readonly default?: string;
}

export interface AvroArraySchema {
  readonly type: 'array';
  readonly items: AvroSchema;
}

export interface AvroMapSchema {
  readonly type: 'map';
  readonly values: AvroSchema;
}

export interface AvroFixedSchema extends AvroNamedSchema {
  readonly type: 'fixed';
  readonly size: number;
}

/** A primitive written as an object, usually to carry a logical type (`timestamp-millis`). */
export interface AvroPrimitiveSchema {
  readonly type: AvroPrimitiveName;
  readonly logicalType?: string;
}
