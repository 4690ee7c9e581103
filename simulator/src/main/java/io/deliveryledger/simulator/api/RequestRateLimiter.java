package io.deliveryledger.simulator.api;

/**
 * A token bucket holding one second's worth of requests: {@code rate} requests per second on average,
 * bursts up to {@code rate}. A rate of 0 lets everything through.
 */
final class RequestRateLimiter
{
    private final double rate;
    private final double capacity;
    private double tokens;
    private long refilledAtNanos;

    RequestRateLimiter(double rate)
    {
        if (!(rate >= 0)) {
            throw new IllegalArgumentException("rate must not be negative, got: " + rate);
        }
        this.rate = rate;
        this.capacity = Math.max(1, rate);
        this.tokens = capacity;
        this.refilledAtNanos = System.nanoTime();
    }

    synchronized boolean tryAcquire()
    {
        if (rate == 0) {
            return true;
        }
        long now = System.nanoTime();
        tokens = Math.min(capacity, tokens + (now - refilledAtNanos) * rate / 1_000_000_000.0);
        refilledAtNanos = now;
        if (tokens < 1) {
            return false;
        }
        tokens--;
        return true;
    }
}
