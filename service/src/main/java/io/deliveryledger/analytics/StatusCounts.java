package io.deliveryledger.analytics;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.deliveryledger.event.MessageStatus;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Messages by current status, and what follows from it, the same in the API, the reports, the
 * dashboards and the alert rules (docs/api.md, "Counts"):
 * <ul>
 * <li>delivered: delivered, read or partially_delivered (some recipients got it);
 * <li>failed: failed or undelivered;
 * <li>no receipt ({@code no_receipt}): still sent after the reconciliation lookback, so no receipt will come;
 * <li>pending: not in a final status yet (accepted, scheduled, queued, sending, sent, receiving);
 * <li>delivery rate and failure rate: delivered and failed as shares of the messages with an outcome,
 * delivered + failed (canceled, received and no-receipt messages have none; pending ones not yet).
 * </ul>
 */
public record StatusCounts(@JsonProperty("byStatus") Map<String, Long> byStatus)
{
    public static final List<String> DELIVERED = List.of(MessageStatus.DELIVERED.wireName(), MessageStatus.READ.wireName(), MessageStatus.PARTIALLY_DELIVERED.wireName());
    public static final List<String> FAILED = List.of(MessageStatus.FAILED.wireName(), MessageStatus.UNDELIVERED.wireName());
    public static final String NO_RECEIPT = MessageCounts.NO_RECEIPT;
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
    public long noReceipt()
    {
        return byStatus.getOrDefault(NO_RECEIPT, 0L);
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
        long outcomes = delivered() + failed();
        return outcomes == 0 ? 0 : (double) count / outcomes;
    }
}
