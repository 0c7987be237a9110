/** The scenarios in report order, loaded on demand so a child loads only its own. */
import type { Scenario } from '../harness';

export const SCENARIO_LOADERS: Record<string, () => Promise<Scenario>> = {
  'single-add': async () => (await import('./single-add')).scenario,
  'add-all': async () => (await import('./add-all')).scenario,
  'read-many': async () => (await import('./read-many')).scenario,
  'producer-consumer': async () => (await import('./producer-consumer')).scenario,
  threads: async () => (await import('./threads')).scenario,
  memory: async () => (await import('./memory')).scenario,
  codec: async () => (await import('./codec')).scenario,
  ingest: async () => (await import('./ingest')).scenario,
  cluster: async () => (await import('./cluster')).scenario,
};

export const SCENARIO_IDS = Object.keys(SCENARIO_LOADERS);
