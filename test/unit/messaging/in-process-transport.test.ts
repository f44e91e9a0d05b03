import { InProcessTransport } from '../../../src/messaging/in-process-transport';
import type { TransportMessage } from '../../../src/runtime/ports';
import { eventually } from '../../helpers/services';

describe('InProcessTransport', () => {
  it('delivers in order to each group and redelivers a failed batch', async () => {
    const transport = new InProcessTransport();
    const a: string[] = [];
    const b: string[] = [];
    let failOnce = true;
    const subA = await transport.subscribe({ groupId: 'a', topics: ['t'] }, async (batch) => { a.push(...batch.map((m) => m.value!.toString())); });
    const subB = await transport.subscribe({ groupId: 'b', topics: ['t'] }, async (batch) => {
      if (failOnce) { failOnce = false; throw new Error('boom'); }
      b.push(...batch.map((m) => m.value!.toString()));
    });
    const receipts = await transport.publish([{ topic: 't', key: 'k', value: '1' }, { topic: 't', key: 'k', value: '2' }]);
    expect(receipts.map((r) => r.offset)).toEqual(['0', '1']);
    await eventually(() => (a.length === 2 && b.length === 2 ? true : undefined), 5000);
    expect(a).toEqual(['1', '2']);
    expect(b).toEqual(['1', '2']);
    await subA.stop();
    await subB.stop();
    await transport.close();
    await expect(transport.publish([{ topic: 't', key: 'k', value: '3' }])).rejects.toThrow('closed');
  });

  it('carries key bytes (a dead letter\'s original key) and header bytes, with text views', async () => {
    const transport = new InProcessTransport();
    const seen: TransportMessage[] = [];
    const sub = await transport.subscribe({ groupId: 'g', topics: ['t'] }, async (batch) => { seen.push(...batch); });
    await transport.publish([
      { topic: 't', key: 'ignored', keyBytes: Buffer.from([0xff, 0x00]), value: 'v', headers: { h: 'x' } },
      { topic: 't', key: 'text', value: 'w' },
    ]);
    await eventually(() => (seen.length === 2 ? true : undefined), 5000);
    await sub.stop();
    await transport.close();
    expect(seen[0]).toMatchObject({ keyBytes: Buffer.from([0xff, 0x00]), headers: { h: 'x' }, headerBytes: { h: [Buffer.from('x')] } });
    expect(seen[1]).toMatchObject({ key: 'text', keyBytes: Buffer.from('text') });
  });
});
