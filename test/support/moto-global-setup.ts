import { startMoto } from './moto';

/** One moto server for the integration tier; tests create their own resources, so they share it. */
export default async function globalSetup(): Promise<void> {
  const moto = await startMoto();
  process.env.MOTO_ENDPOINT = moto.endpoint;
  (globalThis as { __MOTO__?: unknown }).__MOTO__ = moto;
}
