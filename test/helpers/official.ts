/** The official hazelcast-client, without ringcast, connected to the test member. */
import type { TestContext } from 'node:test';

import { Client as HazelcastClient } from 'hazelcast-client';

import { clusterOptions } from './ring';

/** Connects a plain hazelcast-client to the test member and shuts it down when the test ends. */
export async function startOfficialClient(t: TestContext): Promise<HazelcastClient> {
  const options = clusterOptions();
  const client = await HazelcastClient.newHazelcastClient({
    clusterName: options.clusterName,
    network: { clusterMembers: options.members },
    properties: { 'hazelcast.logging.level': 'OFF' },
  });
  t.after(() => client.shutdown());
  return client;
}
