package io.deliveryledger.reconcile;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/** One fetch by SID and what came of it. */
public record Check(String messageSid, String accountSid, Instant checkedAt, Outcome outcome, String status, String runId)
{
    public Check
    {
        requireNonNull(messageSid, "messageSid is null");
        requireNonNull(accountSid, "accountSid is null");
        requireNonNull(checkedAt, "checkedAt is null");
        requireNonNull(outcome, "outcome is null");
        requireNonNull(status, "status is null");
        requireNonNull(runId, "runId is null");
    }

    public enum Outcome
    {
        UPDATED("updated"),
        UNCHANGED("unchanged"),
        NOT_FOUND("not_found");

        private final String columnValue;

        Outcome(String columnValue)
        {
            this.columnValue = columnValue;
        }

        public String columnValue()
        {
            return columnValue;
        }
    }
}
