package io.deliveryledger.analytics;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.deliveryledger.event.MessageStatus;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Messages by current status, and what follows from it: delivered (delivered or read), failed
 * (failed or undelivered), pending (not in a final status yet) and their shares of all messages.
 */
public record StatusCounts(@JsonProperty("byStatus") Map<String, Long> byStatus)
{
    public static final List<String> DELIVERED = List.of(MessageStatus.DELIVERED.wireName(), MessageStatus.READ.wireName());
    public static final List<String> FAILED = List.of(MessageStatus.FAILED.wireName(), MessageStatus.UNDELIVERED.wireName());
    /** Statuses below the final ones: the message may still change. */
    public static final List<String> PENDING = Arrays.stream(MessageStatus.values())
            .filter(status -> status.rank() < MessageStatus.DELIVERED.rank())
            .map(MessageStatus::wireName)
            .toList();

    public StatusCounts
    {
        // Sorted, so that answers list the statuses in the same order every time.
        byStatus = Collections.unmodifiableSortedMap(new TreeMap<>(byStatus));
    }

    @JsonProperty
    public long messages()
    {
        return byStatus.values().stream().mapToLong(Long::longValue).sum();
    }

    @JsonProperty
    public long delivered()
    {
        return count(DELIVERED);
    }

    @JsonProperty
    public long failed()
    {
        return count(FAILED);
    }

    @JsonProperty
    public long pending()
    {
        return count(PENDING);
    }

    @JsonProperty
    public double deliveryRate()
    {
        return share(delivered());
    }

    @JsonProperty
    public double failureRate()
    {
        return share(failed());
    }

    private long count(List<String> statuses)
    {
        return statuses.stream().mapToLong(status -> byStatus.getOrDefault(status, 0L)).sum();
    }

    private double share(long count)
    {
        long messages = messages();
        return messages == 0 ? 0 : (double) count / messages;
    }
}
