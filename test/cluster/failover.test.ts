/**
 * Failover on two real members: every item a ring with backupCount 1 acknowledged is still
 * readable, at the same sequence, after the member that owned the ring's partition is
 * killed with SIGKILL.
 */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

import { Client as HazelcastClient } from 'hazelcast-client';

import { createClient } from '../../src/index';
import { freePorts, startMember, type Member } from '../helpers/member';

const ROOT = resolve(__dirname, '..', '..');
const RING = 'failover-ring';

test('acknowledged items survive owner kill', { timeout: 240_000 }, async (t) => {
  const ports = await freePorts(2, 16701);
  const clusterName = `ringcast-failover-${process.pid}`;
  const rings = [
    {
      name: RING,
      capacity: 1000,
      timeToLiveSeconds: 0,
      inMemoryFormat: 'BINARY' as const,
      backupCount: 1,
      asyncBackupCount: 0,
    },
  ];
  const workDir = join(ROOT, '.cache', 'cluster-failover');
  const members: Member[] = [];
  t.after(async () => {
    for (const member of members) await member.stop({ kill: true });
  });
  const common = { clusterName, memberPorts: ports, rings, workDir };
  members.push(await startMember({ ...common, port: ports[0], clusterSize: 1 }));
  members.push(await startMember({ ...common, port: ports[1], clusterSize: 2 }));

  const addresses = members.map((member) => member.address);
  const client = await createClient({ cluster: { clusterName, members: addresses } });
  t.after(() => client.shutdown());
  const ring = await client.getRingbuffer<string>(RING, { capacity: 1000 });

  const acknowledged = new Map<number, string>();
  for (let batch = 0; batch < 10; batch++) {
    const items = Array.from({ length: 20 }, (_, i) => `item-${batch * 20 + i}`);
    const last = await ring.addAll(items);
    items.forEach((item, i) => acknowledged.set(last - items.length + 1 + i, item));
  }
  assert.equal(acknowledged.size, 200);

  // The owner of the ring's partition, found through the official client's partition service.
  const probe = await HazelcastClient.newHazelcastClient({
    clusterName,
    network: { clusterMembers: addresses },
    properties: { 'hazelcast.logging.level': 'OFF' },
  });
  t.after(() => probe.shutdown());
  const partitions = probe.getPartitionService();
  const owner = partitions.getPartitionOwner(partitions.getPartitionId(RING));
  const ownerMember = probe.getCluster().getMembers().find((m) => m.uuid.equals(owner));
  assert.ok(ownerMember !== undefined, 'the partition owner is a known member');
  const ownerPort = ownerMember.address.port;
  const victim = members.find((member) => member.port === ownerPort);
  assert.ok(victim !== undefined, `the owner port ${ownerPort} is one of the started members`);
  await probe.shutdown();

  await victim.stop({ kill: true });

  const head = await ring.headSequence();
  const tail = await ring.tailSequence();
  assert.equal(head, 0);
  assert.equal(tail, 199);
  const read = await ring.readMany(0, 200, 200);
  assert.equal(read.size(), 200);
  for (let i = 0; i < read.size(); i++) {
    const sequence = read.getSequence(i)!;
    assert.equal(read.get(i), acknowledged.get(sequence), `item at sequence ${sequence}`);
  }
});
