package io.deliveryledger.bench;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import static java.util.Objects.requireNonNull;

/**
 * Freshness: for each acknowledged callback it is given, asks {@code GET /api/v1/messages/{sid}} every
 * poll interval until the message is there (200), and records the time from the acknowledgement to that
 * answer. A message is visible at the latest when the answer saying so arrives, so each time is an upper
 * bound, at most one poll interval (plus one query) above the moment it became visible. One poll per
 * sample is in flight at a time. Once a sample is older than 40 poll intervals, it is polled every 1/40
 * of its age instead: the error stays under 2.5 %, and a service that falls behind is not buried in
 * polls of ever more samples (which would make it fall further behind). 404 is "not yet"; any other
 * answer or a failure is counted as a poll error and polled again.
 */
final class FreshnessProbe
{
    private static final long POLL_TIMEOUT_SECONDS = 10;
    private static final long AGE_PER_POLL_INTERVAL = 40;

    private final HttpClient client;
    private final URI messagesUri;
    private final String authorization;
    private final long pollIntervalNanos;
    private final long visibleWithinNanos;
    private final ScheduledExecutorService scheduler;

    private final Histogram ackToVisibleMicros = new ConcurrentHistogram(TimeUnit.HOURS.toMicros(1), 3);
    // How long the poll that found each message took to answer: part of its ack-to-visible time.
    private final Histogram findingPollMicros = new ConcurrentHistogram(TimeUnit.HOURS.toMicros(1), 3);
    private final AtomicLong pending = new AtomicLong();
    private final LongAdder samples = new LongAdder();
    private final LongAdder notVisible = new LongAdder();
    private final LongAdder polls = new LongAdder();
    private final StatusCounts pollErrors = new StatusCounts();
    private final AtomicReference<String> firstPollFailure = new AtomicReference<>("");

    FreshnessProbe(HttpClient client, URI messagesUri, String apiToken, Duration pollInterval, Duration visibleWithin, ScheduledExecutorService scheduler)
    {
        this.client = requireNonNull(client, "client is null");
        this.messagesUri = requireNonNull(messagesUri, "messagesUri is null");
        this.authorization = "Bearer " + requireNonNull(apiToken, "apiToken is null");
        this.pollIntervalNanos = requireNonNull(pollInterval, "pollInterval is null").toNanos();
        this.visibleWithinNanos = requireNonNull(visibleWithin, "visibleWithin is null").toNanos();
        this.scheduler = requireNonNull(scheduler, "scheduler is null");
    }

    /** Starts polling for a message whose callback was acknowledged at {@code acknowledgedNanos} (System.nanoTime). */
    void track(String messageSid, long acknowledgedNanos)
    {
        samples.increment();
        pending.incrementAndGet();
        scheduler.schedule(() -> poll(messageSid, acknowledgedNanos), pollIntervalNanos, TimeUnit.NANOSECONDS);
    }

    /** Waits until every sample is visible or past the bound; false when the wait itself ran out first. */
    boolean awaitAll(Duration limit)
            throws InterruptedException
    {
        long deadline = System.nanoTime() + limit.toNanos();
        while (pending.get() > 0) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    FreshnessOutcome outcome()
    {
        return new FreshnessOutcome(samples.sum(), ackToVisibleMicros.getTotalCount(), notVisible.sum(), pending.get(), polls.sum(),
                pollErrors.total(), pollErrors.describe(), firstPollFailure.get(), ackToVisibleMicros.copy(),
                findingPollMicros.copy());
    }

    private void pollAgain(String messageSid, long acknowledgedNanos, long now)
    {
        long delay = Math.max(pollIntervalNanos, (now - acknowledgedNanos) / AGE_PER_POLL_INTERVAL);
        scheduler.schedule(() -> poll(messageSid, acknowledgedNanos), delay, TimeUnit.NANOSECONDS);
    }

    private void poll(String messageSid, long acknowledgedNanos)
    {
        polls.increment();
        long sentNanos = System.nanoTime();
        client.newRequest(messagesUri.resolve(messageSid))
                .headers(headers -> headers.put(HttpHeader.AUTHORIZATION, authorization))
                .timeout(POLL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .send(result -> answered(messageSid, acknowledgedNanos, sentNanos, result));
    }

    private void answered(String messageSid, long acknowledgedNanos, long sentNanos, Result result)
    {
        long now = System.nanoTime();
        int status = result.isFailed() ? StatusCounts.FAILED : result.getResponse().getStatus();
        if (status == HttpStatus.OK_200) {
            ackToVisibleMicros.recordValue(TimeUnit.NANOSECONDS.toMicros(now - acknowledgedNanos));
            findingPollMicros.recordValue(TimeUnit.NANOSECONDS.toMicros(now - sentNanos));
            pending.decrementAndGet();
            return;
        }
        if (status != HttpStatus.NOT_FOUND_404) {
            pollErrors.count(status);
            firstPollFailure.compareAndSet("", result.isFailed() ? result.getFailure().toString() : "HTTP " + status);
        }
        if (now - acknowledgedNanos >= visibleWithinNanos) {
            notVisible.increment();
            pending.decrementAndGet();
            return;
        }
        pollAgain(messageSid, acknowledgedNanos, now);
    }

    /**
     * What the probe saw: samples taken, how many became visible (with their ack-to-visible times), how many
     * were still not visible at the bound, how many were still being polled when the wait ended, polls
     * sent, polls answered with neither 200 nor 404 (by status) and the first of them (empty if none), and
     * how long the poll that found each message took.
     */
    record FreshnessOutcome(long samples, long visible, long notVisible, long unresolved, long polls, long pollErrors, String pollErrorStatuses,
                            String firstPollError, Histogram ackToVisibleMicros, Histogram findingPollMicros)
    {
        FreshnessOutcome
        {
            requireNonNull(pollErrorStatuses, "pollErrorStatuses is null");
            requireNonNull(firstPollError, "firstPollError is null");
            requireNonNull(ackToVisibleMicros, "ackToVisibleMicros is null");
            requireNonNull(findingPollMicros, "findingPollMicros is null");
        }
    }
}
