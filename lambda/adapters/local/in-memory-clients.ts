/**
 * ClientIssuer (and the reconciler's ClientInventory) in process memory, standing in for a Cognito
 * user pool when the webhook runs locally.
 */
import { markerInClientName } from '../../credentials/marker';
import type {
  ClientInventory,
  ClientIssuer,
  IssuedClient,
  MarkedResource,
  NewClient,
} from '../../credentials/ports';
import { randomToken } from '../random';

interface StoredClient {
  readonly name: string;
  readonly scopes: readonly string[];
  readonly secret: string;
  readonly accessTokenValidityMinutes: number;
  readonly createdAt: number;
}

export class InMemoryClients implements ClientIssuer, ClientInventory {
  private readonly clients = new Map<string, StoredClient>();

  constructor(private readonly now: () => number = Date.now) {}

  async createClient(client: NewClient): Promise<IssuedClient> {
    // Cognito's shapes: 26-character client ids, 51-character secrets.
    const clientId = randomToken(26, true);
    const secret = randomToken(51);
    this.clients.set(clientId, {
      name: client.name,
      scopes: [...client.scopes],
      accessTokenValidityMinutes: client.accessTokenValidityMinutes,
      secret,
      createdAt: this.now(),
    });
    return { clientId, clientSecret: secret };
  }

  async updateClient(
    clientId: string,
    changes: { readonly name?: string | undefined; readonly scopes?: readonly string[] | undefined },
  ): Promise<boolean> {
    const current = this.clients.get(clientId);
    if (current === undefined) return false;
    this.clients.set(clientId, {
      ...current,
      name: changes.name ?? current.name,
      scopes: changes.scopes === undefined ? current.scopes : [...changes.scopes],
    });
    return true;
  }

  async findClient(clientId: string) {
    const client = this.clients.get(clientId);
    return client === undefined
      ? undefined
      : { clientId, clientSecret: client.secret, scopes: client.scopes };
  }

  async deleteClient(clientId: string): Promise<'deleted' | 'absent'> {
    return this.clients.delete(clientId) ? 'deleted' : 'absent';
  }

  async markedClients(instance: string): Promise<MarkedResource[]> {
    return [...this.clients].flatMap(([id, client]) => {
      const marker = markerInClientName(client.name);
      return marker?.instance === instance ? [{ id, ledgerId: marker.ledgerId }] : [];
    });
  }

  async createdAt(clientId: string): Promise<number | undefined> {
    return this.clients.get(clientId)?.createdAt;
  }
}
