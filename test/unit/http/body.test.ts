import { DEFAULT_MAX_BODY_BYTES, readJsonObject } from '../../../lambda/http/body';

type BodyEvent = Parameters<typeof readJsonObject>[0];

function request(body: string | null, overrides: Partial<BodyEvent> = {}): BodyEvent {
  return { headers: { 'Content-Type': 'application/json' }, body, isBase64Encoded: false, ...overrides };
}

const withContentType = (contentType: string, body = '{"a":1}'): BodyEvent =>
  request(body, { headers: { 'Content-Type': contentType } });

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** A JSON object of exactly `length` characters: {"a":"xxx…"}. */
const jsonOfLength = (length: number, fill = 'x'): string => `{"a":"${fill.repeat(length - 8)}"}`;

const LIMIT = 32;

describe('content type', () => {
  test('reads a JSON body that comes without any Content-Type', () => {
    expect(readJsonObject(request('{"a":1}', { headers: {} }))).toEqual({ a: 1 });
  });

  test('reads a JSON body without Content-Type when headers are null, as API Gateway may send', () => {
    expect(readJsonObject(request('{"a":1}', { headers: null as unknown as BodyEvent['headers'] }))).toEqual({
      a: 1,
    });
  });

  test('refuses a body that is not JSON and comes without Content-Type with 400, not 415', () => {
    expect(() => readJsonObject(request('appName=x', { headers: {} }))).toThrow(
      expect.objectContaining({ status: 400, code: 'MALFORMED_JSON' }),
    );
  });

  test.each([
    'text/plain',
    'text/plain; charset=utf-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    '',
  ])('refuses the Content-Type %j with 415 even when the body is JSON', (contentType) => {
    expect(() => readJsonObject(withContentType(contentType))).toThrow(
      expect.objectContaining({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' }),
    );
  });

  test('refuses text/plain with 415', () => {
    expect(() => readJsonObject(withContentType('text/plain'))).toThrow(
      expect.objectContaining({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' }),
    );
  });

  test('refuses a media type that only starts with application/json', () => {
    expect(() => readJsonObject(withContentType('application/json-patch+json'))).toThrow(
      expect.objectContaining({ status: 415 }),
    );
  });

  test('accepts application/json with a charset parameter', () => {
    expect(readJsonObject(withContentType('application/json; charset=utf-8'))).toEqual({ a: 1 });
  });

  test('accepts the media type in uppercase', () => {
    expect(readJsonObject(withContentType('APPLICATION/JSON'))).toEqual({ a: 1 });
  });

  test('finds the Content-Type header whatever the case of its name', () => {
    expect(readJsonObject(request('{"a":1}', { headers: { 'content-type': 'application/json' } }))).toEqual({
      a: 1,
    });
  });
});

describe('syntax', () => {
  test('refuses a missing body as malformed JSON', () => {
    expect(() => readJsonObject(request(null))).toThrow(
      expect.objectContaining({ status: 400, code: 'MALFORMED_JSON' }),
    );
  });

  test('refuses an empty body as malformed JSON', () => {
    expect(() => readJsonObject(request(''))).toThrow(
      expect.objectContaining({ status: 400, code: 'MALFORMED_JSON' }),
    );
  });

  test('refuses a whitespace-only body as malformed JSON', () => {
    expect(() => readJsonObject(request(' \n\t '))).toThrow(
      expect.objectContaining({ status: 400, code: 'MALFORMED_JSON' }),
    );
  });

  test('refuses malformed JSON with 400', () => {
    expect(() => readJsonObject(request('{"appName": '))).toThrow(
      expect.objectContaining({ status: 400, code: 'MALFORMED_JSON' }),
    );
  });

  test('does not echo the malformed body in the error message', () => {
    expect(() => readJsonObject(request('{"password": "hunter2"'))).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  test.each([
    ['an array', '[{"a":1}]'],
    ['null', 'null'],
    ['a number', '42'],
    ['a string', '"text"'],
  ])('refuses %s with 400 and a (body) detail', (_kind, body) => {
    expect(() => readJsonObject(request(body))).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'INVALID_REQUEST',
        details: [{ field: '(body)', message: 'must be an object' }],
      }),
    );
  });

  test('returns the parsed object', () => {
    expect(readJsonObject(request('{"appName":"app","apis":[{"id":"a1"}]}'))).toEqual({
      appName: 'app',
      apis: [{ id: 'a1' }],
    });
  });
});

describe('size', () => {
  test('accepts a body of exactly the limit', () => {
    expect(readJsonObject(request(jsonOfLength(LIMIT)), LIMIT)).toEqual({ a: 'x'.repeat(LIMIT - 8) });
  });

  test('refuses a body one byte over the limit with 413', () => {
    expect(() => readJsonObject(request(jsonOfLength(LIMIT + 1)), LIMIT)).toThrow(
      expect.objectContaining({ status: 413, code: 'PAYLOAD_TOO_LARGE' }),
    );
  });

  test('refuses an over-large body before checking that it is JSON', () => {
    expect(() => readJsonObject(request('x'.repeat(LIMIT + 1)), LIMIT)).toThrow(
      expect.objectContaining({ status: 413 }),
    );
  });

  test('names the limit in the 413 message', () => {
    expect(() => readJsonObject(request(jsonOfLength(LIMIT + 1)), LIMIT)).toThrow(`${LIMIT} bytes`);
  });

  test('measures the body in UTF-8 bytes, not characters', () => {
    // 13 "é" make 21 characters but 34 bytes.
    const body = jsonOfLength(21, 'é');

    expect(() => readJsonObject(request(body), LIMIT)).toThrow(expect.objectContaining({ status: 413 }));
  });

  test('accepts an ASCII body of the same character count as the refused multi-byte one', () => {
    expect(readJsonObject(request(jsonOfLength(21)), LIMIT)).toEqual({ a: 'x'.repeat(13) });
  });

  test('applies the default limit when none is given', () => {
    expect(() => readJsonObject(request(jsonOfLength(DEFAULT_MAX_BODY_BYTES + 1)))).toThrow(
      expect.objectContaining({ status: 413 }),
    );
  });
});

describe('base64-encoded bodies', () => {
  test('decodes a base64-encoded body', () => {
    const event = request(base64('{"appName":"app"}'), { isBase64Encoded: true });

    expect(readJsonObject(event)).toEqual({ appName: 'app' });
  });

  test('accepts a base64-encoded body whose decoded size is exactly the limit', () => {
    const event = request(base64(jsonOfLength(LIMIT)), { isBase64Encoded: true });

    expect(readJsonObject(event, LIMIT)).toEqual({ a: 'x'.repeat(LIMIT - 8) });
  });

  test('refuses a base64-encoded body whose decoded size is one byte over the limit', () => {
    // 33 bytes encode to 44 characters, which the length pre-check (ceil(32/3)*4 = 44) lets through.
    const event = request(base64(jsonOfLength(LIMIT + 1)), { isBase64Encoded: true });

    expect(() => readJsonObject(event, LIMIT)).toThrow(expect.objectContaining({ status: 413 }));
  });

  test('refuses a long base64-encoded body by its encoded length', () => {
    const event = request(base64(jsonOfLength(LIMIT * 4)), { isBase64Encoded: true });

    expect(() => readJsonObject(event, LIMIT)).toThrow(
      expect.objectContaining({ status: 413, code: 'PAYLOAD_TOO_LARGE' }),
    );
  });
});
