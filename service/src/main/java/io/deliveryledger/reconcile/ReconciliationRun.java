package io.deliveryledger.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * What a run did: messages checked (listed or fetched), fixed (an event written because the ledger
 * knew less than Twilio), not found (404), failed (a fetch that failed after every retry; the message
 * stays stale for the next run), and what it cost in API calls.
 */
public record ReconciliationRun(
        String runId,
        Trigger trigger,
        Instant startedAt,
        Instant finishedAt,
        Optional<TimeWindow> window,
        Duration staleAfter,
        long checked,
        long fixed,
        long notFound,
        long failed,
        long apiCalls,
        long rateLimited,
        Optional<String> error)
{
    public ReconciliationRun
    {
        requireNonNull(runId, "runId is null");
        requireNonNull(trigger, "trigger is null");
        requireNonNull(startedAt, "startedAt is null");
        requireNonNull(finishedAt, "finishedAt is null");
        requireNonNull(window, "window is null");
        requireNonNull(staleAfter, "staleAfter is null");
        requireNonNull(error, "error is null");
    }

    public boolean completed()
    {
        return error.isEmpty();
    }

    public Duration duration()
    {
        return Duration.between(startedAt, finishedAt);
    }

    public String summary()
    {
        return String.format("reconcile %s: %s, checked %d, fixed %d, not found %d, failed %d, %d API calls (%d answered 429), %d ms%s",
                runId,
                window.map(value -> "window " + value.from() + " to " + value.to()).orElse("no discovery window"),
                checked,
                fixed,
                notFound,
                failed,
                apiCalls,
                rateLimited,
                duration().toMillis(),
                error.map(message -> ", FAILED: " + message).orElse(""));
    }
}
