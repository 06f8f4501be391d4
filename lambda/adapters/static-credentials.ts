import type { BasicCredentials, BasicCredentialsSource } from '../../credentials/ports';

/** Basic credentials given in the environment (local runs). */
export class StaticCredentials implements BasicCredentialsSource {
  private readonly credentials: BasicCredentials;

  constructor(username: string, password: string) {
    this.credentials = { username, passwords: [password] };
  }

  async get(): Promise<BasicCredentials> {
    return this.credentials;
  }
}
