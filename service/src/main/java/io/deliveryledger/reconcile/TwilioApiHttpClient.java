package io.deliveryledger.reconcile;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.twilio.exception.ApiException;
import com.twilio.http.HttpClient;
import com.twilio.http.HttpMethod;
import com.twilio.http.Request;
import com.twilio.http.Response;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

import static java.util.Objects.requireNonNull;

/**
 * The HTTP client twilio-java uses for reconciliation. twilio-java builds every URL on
 * {@code https://api.twilio.com} (next-page URLs included) and retries only 5xx answers; this client
 * sends each request to the configured API base URL instead, under a request rate and a concurrency
 * limit, and waits out {@code 429 Too Many Requests} with exponential backoff and jitter, never less
 * than the answer's {@code Retry-After}.
 */
public final class TwilioApiHttpClient
        extends HttpClient
{
    private static final Logger log = LoggerFactory.getLogger(TwilioApiHttpClient.class);
    private static final int TOO_MANY_REQUESTS = 429;

    private final URI baseUrl;
    private final java.net.http.HttpClient http;
    private final Duration requestTimeout;
    private final RateLimiter rateLimiter;
    private final Bulkhead bulkhead;
    private final Retry retry;
    private final LongAdder calls = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    private final Meter callsMeter;
    private final Meter rateLimitedMeter;

    public TwilioApiHttpClient(URI baseUrl, Duration requestTimeout, RateLimiter rateLimiter, Bulkhead bulkhead, int maxAttempts, IntervalFunction backoff, MetricRegistry metrics)
    {
        this.baseUrl = requireNonNull(baseUrl, "baseUrl is null");
        this.requestTimeout = requireNonNull(requestTimeout, "requestTimeout is null");
        this.rateLimiter = requireNonNull(rateLimiter, "rateLimiter is null");
        this.bulkhead = requireNonNull(bulkhead, "bulkhead is null");
        requireNonNull(backoff, "backoff is null");
        this.http = java.net.http.HttpClient.newBuilder()
                .connectTimeout(requestTimeout)
                .followRedirects(java.net.http.HttpClient.Redirect.NEVER)
                .build();
        this.retry = Retry.of("twilio-api", RetryConfig.<Response>custom()
                .maxAttempts(maxAttempts)
                .retryOnResult(response -> response.getStatusCode() == TOO_MANY_REQUESTS)
                .retryExceptions(ApiException.class)
                .intervalBiFunction((attempt, outcome) -> {
                    long backoffMillis = backoff.apply(attempt);
                    if (outcome.isRight()) {
                        return Math.max(backoffMillis, retryAfterMillis(outcome.get()));
                    }
                    return backoffMillis;
                })
                .build());
        this.callsMeter = metrics.meter("reconcile.api.calls");
        this.rateLimitedMeter = metrics.meter("reconcile.api.rate-limited");
    }

    @Override
    public Response makeRequest(Request request)
    {
        if (request.getMethod() != HttpMethod.GET) {
            // Reconciliation only reads; a write to Twilio from here would be a bug, not a retry candidate.
            throw new IllegalArgumentException("Delivery Ledger only reads from Twilio's API; refusing " + request.getMethod() + " " + request.getUrl());
        }
        HttpRequest outgoing = outgoing(request);
        Response response = retry.executeSupplier(() -> send(outgoing));
        if (response.getStatusCode() == TOO_MANY_REQUESTS) {
            log.warn("Twilio API still answers 429 after {} attempts: {}", retry.getRetryConfig().getMaxAttempts(), outgoing.uri());
        }
        return response;
    }

    /** Requests sent so far, retries included. */
    public long calls()
    {
        return calls.sum();
    }

    /** Answers {@code 429 Too Many Requests} received so far. */
    public long rateLimited()
    {
        return rateLimited.sum();
    }

    private HttpRequest outgoing(Request request)
    {
        URL twilioUrl = request.constructURL();
        String query = twilioUrl.getQuery() == null ? "" : "?" + twilioUrl.getQuery();
        String base = baseUrl.toString().endsWith("/") ? baseUrl.toString().substring(0, baseUrl.toString().length() - 1) : baseUrl.toString();
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + twilioUrl.getPath() + query))
                .timeout(requestTimeout)
                .header("Accept", "application/json")
                .header("User-Agent", "delivery-ledger (twilio-java)")
                .GET();
        if (request.requiresAuthentication()) {
            builder.header("Authorization", request.getAuthString());
        }
        for (Map.Entry<String, List<String>> header : request.getHeaderParams().entrySet()) {
            header.getValue().forEach(value -> builder.header(header.getKey(), value));
        }
        return builder.build();
    }

    private Response send(HttpRequest outgoing)
    {
        return bulkhead.executeSupplier(() -> {
            RateLimiter.waitForPermission(rateLimiter);
            calls.increment();
            callsMeter.mark();
            HttpResponse<String> answer;
            try {
                answer = http.send(outgoing, HttpResponse.BodyHandlers.ofString());
            }
            catch (IOException e) {
                throw new ApiException("Cannot reach the Twilio API at " + outgoing.uri() + ": " + e, e);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException("Interrupted while calling " + outgoing.uri(), e);
            }
            if (answer.statusCode() == TOO_MANY_REQUESTS) {
                rateLimited.increment();
                rateLimitedMeter.mark();
            }
            Header[] headers = answer.headers().map().entrySet().stream()
                    .flatMap(header -> header.getValue().stream().map(value -> new BasicHeader(header.getKey(), value)))
                    .toArray(Header[]::new);
            return new Response(answer.body(), answer.statusCode(), headers);
        });
    }

    private static long retryAfterMillis(Response response)
    {
        return Optional.ofNullable(response.getHeaders())
                .flatMap(headers -> Arrays.stream(headers)
                        .filter(header -> header.getName().equalsIgnoreCase("Retry-After"))
                        .findFirst())
                .map(header -> parseSeconds(header.getValue()))
                .orElse(0L);
    }

    private static long parseSeconds(String value)
    {
        try {
            return Math.max(0, Long.parseLong(value.strip())) * 1000;
        }
        catch (NumberFormatException e) {
            // An HTTP date instead of seconds: rare from Twilio; the exponential backoff still applies.
            return 0;
        }
    }
}
