// The errors the local broker's tooling throws, and the errno check its modules share.

/**
 * A tool the local broker needs (Java 17+, Maven) is missing or unusable.
 * The message tells the human what to install, or to point KAFKA_BROKERS at an existing broker.
 */
export class KafkaPrerequisiteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkaPrerequisiteError';
  }
}

/** The broker could not be started or stopped; the message carries the tail of its logs where useful. */
export class KafkaBrokerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkaBrokerError';
  }
}

export function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}
