/**
 * Binds a mongoose model to a connection, once per connection.
 *
 * Why not `connection.model<T>(name, schema)` directly: with a schema whose type mongoose inferred,
 * TypeScript resolves `model`'s overloads by unifying the two huge generic `Schema` types, which
 * exhausted a 4 GB heap when type-checking this project. The document type is declared by the caller
 * anyway, so the schema is passed untyped and the model is typed once, here.
 */
import type { Connection, Model, Schema } from 'mongoose';

export function bindModel<T>(connection: Connection, name: string, schema: object): Model<T> {
  const existing = connection.models[name];
  return (existing ?? connection.model(name, schema as Schema)) as unknown as Model<T>;
}
