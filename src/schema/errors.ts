/**
 * GraphQL shapes for expected failures, for fields that prefer typed result unions
 * (`errors: { types: [ValidationError] }` with the errors plugin) over top-level errors.
 */
import { AppError, ValidationError } from '../shared/errors';
import { builder } from './builder';

export const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.string({ resolve: (e) => e.code }),
  }),
});

builder.objectType(AppError, { name: 'AppError', interfaces: [ErrorInterface] });

const FieldIssue = builder.objectRef<{ field: string; message: string }>('FieldIssue').implement({
  fields: (t) => ({ field: t.exposeString('field'), message: t.exposeString('message') }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ fields: t.field({ type: [FieldIssue], resolve: (e) => e.issues }) }),
});
