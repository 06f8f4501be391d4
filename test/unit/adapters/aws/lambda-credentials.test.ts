/** The Lambda bundle's stand-in for the SDK's default credential chain reads the environment. */
import { defaultProvider } from '../../../../lambda/adapters/aws/lambda-credentials';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

test('resolves the execution role credentials Lambda puts in the environment', async () => {
  process.env.AWS_ACCESS_KEY_ID = 'ASIAEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'secret-example';
  process.env.AWS_SESSION_TOKEN = 'token-example';

  const credentials = await defaultProvider()();

  expect(credentials).toMatchObject({
    accessKeyId: 'ASIAEXAMPLE',
    secretAccessKey: 'secret-example',
    sessionToken: 'token-example',
  });
});

test('fails when the environment has no credentials, instead of trying other sources', async () => {
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;

  await expect(defaultProvider()()).rejects.toThrow(/credentials/i);
});
