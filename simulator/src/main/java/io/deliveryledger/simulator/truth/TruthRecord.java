package io.deliveryledger.simulator.truth;

import java.time.Instant;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** A message's true final status, as one line of the truth file. */
public record TruthRecord(String sid, String accountSid, String status, Optional<Integer> errorCode, Instant dateCreated)
{
    public TruthRecord
    {
        requireNonNull(sid, "sid is null");
        requireNonNull(accountSid, "accountSid is null");
        requireNonNull(status, "status is null");
        requireNonNull(errorCode, "errorCode is null");
        requireNonNull(dateCreated, "dateCreated is null");
    }
}
