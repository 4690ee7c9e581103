package io.deliveryledger.bench;

import java.util.concurrent.TimeUnit;

/**
 * When each callback is due, in nanoseconds from the start: an unrecorded warm-up, then the recorded part
 * at the constant rate. The warm-up climbs in three equal steps, a quarter, a half and all of the rate:
 * a cold JVM (the generator's and the server's) cannot keep the full rate at once, and the backlog of
 * its first seconds would make the client open hundreds of connections that the recorded part would then
 * carry (and pay for).
 */
final class Schedule
{
    private static final double[] WARMUP_STEPS = {0.25, 0.5, 1.0};

    private final long[] offsetsNanos;
    private final int warmupCount;

    private Schedule(long[] offsetsNanos, int warmupCount)
    {
        this.offsetsNanos = offsetsNanos;
        this.warmupCount = warmupCount;
    }

    static Schedule of(double rate, double warmupSeconds, double durationSeconds)
    {
        if (!(rate > 0) || !(warmupSeconds >= 0) || !(durationSeconds > 0)) {
            throw new IllegalArgumentException("rate and duration must be positive and the warm-up 0 or more");
        }
        double stepSeconds = warmupSeconds / WARMUP_STEPS.length;
        int warmupCount = 0;
        for (double step : WARMUP_STEPS) {
            warmupCount += stepCount(rate * step, stepSeconds);
        }
        int measuredCount = Math.toIntExact(Math.round(rate * durationSeconds));
        if (measuredCount == 0) {
            throw new IllegalArgumentException("rate x duration rounds to no callback to record");
        }
        long[] offsets = new long[warmupCount + measuredCount];
        int index = 0;
        double stepStart = 0;
        for (double step : WARMUP_STEPS) {
            index = fill(offsets, index, stepStart, rate * step, stepCount(rate * step, stepSeconds));
            stepStart += stepSeconds * TimeUnit.SECONDS.toNanos(1);
        }
        fill(offsets, index, stepStart, rate, measuredCount);
        return new Schedule(offsets, warmupCount);
    }

    /** Callbacks in all, warm-up included. */
    int size()
    {
        return offsetsNanos.length;
    }

    int warmupCount()
    {
        return warmupCount;
    }

    int measuredCount()
    {
        return offsetsNanos.length - warmupCount;
    }

    long offsetNanos(int index)
    {
        return offsetsNanos[index];
    }

    private static int stepCount(double rate, double seconds)
    {
        return Math.toIntExact(Math.round(rate * seconds));
    }

    private static int fill(long[] offsets, int index, double startNanos, double rate, int count)
    {
        double intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
        for (int position = 0; position < count; position++) {
            offsets[index + position] = Math.round(startNanos + position * intervalNanos);
        }
        return index + count;
    }
}
