import type { BasicCredentials, BasicCredentialsSource } from '../credentials/ports';

/** Basic credentials given in the environment. Not an in-process stand-in: any backend may use it. */
export class StaticCredentials implements BasicCredentialsSource {
  private readonly credentials: BasicCredentials;

  constructor(username: string, password: string) {
    this.credentials = { username, passwords: [password] };
  }

  async get(): Promise<BasicCredentials> {
    return this.credentials;
  }
}
