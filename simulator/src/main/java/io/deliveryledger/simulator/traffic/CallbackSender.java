package io.deliveryledger.simulator.traffic;

import io.deliveryledger.simulator.Account;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * POSTs signed status callbacks to the target like Twilio: form-encoded, {@code X-Twilio-Signature}
 * over the target URL exactly as sent (query tags included), {@code I-Twilio-Idempotency-Token},
 * Twilio's timeouts (connect 5 s, response 15 s). A failed or non-2xx request is counted and logged,
 * never retried. Blocking: callers bound the concurrency by their thread count.
 */
public final class CallbackSender
{
    private static final Logger log = LoggerFactory.getLogger(CallbackSender.class);
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(15);

    private final URI target;
    private final HttpClient httpClient;
    private final TrafficCounters counters;
    private final Map<String, TwilioSignature> signatures;

    public CallbackSender(URI target, List<Account> accounts, TrafficCounters counters)
    {
        this.target = requireNonNull(target, "target is null");
        this.counters = requireNonNull(counters, "counters is null");
        this.signatures = requireNonNull(accounts, "accounts is null").stream()
                .collect(Collectors.toUnmodifiableMap(Account::sid, account -> new TwilioSignature(account.authToken())));
        this.httpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public void send(PlannedMessage message, StatusStep step)
    {
        CallbackFaults faults = step.faults().orElseThrow(() -> new IllegalArgumentException("The initial status has no callback"));
        Map<String, String> parameters = StatusCallbacks.parameters(message, step);
        String url = target.toString();
        HttpRequest request = HttpRequest.newBuilder(target)
                .timeout(RESPONSE_TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .header("X-Twilio-Signature", signatures.get(message.account().sid()).sign(url, parameters))
                .header("I-Twilio-Idempotency-Token", faults.idempotencyToken())
                .header("User-Agent", "TwilioProxy/1.1")
                .POST(HttpRequest.BodyPublishers.ofString(form(parameters), StandardCharsets.UTF_8))
                .build();
        post(request, message, step);
    }

    private void post(HttpRequest request, PlannedMessage message, StatusStep step)
    {
        try {
            HttpResponse<String> response = httpClient.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                counters.targetErrors.increment();
                log.warn("Target answered {} to the {} callback of {}: {}", response.statusCode(), step.status().wireName(), message.sid(),
                        abbreviate(response.body()));
            }
        }
        catch (IOException e) {
            counters.targetErrors.increment();
            log.warn("Cannot send the {} callback of {} to {}: {}", step.status().wireName(), message.sid(), target, e.toString());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            counters.targetErrors.increment();
        }
    }

    private static String form(Map<String, String> parameters)
    {
        return parameters.entrySet().stream()
                .map(entry -> URLEncoder.encode(entry.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(entry.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private static String abbreviate(String text)
    {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
