package io.deliveryledger.app;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.event.MessageStatus;
import io.deliveryledger.journal.Journal;
import io.deliveryledger.reconcile.LedgerStates;
import io.deliveryledger.reconcile.Reconciler;
import io.deliveryledger.reconcile.StalePolicy;
import io.deliveryledger.reconcile.TwilioApi;
import io.deliveryledger.reconcile.TwilioApiHttpClient;
import io.deliveryledger.schema.SchemaMigrator;
import io.deliveryledger.twilio.MessageResourceConverter;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reconciliation following Twilio's advice: fetch messages still pending {@code staleAfter} after
 * their last event, and once a day list yesterday's messages; politely (a request rate, a
 * concurrency limit, backoff on 429).
 */
public final class ReconcileFactory
{
    /** Run inside the server every {@code interval}; off, only the task and the command run it. */
    private boolean schedule = true;

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    private Duration interval = Duration.hours(1);

    @NotNull
    private Duration staleAfter = Duration.hours(12);

    /** Thresholds for single statuses, e.g. {@code scheduled: 7d} for messages scheduled days ahead. */
    @NotNull
    private Map<String, Duration> staleAfterByStatus = new LinkedHashMap<>();

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.HOURS)
    private Duration lookback = Duration.days(7);

    @Min(1)
    private int maxMessagesPerRun = 100_000;

    @Min(1)
    @Max(10_000)
    private int requestsPerSecond = 25;

    @Min(1)
    @Max(100)
    private int maxConcurrentRequests = 4;

    /** Attempts per request while Twilio answers 429 (or cannot be reached). */
    @Min(1)
    @Max(100)
    private int maxAttempts = 10;

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration initialBackoff = Duration.seconds(1);

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
    private Duration maxBackoff = Duration.minutes(1);

    @Min(1)
    @Max(1000)
    private int pageSize = 1000;

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    private Duration requestTimeout = Duration.seconds(30);

    /** How long a run waits for ClickHouse to confirm what it wrote before it moves on. */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    private Duration storeTimeout = Duration.minutes(5);

    public Reconciler build(TwilioFactory twilio, SchemaMigrator migrator, LedgerStates ledger, Journal journal, LedgerRecordCodec codec, Clock clock, MetricRegistry metrics)
    {
        TwilioApiHttpClient httpClient = new TwilioApiHttpClient(
                twilio.apiBaseUrl(),
                requestTimeout.toJavaDuration(),
                RateLimiter.of("twilio-api", RateLimiterConfig.custom()
                        .limitForPeriod(1)
                        .limitRefreshPeriod(java.time.Duration.ofNanos(TimeUnit.SECONDS.toNanos(1) / requestsPerSecond))
                        .timeoutDuration(java.time.Duration.ofDays(1))
                        .build()),
                Bulkhead.of("twilio-api", BulkheadConfig.custom()
                        .maxConcurrentCalls(maxConcurrentRequests)
                        .maxWaitDuration(java.time.Duration.ofDays(1))
                        .build()),
                maxAttempts,
                IntervalFunction.ofExponentialRandomBackoff(initialBackoff.toMilliseconds(), 2.0, 0.5, maxBackoff.toMilliseconds()),
                metrics);
        return new Reconciler(
                new TwilioApi(twilio.restApiTokens(), httpClient, pageSize),
                migrator,
                ledger,
                journal,
                codec,
                new MessageResourceConverter(),
                stalePolicy(),
                maxConcurrentRequests,
                storeTimeout.toJavaDuration(),
                clock);
    }

    public StalePolicy stalePolicy()
    {
        Map<MessageStatus, java.time.Duration> byStatus = new LinkedHashMap<>();
        staleAfterByStatus.forEach((status, threshold) -> byStatus.put(
                MessageStatus.fromWireName(status).orElseThrow(() -> new IllegalArgumentException("reconcile.staleAfterByStatus: unknown status '" + status + "'")),
                threshold.toJavaDuration()));
        return new StalePolicy(staleAfter.toJavaDuration(), byStatus, lookback.toJavaDuration(), maxMessagesPerRun);
    }

    public boolean isSchedule()
    {
        return schedule;
    }

    public java.time.Duration interval()
    {
        return interval.toJavaDuration();
    }

    @JsonProperty
    public void setSchedule(boolean schedule)
    {
        this.schedule = schedule;
    }

    @JsonProperty
    public void setInterval(Duration interval)
    {
        this.interval = interval;
    }

    @JsonProperty
    public void setStaleAfter(Duration staleAfter)
    {
        this.staleAfter = staleAfter;
    }

    @JsonProperty
    public void setStaleAfterByStatus(Map<String, Duration> staleAfterByStatus)
    {
        this.staleAfterByStatus = staleAfterByStatus;
    }

    /** Messages first seen longer ago are no longer fetched: one still sent then counts as "no receipt". */
    public java.time.Duration lookback()
    {
        return lookback.toJavaDuration();
    }

    @JsonProperty
    public void setLookback(Duration lookback)
    {
        this.lookback = lookback;
    }

    @JsonProperty
    public void setMaxMessagesPerRun(int maxMessagesPerRun)
    {
        this.maxMessagesPerRun = maxMessagesPerRun;
    }

    @JsonProperty
    public void setRequestsPerSecond(int requestsPerSecond)
    {
        this.requestsPerSecond = requestsPerSecond;
    }

    @JsonProperty
    public void setMaxConcurrentRequests(int maxConcurrentRequests)
    {
        this.maxConcurrentRequests = maxConcurrentRequests;
    }

    @JsonProperty
    public void setMaxAttempts(int maxAttempts)
    {
        this.maxAttempts = maxAttempts;
    }

    @JsonProperty
    public void setInitialBackoff(Duration initialBackoff)
    {
        this.initialBackoff = initialBackoff;
    }

    @JsonProperty
    public void setMaxBackoff(Duration maxBackoff)
    {
        this.maxBackoff = maxBackoff;
    }

    @JsonProperty
    public void setPageSize(int pageSize)
    {
        this.pageSize = pageSize;
    }

    @JsonProperty
    public void setRequestTimeout(Duration requestTimeout)
    {
        this.requestTimeout = requestTimeout;
    }

    @JsonProperty
    public void setStoreTimeout(Duration storeTimeout)
    {
        this.storeTimeout = storeTimeout;
    }
}
