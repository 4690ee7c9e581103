package io.deliveryledger.intake;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static java.util.Objects.requireNonNull;

/**
 * Counts of requests refused for their signature, per minute, endpoint and reason. Such requests are
 * not journaled (anyone can send them), yet a spike of them is worth an alert; the counts are written
 * to ClickHouse's {@code forbidden_requests} now and then as deltas.
 */
public final class ForbiddenRequests
{
    // merge and remove are atomic per key, so a count racing with a drain lands in this drain or the next.
    private final ConcurrentHashMap<Key, Long> counts = new ConcurrentHashMap<>();

    public void count(Instant at, String endpoint, String reason)
    {
        add(new Key(at.truncatedTo(ChronoUnit.MINUTES), endpoint, reason), 1);
    }

    /** Takes the counts gathered since the last call; the caller keeps them until they are stored. */
    public Map<Key, Long> drain()
    {
        Map<Key, Long> drained = new HashMap<>();
        for (Key key : counts.keySet()) {
            Long count = counts.remove(key);
            if (count != null) {
                drained.put(key, count);
            }
        }
        return drained;
    }

    private void add(Key key, long requests)
    {
        counts.merge(key, requests, Long::sum);
    }

    public record Key(Instant minute, String endpoint, String reason)
    {
        public Key
        {
            requireNonNull(minute, "minute is null");
            requireNonNull(endpoint, "endpoint is null");
            requireNonNull(reason, "reason is null");
        }
    }
}
