/** loadLocalServerConfig: where `npm start` listens and which region its AWS clients get. */
import { ConfigError, loadLocalServerConfig, localAwsRegion } from '../../lambda/config';

describe('PORT and HOST', () => {
  test('default to 127.0.0.1:3000', () => {
    expect(loadLocalServerConfig({})).toMatchObject({ host: '127.0.0.1', port: 3000 });
  });

  test('are read as given, PORT=0 included (a free port)', () => {
    expect(loadLocalServerConfig({ HOST: '0.0.0.0', PORT: '0' })).toMatchObject({ host: '0.0.0.0', port: 0 });
  });

  test.each(['http', '-1', '65536', '80.5', '1e3'])('a PORT of "%s" is refused, naming PORT', (port) => {
    const load = () => loadLocalServerConfig({ PORT: port });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^Invalid configuration: PORT /);
  });
});

describe('the AWS region', () => {
  test('is absent with neither AWS_REGION nor AWS_ENDPOINT_URL: the run is in-process', () => {
    expect(loadLocalServerConfig({}).awsRegion).toBeUndefined();
  });

  test('is AWS_REGION when set', () => {
    expect(loadLocalServerConfig({ AWS_REGION: 'eu-west-1' }).awsRegion).toBe('eu-west-1');
  });

  test('is us-east-1 for an emulator given without a region (signing needs one)', () => {
    expect(localAwsRegion({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' })).toBe('us-east-1');
  });

  test('leaves the environment it reads untouched', () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' };

    loadLocalServerConfig(env);

    expect(env).toEqual({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' });
  });
});
