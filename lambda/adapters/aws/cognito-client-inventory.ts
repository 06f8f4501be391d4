/** ClientInventory on a Cognito user pool: what the reconciler lists and removes. */
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { markerInClientName } from '../../credentials/marker';
import type { ClientInventory, MarkedResource } from '../../credentials/ports';
import { CognitoClientIssuer } from './cognito-client-issuer';
import { upstream } from './errors';

export class CognitoClientInventory implements ClientInventory {
  private readonly issuer: CognitoClientIssuer;

  constructor(client: CognitoIdentityProviderClient, userPoolId: string) {
    this.issuer = new CognitoClientIssuer(client, userPoolId);
  }

  async markedClients(instance: string): Promise<MarkedResource[]> {
    const marked: MarkedResource[] = [];
    await upstream(
      (async () => {
        for await (const client of this.issuer.clients()) {
          const marker = markerInClientName(client.ClientName);
          if (marker?.instance !== instance || client.ClientId === undefined) continue;
          // ListUserPoolClients does not say when a client was made; createdAt() asks when needed.
          marked.push({ id: client.ClientId, ledgerId: marker.ledgerId });
        }
      })(),
    );
    return marked;
  }

  async createdAt(clientId: string): Promise<number | undefined> {
    return (await this.issuer.createdAt(clientId))?.getTime();
  }

  deleteClient(clientId: string): Promise<'deleted' | 'absent'> {
    return this.issuer.deleteClient(clientId);
  }
}
