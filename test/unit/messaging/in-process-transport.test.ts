import { InProcessTransport } from '../../../src/messaging/in-process-transport';
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
});
