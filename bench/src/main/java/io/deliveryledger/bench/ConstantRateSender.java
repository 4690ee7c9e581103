package io.deliveryledger.bench;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import static java.util.Objects.requireNonNull;

/**
 * Sends callbacks on a fixed {@link Schedule} (in the recorded part, callback i at its start + i / rate),
 * whatever the answers do: an open loop. Each latency is measured from the callback's intended send time,
 * not from when it went out, so a stall of the server (or of this sender) shows as the delay every
 * scheduled callback behind it saw, instead of as one slow request followed by requests that were simply
 * not sent (coordinated omission). The schedule's warm-up is sent the same way but not recorded.
 *
 * <p>The client may open up to {@code connections} keep-alive connections; a callback scheduled while
 * all of them are busy waits in the client's queue, which its latency includes, and it is counted.
 */
final class ConstantRateSender
{
    private static final String FORM = "application/x-www-form-urlencoded";

    private final HttpClient client;
    private final URI uri;
    private final List<SignedCallback> callbacks;
    private final Schedule schedule;
    private final int connections;
    private final Duration timeout;
    private final Optional<FreshnessProbe> probe;
    private final int sampleEvery;

    private final Histogram latencyMicros = new ConcurrentHistogram(TimeUnit.HOURS.toMicros(1), 3);
    // Written by the sending thread only.
    private final Histogram sendLagMicros = new Histogram(TimeUnit.HOURS.toMicros(1), 3);
    private final StatusCounts statuses = new StatusCounts();
    private final StatusCounts warmupStatuses = new StatusCounts();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong maxInFlight = new AtomicLong();
    private final AtomicLong lastAnswerNanos = new AtomicLong();
    private final LongAdder waitedForConnection = new LongAdder();
    private final AtomicReference<String> firstFailure = new AtomicReference<>("");

    ConstantRateSender(HttpClient client, URI uri, List<SignedCallback> callbacks, Schedule schedule, int connections, Duration timeout,
            Optional<FreshnessProbe> probe, int sampleEvery)
    {
        this.client = requireNonNull(client, "client is null");
        this.uri = requireNonNull(uri, "uri is null");
        this.callbacks = List.copyOf(callbacks);
        this.schedule = requireNonNull(schedule, "schedule is null");
        if (callbacks.size() < schedule.size()) {
            throw new IllegalArgumentException(callbacks.size() + " callbacks for a schedule of " + schedule.size());
        }
        if (connections <= 0 || sampleEvery <= 0) {
            throw new IllegalArgumentException("connections and sampleEvery must be positive");
        }
        this.connections = connections;
        this.timeout = requireNonNull(timeout, "timeout is null");
        this.probe = requireNonNull(probe, "probe is null");
        this.sampleEvery = sampleEvery;
    }

    SendOutcome run()
            throws InterruptedException
    {
        // A moment to spare before the first callback, so that the schedule does not start late.
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        // To place the recorded part on the wall clock, where the server's own logs are.
        long epochMillisAtZeroNanos = System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
        int warmupCount = schedule.warmupCount();
        long measuredStart = start + schedule.offsetNanos(warmupCount);
        GarbageCollections collectionsBefore = GarbageCollections.current();
        for (int index = 0; index < schedule.size(); index++) {
            long intended = start + schedule.offsetNanos(index);
            long now = System.nanoTime();
            // Parking, not spinning: the two cores are the server's too. Waking up late is recorded as
            // send lag, and the latency counts from the schedule all the same.
            while (now < intended) {
                LockSupport.parkNanos(intended - now);
                now = System.nanoTime();
            }
            if (index == warmupCount) {
                collectionsBefore = GarbageCollections.current();
            }
            boolean measured = index >= warmupCount;
            long waiting = inFlight.incrementAndGet();
            if (measured) {
                maxInFlight.accumulateAndGet(waiting, Math::max);
                sendLagMicros.recordValue(TimeUnit.NANOSECONDS.toMicros(now - intended));
                if (waiting > connections) {
                    waitedForConnection.increment();
                }
            }
            send(callbacks.get(index), intended, measured, measured && (index - warmupCount) % sampleEvery == 0);
        }
        long lastSend = System.nanoTime();
        long deadline = lastSend + timeout.plusSeconds(5).toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        GarbageCollections collections = GarbageCollections.current().minus(collectionsBefore);
        double sentSeconds = (lastSend - measuredStart) / 1e9;
        double answeredSeconds = (Math.max(lastAnswerNanos.get(), measuredStart) - measuredStart) / 1e9;
        long ok = statuses.count(status -> status >= 200 && status < 300);
        long failed = statuses.count(status -> status == StatusCounts.FAILED);
        return new SendOutcome(
                schedule.measuredCount(),
                sentSeconds > 0 ? schedule.measuredCount() / sentSeconds : 0,
                answeredSeconds > 0 ? ok / answeredSeconds : 0,
                statuses.total(),
                ok,
                statuses.total() - ok - failed,
                failed,
                statuses.describe(),
                warmupStatuses.describe(),
                epochMillisAtZeroNanos + TimeUnit.NANOSECONDS.toMillis(measuredStart),
                epochMillisAtZeroNanos + TimeUnit.NANOSECONDS.toMillis(Math.max(lastSend, lastAnswerNanos.get())),
                inFlight.get(),
                waitedForConnection.sum(),
                maxInFlight.get(),
                collections,
                firstFailure.get(),
                latencyMicros.copy(),
                sendLagMicros.copy());
    }

