import { parseBasicAuthorization } from '../../lambda/http/auth';
import { basic } from '../support/events';

test('parses a Basic header', () => {
  expect(parseBasicAuthorization(basic('a', 'b:c'))).toEqual({ username: 'a', password: 'b:c' });
});
