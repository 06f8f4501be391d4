import { type RunningMoto, stopMoto } from './moto';

export default async function globalTeardown(): Promise<void> {
  const moto = (globalThis as { __MOTO__?: RunningMoto }).__MOTO__;
  if (moto !== undefined) await stopMoto(moto);
}
