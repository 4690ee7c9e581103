package io.deliveryledger.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;

/**
 * Answers counted by HTTP status, from the client's threads at once; status 0 stands for a request that
 * failed without an answer (refused, reset, timed out).
 */
final class StatusCounts
{
    static final int FAILED = 0;

    private final ConcurrentMap<Integer, LongAdder> counts = new ConcurrentHashMap<>();

    void count(int status)
    {
        counts.computeIfAbsent(status, key -> new LongAdder()).increment();
    }

    long total()
    {
        return counts.values().stream().mapToLong(LongAdder::sum).sum();
    }

    long count(IntPredicate statuses)
    {
        return counts.entrySet().stream().filter(entry -> statuses.test(entry.getKey())).mapToLong(entry -> entry.getValue().sum()).sum();
    }

    /** For example {@code 200:1500,503:3,failed:1}, or {@code none}. */
    String describe()
    {
        Map<Integer, Long> sorted = new TreeMap<>();
        counts.forEach((status, count) -> sorted.put(status, count.sum()));
        if (sorted.isEmpty()) {
            return "none";
        }
        return sorted.entrySet().stream()
                .map(entry -> (entry.getKey() == FAILED ? "failed" : entry.getKey().toString()) + ":" + entry.getValue())
                .collect(Collectors.joining(","));
    }
}
