package io.deliveryledger.sink;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * When a batch is sent (whichever limit is reached first) and how failed inserts back off.
 *
 * @param maxAge the time between the starts of two batches at least, unless a batch is full: at most one insert
 * per {@code maxAge}, and no record waits longer than that for its batch; bounds the delay to ClickHouse
 * @param duplicateWindow how far back before a batch's events the writer looks for copies already stored
 * @param requestTimeout how long the duplicate lookup or the insert of the events may wait for ClickHouse's
 * answer before it fails and is tried again
 */
public record BatchPolicy(int maxRows, long maxBytes, Duration maxAge, Duration initialBackoff, Duration maxBackoff, Duration duplicateWindow, Duration requestTimeout)
{
    public BatchPolicy
    {
        requireNonNull(duplicateWindow, "duplicateWindow is null");
        requireNonNull(requestTimeout, "requestTimeout is null");
        requireNonNull(maxAge, "maxAge is null");
        requireNonNull(initialBackoff, "initialBackoff is null");
        requireNonNull(maxBackoff, "maxBackoff is null");
        if (maxRows < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("maxRows and maxBytes must be positive");
        }
        if (maxAge.isNegative() || maxAge.isZero() || initialBackoff.isNegative() || initialBackoff.isZero()) {
            throw new IllegalArgumentException("maxAge and initialBackoff must be positive");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive");
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff must not be shorter than initialBackoff");
        }
    }
}
