/** Contract messages shared by the contract and AsyncAPI tests. */
export const sampleEnvelope = {
  eventId: '6f1c1f5e-8c2a-4c53-9d0e-2b7f3f1a9a01',
  sagaId: '6f1c1f5e-8c2a-4c53-9d0e-2b7f3f1a9a02',
  orderId: '6f1c1f5e-8c2a-4c53-9d0e-2b7f3f1a9a03',
  correlationId: '6f1c1f5e-8c2a-4c53-9d0e-2b7f3f1a9a04',
  causationId: null,
  timestamp: '2025-01-01T10:00:00.123Z',
  retryCount: 0,
};

export const sampleOrderCreated = {
  ...sampleEnvelope,
  sagaId: null,
  eventType: 'OrderCreated',
  customerId: 'c-1',
  orderNumber: 'ORD-1',
  currency: 'EUR',
  items: [{ productId: 'p-1', sku: 'SKU-1', quantity: 1, unitPrice: '129.90' }],
  totalAmount: '129.90',
  paymentMethod: 'CARD',
};
