import type * as z from 'zod/mini';
import { BadRequestError } from '../../../lambda/errors';
import { validate } from '../../../lambda/http/validate';
import { CreateCredentialsRequestSchema, RevokeCredentialsRequestSchema } from '../../../lambda/schemas';
import { createRequest } from '../../support/events';

/** The error `validate` throws for `value`; fails the test when it does not throw one. */
function validationError(
  value: unknown,
  schema: z.ZodMiniType = CreateCredentialsRequestSchema,
): BadRequestError {
  try {
    validate(schema, value);
  } catch (error) {
    if (error instanceof BadRequestError) return error;
    throw error;
  }
  throw new Error('expected validate to throw');
}

const fields = (error: BadRequestError): string[] => error.details.map((problem) => problem.field);

test('returns the parsed value when it is valid', () => {
  expect(validate(CreateCredentialsRequestSchema, createRequest())).toEqual(createRequest());
});

test('a failure is a 400 INVALID_REQUEST', () => {
  expect(validationError(createRequest({ appName: '' }))).toMatchObject({
    status: 400,
    code: 'INVALID_REQUEST',
  });
});

test('names a nested bad field with a dotted path', () => {
  const body = createRequest({ apis: [{ id: 'a1', usagePlans: [{ id: 'not-an-id' }] }] });

  expect(fields(validationError(body))).toEqual(['apis.0.usagePlans.0.id']);
});

test('names every bad field', () => {
  const body = createRequest({ appName: 7, developer: undefined, apis: [{ id: 'bad id' }] });

  expect(fields(validationError(body)).sort()).toEqual(['apis.0.id', 'appName', 'developer']);
});

test('gives each field problem a message', () => {
  const [problem] = validationError(createRequest({ appName: 'line\nbreak' })).details;

  expect(problem).toEqual({ field: 'appName', message: 'must not contain control or format characters' });
});

test('reports a problem with the whole body under (body)', () => {
  expect(fields(validationError('not an object'))).toEqual(['(body)']);
});

test('reports a cross-field rule under the field it names', () => {
  const error = validationError({ apiKeyId: 'k1', clientId: 'c1' }, RevokeCredentialsRequestSchema);

  expect(fields(error)).toEqual(['apiKeyId']);
});

test('reports at most 50 field problems', () => {
  const apis = Array.from({ length: 50 }, () => ({ id: 'bad-id', usagePlans: [{ id: 'bad-plan' }] }));

  expect(validationError(createRequest({ apis })).details).toHaveLength(50);
});
