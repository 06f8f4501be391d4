import type * as z from 'zod/mini';
import { BadRequestError, type FieldProblem } from '../errors';

/** Parses `value` with `schema`; a failure is a 400 whose details name every bad field. */
export function validate<Schema extends z.ZodMiniType>(schema: Schema, value: unknown): z.infer<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data as z.infer<Schema>;
  const details: FieldProblem[] = result.error.issues.slice(0, 50).map((issue) => ({
    field: issue.path.length === 0 ? '(body)' : issue.path.map(String).join('.'),
    message: issue.message,
  }));
  throw new BadRequestError('INVALID_REQUEST', 'The request body is not valid.', details);
}
