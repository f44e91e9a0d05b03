import type { Config } from '../config';
import type { ServiceDirectory } from '../discovery';
import type { Logger } from '../logger';
import { HttpParticipantTransport } from '../messaging/http-participant-transport';
import { InProcessTransport } from '../messaging/in-process-transport';
import { KafkaTransport } from '../messaging/kafka-transport';
import { PrefixedTransport } from '../messaging/prefixed-transport';
import { wireOf } from '../messaging/contract';
import type { AnySagaModule, MessageTransport } from '../runtime/ports';

export interface Transports {
  /** What the runtime and the simulators publish and consume through. */
  transport: MessageTransport;
  /** Set when some participants are reached over HTTP (their breakers show in GET /ready). */
  httpParticipants?: HttpParticipantTransport;
}

/**
 * Kafka when brokers are configured, else the in-process bus; under the topic prefix if one is
 * set; with the participants that PARTICIPANT_HTTP_ROUTES names called over HTTP instead.
 */
export function createTransport(config: Config, logger: Logger, services: ServiceDirectory | undefined, sagaModules: readonly AnySagaModule[]): Transports {
  const broker: MessageTransport = config.kafka.brokers
    ? new KafkaTransport({
      brokers: config.kafka.brokers.split(','), clientId: config.kafka.clientId, logger,
      fetchMinBytes: config.kafka.fetchMinBytes, fetchMaxWaitMs: config.kafka.fetchMaxWaitMs, defaultPartitions: config.kafka.topicPartitions,
    })
    : new InProcessTransport();
  const prefixed = config.kafka.topicPrefix ? new PrefixedTransport(broker, config.kafka.topicPrefix) : broker;
  const http = config.participantHttp;
  if (Object.keys(http.routes).length === 0) return { transport: prefixed };
  const wire = wireOf(sagaModules.map((m) => m.contract));
  const httpParticipants = new HttpParticipantTransport({
    inner: prefixed, routes: http.routes, logger,
    commands: Object.assign({}, ...sagaModules.map((m) => m.httpCommands)), topicOf: (eventType) => wire.topicOf(eventType), timeoutMs: http.timeoutMs, retries: http.retries, services,
    breaker: { errorThresholdPercentage: http.breakerErrorPercent, resetTimeout: http.breakerResetMs, volumeThreshold: http.breakerVolume },
  });
  return { transport: httpParticipants, httpParticipants };
}