    private void send(SignedCallback callback, long intended, boolean measured, boolean sample)
    {
        client.newRequest(uri)
                .method(HttpMethod.POST)
                .headers(headers -> headers
                        .put(HttpHeader.ACCEPT, "*/*")
                        .put("X-Twilio-Signature", callback.signature())
                        .put("I-Twilio-Idempotency-Token", callback.idempotencyToken()))
                .body(new BytesRequestContent(FORM, callback.body()))
                .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .send(result -> answered(callback, intended, measured, sample, result));
    }

    private void answered(SignedCallback callback, long intended, boolean measured, boolean sample, Result result)
    {
        long now = System.nanoTime();
        inFlight.decrementAndGet();
        int status = result.isFailed() ? StatusCounts.FAILED : result.getResponse().getStatus();
        if (result.isFailed()) {
            firstFailure.compareAndSet("", result.getFailure().toString());
        }
        if (!measured) {
            warmupStatuses.count(status);
            return;
        }
        statuses.count(status);
        // Failures too, at the moment they were known: a timeout is a latency of at least the timeout.
        latencyMicros.recordValue(TimeUnit.NANOSECONDS.toMicros(now - intended));
        lastAnswerNanos.accumulateAndGet(now, Math::max);
        if (sample && status >= 200 && status < 300) {
            probe.ifPresent(freshness -> freshness.track(callback.messageSid(), now));
        }
    }

    /**
     * The measured part of a run: callbacks scheduled, the rate they were sent at and 2xx answers came
     * back at, answers by kind (ok, non-2xx, failed without an answer, and by status), callbacks still
     * unanswered when the wait ended, the recorded part's first scheduled send and last send or answer
     * (epoch milliseconds), callbacks that found every connection busy, the most in flight at
     * once, this JVM's garbage collections meanwhile, the first request that failed without an answer
     * (empty if none, warm-up included), and the histograms of latency (from the intended send time)
     * and send lag (how late this sender sent), in microseconds.
     */
    record SendOutcome(long scheduled, double sentPerSecond, double okPerSecond, long answered, long ok, long non2xx,
                       long failed, String statuses, String warmupStatuses, long recordedFromEpochMillis, long recordedToEpochMillis, long unanswered, long waitedForConnection, long maxInFlight,
                       GarbageCollections collections, String firstFailure, Histogram latencyMicros, Histogram sendLagMicros)
    {
        SendOutcome
        {
            requireNonNull(statuses, "statuses is null");
            requireNonNull(warmupStatuses, "warmupStatuses is null");
            requireNonNull(collections, "collections is null");
            requireNonNull(firstFailure, "firstFailure is null");
            requireNonNull(latencyMicros, "latencyMicros is null");
            requireNonNull(sendLagMicros, "sendLagMicros is null");
        }
    }

    /** This JVM's garbage collections so far (or between two readings): a pause here delays sends and answers alike. */
    record GarbageCollections(long count, long millis)
    {
        static GarbageCollections current()
        {
            long count = 0;
            long millis = 0;
            for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
                count += Math.max(0, collector.getCollectionCount());
                millis += Math.max(0, collector.getCollectionTime());
            }
            return new GarbageCollections(count, millis);
        }

        GarbageCollections minus(GarbageCollections earlier)
        {
            return new GarbageCollections(count - earlier.count, millis - earlier.millis);
        }
    }
}
