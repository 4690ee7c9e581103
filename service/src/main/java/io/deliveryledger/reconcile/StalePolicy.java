package io.deliveryledger.reconcile;

import io.deliveryledger.event.MessageStatus;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * When a message that is not final counts as stale: {@code staleAfter} after its last event (Twilio's
 * advice is 12 hours), or its status's own threshold. Messages first seen more than {@code lookback}
 * ago are left alone, so one that never reaches a final status is not fetched forever.
 */
public record StalePolicy(Duration staleAfter, Map<MessageStatus, Duration> staleAfterByStatus, Duration lookback, int maxMessagesPerRun)
{
    public StalePolicy
    {
        requireNonNull(staleAfter, "staleAfter is null");
        staleAfterByStatus = Map.copyOf(staleAfterByStatus);
        requireNonNull(lookback, "lookback is null");
        staleAfterByStatus.keySet().forEach(status -> {
            if (status.isFinal()) {
                throw new IllegalArgumentException("Status '" + status.wireName() + "' is final; only pending statuses can have a stale threshold");
            }
        });
    }

    /** The same policy with one threshold for every status, as {@code POST /tasks/reconcile?staleAfter=} asks. */
    public StalePolicy withStaleAfter(Duration staleAfter)
    {
        return new StalePolicy(staleAfter, Map.of(), lookback, maxMessagesPerRun);
    }

    public Duration staleAfter(MessageStatus status)
    {
        return staleAfterByStatus.getOrDefault(status, staleAfter);
    }

    /** The shortest threshold: a message younger than that is not stale whatever its status. */
    public Duration shortest()
    {
        return staleAfterByStatus.values().stream().reduce(staleAfter, (left, right) -> left.compareTo(right) <= 0 ? left : right);
    }

    public static Collection<MessageStatus> pendingStatuses()
    {
        return Arrays.stream(MessageStatus.values()).filter(status -> !status.isFinal()).toList();
    }
}
