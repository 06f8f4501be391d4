/**
 * The in-process issuers of lambda/adapters/local, with what the service tests need on top: a log
 * of the calls the service made, failures injected into chosen calls (before the call acts, or
 * after it: an answer lost on the way back), and hooks that look at the world when a call starts.
 */
import { InMemoryApiKeys } from '../../lambda/adapters/local/in-memory-api-keys';
import { InMemoryClients } from '../../lambda/adapters/local/in-memory-clients';
import type {
  ApiKeyIssuer,
  ClientIssuer,
  KeyRead,
  NewApiKey,
  NewClient,
} from '../../lambda/credentials/ports';

/** The methods of a port (each returns a promise). */
type PortMethod<P> = {
  [K in keyof P]-?: P[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof P] &
  string;

type ArgsOf<P, M extends PortMethod<P>> = P[M] extends (...args: infer A) => Promise<unknown> ? A : never;

export interface Fault<A extends readonly unknown[]> {
  /** What the call throws. */
  readonly error: unknown;
  /** Only calls with matching arguments fail (every call when absent). */
  readonly when?: (...args: A) => boolean;
  /** The call takes effect, then throws: AWS acted but its answer was lost. */
  readonly afterActing?: boolean;
  /** Only the first matching call fails. */
  readonly once?: boolean;
}

export interface Call<P> {
  readonly method: PortMethod<P>;
  readonly args: readonly unknown[];
}

/** The call log, faults and hooks of one fake port. */
class Script<P> {
  readonly calls: Call<P>[] = [];
  private readonly faults: { method: PortMethod<P>; fault: Fault<readonly unknown[]> }[] = [];
  private readonly hooks: { method: PortMethod<P>; hook: (...args: readonly unknown[]) => unknown }[] = [];

  fail<M extends PortMethod<P>>(method: M, fault: Fault<ArgsOf<P, M>>): void {
    // Stored untyped: the method name recorded beside it says which arguments `when` receives.
    this.faults.push({ method, fault: fault as unknown as Fault<readonly unknown[]> });
  }

  watch<M extends PortMethod<P>>(method: M, hook: (...args: ArgsOf<P, M>) => unknown): void {
    this.hooks.push({ method, hook: hook as unknown as (...args: readonly unknown[]) => unknown });
  }

  callsOf<M extends PortMethod<P>>(method: M): ArgsOf<P, M>[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args as ArgsOf<P, M>);
  }

  async run<R>(method: PortMethod<P>, args: readonly unknown[], act: () => Promise<R>): Promise<R> {
    this.calls.push({ method, args });
    for (const { hook } of this.hooks.filter((entry) => entry.method === method)) await hook(...args);
    const index = this.faults.findIndex(
      (entry) => entry.method === method && (entry.fault.when?.(...args) ?? true),
    );
    const fault = this.faults[index];
    if (fault === undefined) return act();
    if (fault.fault.once === true) this.faults.splice(index, 1);
    if (fault.fault.afterActing === true) await act();
    throw fault.fault.error;
  }
}

/** API Gateway in memory (plans that exist: `usagePlanIds`), with a call log and injected faults. */
export class FakeApiKeys extends InMemoryApiKeys implements ApiKeyIssuer {
  private readonly script = new Script<ApiKeyIssuer>();

  /** Every call the service made, in order. */
  get calls(): readonly Call<ApiKeyIssuer>[] {
    return this.script.calls;
  }

  /** The arguments of each call of `method`, in order. */
  callsOf<M extends PortMethod<ApiKeyIssuer>>(method: M): ArgsOf<ApiKeyIssuer, M>[] {
    return this.script.callsOf(method);
  }

  /** Makes the calls of `method` that `fault.when` matches throw `fault.error`. */
  fail<M extends PortMethod<ApiKeyIssuer>>(method: M, fault: Fault<ArgsOf<ApiKeyIssuer, M>>): void {
    this.script.fail(method, fault);
  }

  /** Runs `hook` as each call of `method` starts, before it acts. */
  watch<M extends PortMethod<ApiKeyIssuer>>(
    method: M,
    hook: (...args: ArgsOf<ApiKeyIssuer, M>) => unknown,
  ): void {
    this.script.watch(method, hook);
  }

  /** Empties the log (after arranging through the fake). */
  forgetCalls(): void {
    this.script.calls.length = 0;
  }

  override createKey(key: NewApiKey) {
    return this.script.run('createKey', [key], () => super.createKey(key));
  }

  override findKey(keyId: string, read?: KeyRead) {
    // The default made explicit: a test asserts whether the value was read, not how it was asked.
    return this.script.run('findKey', [keyId, read ?? 'without-value'], () => super.findKey(keyId, read));
  }

  override describeKey(keyId: string, name: string, description: string) {
    return this.script.run('describeKey', [keyId, name, description], () =>
      super.describeKey(keyId, name, description),
    );
  }

  override deleteKey(keyId: string) {
    return this.script.run('deleteKey', [keyId], () => super.deleteKey(keyId));
  }

  override listUsagePlansOfKey(keyId: string) {
    return this.script.run('listUsagePlansOfKey', [keyId], () => super.listUsagePlansOfKey(keyId));
  }

  override bindKey(usagePlanId: string, keyId: string) {
    return this.script.run('bindKey', [usagePlanId, keyId], () => super.bindKey(usagePlanId, keyId));
  }

  override unbindKey(usagePlanId: string, keyId: string) {
    return this.script.run('unbindKey', [usagePlanId, keyId], () => super.unbindKey(usagePlanId, keyId));
  }
}

/** A Cognito user pool in memory, with a call log, injected faults and each client's name. */
export class FakeClients extends InMemoryClients implements ClientIssuer {
  private readonly script = new Script<ClientIssuer>();
  /** Each client's current name, by id (the in-memory pool keeps names to itself). */
  readonly names = new Map<string, string>();

  get calls(): readonly Call<ClientIssuer>[] {
    return this.script.calls;
  }

  callsOf<M extends PortMethod<ClientIssuer>>(method: M): ArgsOf<ClientIssuer, M>[] {
    return this.script.callsOf(method);
  }

  fail<M extends PortMethod<ClientIssuer>>(method: M, fault: Fault<ArgsOf<ClientIssuer, M>>): void {
    this.script.fail(method, fault);
  }

  watch<M extends PortMethod<ClientIssuer>>(
    method: M,
    hook: (...args: ArgsOf<ClientIssuer, M>) => unknown,
  ): void {
    this.script.watch(method, hook);
  }

  forgetCalls(): void {
    this.script.calls.length = 0;
  }

  override createClient(client: NewClient) {
    return this.script.run('createClient', [client], async () => {
      const issued = await super.createClient(client);
      this.names.set(issued.clientId, client.name);
      return issued;
    });
  }

  override updateClient(
    clientId: string,
    changes: { readonly name?: string | undefined; readonly scopes?: readonly string[] | undefined },
  ) {
    return this.script.run('updateClient', [clientId, changes], async () => {
      const updated = await super.updateClient(clientId, changes);
      if (updated && changes.name !== undefined) this.names.set(clientId, changes.name);
      return updated;
    });
  }

  override findClient(clientId: string) {
    return this.script.run('findClient', [clientId], () => super.findClient(clientId));
  }

  override deleteClient(clientId: string) {
    return this.script.run('deleteClient', [clientId], async () => {
      const outcome = await super.deleteClient(clientId);
      this.names.delete(clientId);
      return outcome;
    });
  }
}
