import { HttpRouteError, instanceUrl, parseHttpRoutes as parseRoutes, parseServiceUrls, validateHttpRoute as validateRoute } from '../../../src/messaging/http/routes';
import { ORDER_HTTP_COMMANDS } from '../../../src/sagas/order/http-commands';

// The order saga's participant commands are the routable ones here.
const parseHttpRoutes = (spec: string | undefined) => parseRoutes(spec, ORDER_HTTP_COMMANDS);
const validateHttpRoute = (topic: string, url: string) => validateRoute(topic, url, ORDER_HTTP_COMMANDS);
import { backoffMs, HttpCallError, withRetries } from '../../../src/messaging/http/http-call';

describe('parseHttpRoutes', () => {
  it('parses topic=url entries, trimming blanks and ignoring empty entries', () => {
    expect(parseHttpRoutes(
      ' reserve-inventory-commands = http://127.0.0.1:8081/inventory/reserve , apply-coupon-commands=https://promo.example/apply?x=a=b,',
    )).toEqual({
      'reserve-inventory-commands': { url: 'http://127.0.0.1:8081/inventory/reserve' },
      'apply-coupon-commands': { url: 'https://promo.example/apply?x=a=b' },
    });
  });

  it('parses lb://<service>/<path> routes, naming the service in lower case', () => {
    expect(parseHttpRoutes('reserve-inventory-commands=lb://PRODUCT-SERVICE/inventory/reserve?v=2')).toEqual({
      'reserve-inventory-commands': { url: 'lb://PRODUCT-SERVICE/inventory/reserve?v=2', service: 'product-service' },
    });
    expect(() => parseHttpRoutes('reserve-inventory-commands=lb://product-service:8080/reserve')).toThrow(/must be lb:\/\/<service-name>\/<path>/);
    expect(() => parseHttpRoutes('reserve-inventory-commands=lb://user@product/reserve')).toThrow(/must be lb:\/\/<service-name>/);
  });

  it('gives no routes for an unset or blank variable', () => {
    expect(parseHttpRoutes(undefined)).toEqual({});
    expect(parseHttpRoutes('   ')).toEqual({});
  });

  it.each([
    ['reserve-inventory-commands', /entry 1 .*expected topic=url/],
    ['reserve-inventory-commands=', /entry 1 .*both parts non-empty/],
    ['=http://x/y', /entry 1 .*both parts non-empty/],
    ['reserve-inventory-commands=not a url', /'not a url' is not a valid URL/],
    ['reserve-inventory-commands=ftp://host/x', /only http and https URLs \(or lb:\/\/service\/path\) are allowed, got 'ftp:'/],
    ['reserve-inventory-commands=file:///etc/passwd', /only http and https/],
    ['reserve-inventroy-commands=http://x/y', /'reserve-inventroy-commands' is not a participant command topic; expected one of reserve-inventory-commands/],
    ['order-approved-events=http://x/y', /not a participant command topic/],
    ['toString=http://x/y', /not a participant command topic/],
    ['apply-coupon-commands=http://a/b,apply-coupon-commands=http://c/d', /entry 2 .*routed twice/],
  ])('rejects %s', (spec, error) => {
    expect(() => parseHttpRoutes(spec)).toThrow(HttpRouteError);
    expect(() => parseHttpRoutes(spec)).toThrow(error);
  });

  it('reports every bad entry at once, naming the variable', () => {
    let message = '';
    try {
      parseHttpRoutes('apply-coupon-commands=http://ok/a,bad,process-payment-commands=gopher://x');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^invalid PARTICIPANT_HTTP_ROUTES:/);
    expect(message).toMatch(/entry 2 \('bad'\)/);
    expect(message).toMatch(/entry 3 .*gopher:/);
    expect(message).not.toMatch(/entry 1/);
  });

  it('validateHttpRoute accepts a routable topic with an https URL', () => {
    expect(() => validateHttpRoute('refund-payment-commands', 'https://pay.example:8443/refund')).not.toThrow();
  });
});

describe('retry helpers', () => {
  it('doubles the back-off per retry up to the cap, with +-25% jitter', () => {
    const opts = { initialBackoffMs: 100, maxBackoffMs: 1000 };
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffMs(n, opts, () => 0.5))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffMs(1, opts, () => 0)).toBe(150);
    expect(backoffMs(1, opts, () => 1)).toBe(250);
  });

  const fast = { initialBackoffMs: 1, maxBackoffMs: 1 };
  const retryable = (e: unknown) => e instanceof HttpCallError && e.retryable;

  it('retries retryable errors up to `retries` times and returns the first success', async () => {
    let calls = 0;
    const result = await withRetries(async () => {
      calls += 1;
      if (calls < 3) throw new HttpCallError('HTTP 500', true, 500);
      return 'ok';
    }, { retries: 2, ...fast }, retryable);
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('gives up after 1 + retries attempts with the last error', async () => {
    let calls = 0;
    await expect(withRetries(async () => { calls += 1; throw new HttpCallError(`HTTP 50${calls}`, true, 500); }, { retries: 2, ...fast }, retryable))
      .rejects.toThrow('HTTP 503');
    expect(calls).toBe(3);
  });

  it('does not retry a definitive error', async () => {
    let calls = 0;
    await expect(withRetries(async () => { calls += 1; throw new HttpCallError('HTTP 404', false, 404); }, { retries: 5, ...fast }, retryable))
      .rejects.toThrow('HTTP 404');
    expect(calls).toBe(1);
  });
});

describe('lb:// routes', () => {
  it('puts the route path and query on the instance address', () => {
    expect(instanceUrl('lb://product-service/inventory/reserve?v=2', 'http://10.0.0.7:8081')).toBe('http://10.0.0.7:8081/inventory/reserve?v=2');
    expect(instanceUrl('lb://product-service/reserve', 'https://product.internal:8443/api/')).toBe('https://product.internal:8443/api/reserve');
    expect(instanceUrl('lb://product-service', 'http://h:1')).toBe('http://h:1/');
  });

  it('parses static service addresses, case-insensitively by name', () => {
    expect(parseServiceUrls(' Product-Service = http://p:8081 ,payment-service=https://pay/x,')).toEqual({ 'product-service': 'http://p:8081', 'payment-service': 'https://pay/x' });
    expect(parseServiceUrls(undefined)).toEqual({});
    expect(() => parseServiceUrls('product-service=p:8081')).toThrow(/entry 1 .*expected service-name=http\(s\):\/\/host:port/);
    expect(() => parseServiceUrls('http://p:8081')).toThrow(/entry 1/);
  });
});
