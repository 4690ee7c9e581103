package io.deliveryledger.simulator.traffic;

import java.time.Instant;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One status of a message's lifecycle and when the message reaches it. The first step of a lifecycle
 * is the status the create call returns and has no callback ({@code faults} empty); every later step
 * has one.
 */
public record StatusStep(MessageStatus status, Optional<Integer> errorCode, Instant at, Optional<CallbackFaults> faults)
{
    public StatusStep
    {
        requireNonNull(status, "status is null");
        requireNonNull(errorCode, "errorCode is null");
        requireNonNull(at, "at is null");
        requireNonNull(faults, "faults is null");
    }
}
