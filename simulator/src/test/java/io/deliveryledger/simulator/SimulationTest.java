package io.deliveryledger.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.simulator.testing.CallbackReceiver;
import io.deliveryledger.simulator.testing.CallbackReceiver.ReceivedCallback;
import io.deliveryledger.simulator.truth.TruthFile;
import io.deliveryledger.simulator.truth.TruthRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

final class SimulationTest
{
    private static final String ACCOUNT = "AC" + "c".repeat(32);
    private static final String OTHER_ACCOUNT = "AC" + "d".repeat(32);
    private static final Map<String, String> TOKENS = Map.of(ACCOUNT, "token-c", OTHER_ACCOUNT, "token-d");
    private static final int MESSAGES = 400;
    // Status precedence (twilio-facts.md): a later lifecycle status never ranks lower.
    private static final List<String> PRECEDENCE = List.of("accepted", "scheduled", "queued", "sent", "failed", "delivered", "undelivered", "canceled", "read");

    private final ObjectMapper objectMapper = new ObjectMapper();

    @Test
    void callbacksAreSignedFollowTheLifecycleAndMatchTheTruthAndReport(@TempDir Path directory)
            throws Exception
    {
        Path truthPath = directory.resolve("truth.jsonl");
        try (CallbackReceiver receiver = new CallbackReceiver(TOKENS, 500)) {
            URI target = receiver.url("/twilio/status?campaign=spring%20sale&customer=42");
            SimulationSettings settings = settings(target)
                    .drop(0.1)
                    .duplicate(0.1)
                    .reorder(0.3)
                    .truthFile(truthPath)
                    .register(receiver.url("/register"), 0.5, Optional.of("registration-token"))
                    .build();
            SimulationReport report;
            try (Simulation simulation = Simulation.start(settings)) {
                report = simulation.awaitTraffic(Duration.ofMinutes(1));
                assertThat(simulation.apiBaseUrl().toString()).matches("http://127\\.0\\.0\\.1:\\d+");
                fetchEveryTruthMessage(simulation, TruthFile.read(truthPath));
                assertThat(simulation.apiStatistics().fetches()).isEqualTo(MESSAGES);
            }
            List<ReceivedCallback> callbacks = receiver.callbacks();

            assertThat(callbacks).allSatisfy(callback -> {
                assertThat(callback.validSignature()).as("signature of %s", callback.form()).isTrue();
                assertThat(callback.url()).isEqualTo(target.toString());
                assertThat(callback.contentType()).startsWith("application/x-www-form-urlencoded");
                assertThat(callback.idempotencyToken()).isPresent();
            });
            assertThat(report.messagesCreated()).isEqualTo(MESSAGES);
            assertThat(report.requestsSent()).isEqualTo(callbacks.size());
            assertThat(report.targetErrors()).isZero();
            assertThat(report.callbacksDropped()).isPositive();
            assertThat(report.callbacksReordered()).isPositive();

            Map<String, List<ReceivedCallback>> byToken = callbacks.stream().collect(Collectors.groupingBy(callback -> callback.idempotencyToken().orElseThrow()));
            assertThat(byToken.values()).allSatisfy(copies -> {
                assertThat(copies).hasSizeBetween(1, 2);
                assertThat(copies).extracting(ReceivedCallback::form).containsOnly(copies.get(0).form());
            });
            assertThat(byToken.values().stream().filter(copies -> copies.size() == 2).count()).isEqualTo(report.callbacksDuplicated()).isPositive();
            assertThat(byToken).hasSize((int) report.callbacksSent());

            List<TruthRecord> truth = TruthFile.read(truthPath);
            assertThat(truth).hasSize(MESSAGES);
            Map<String, List<ReceivedCallback>> byMessage = byToken.values().stream().map(copies -> copies.get(0))
                    .collect(Collectors.groupingBy(ReceivedCallback::messageSid));
            int outOfOrder = 0;
            for (TruthRecord record : truth) {
                List<ReceivedCallback> received = callbacks.stream().filter(callback -> callback.messageSid().equals(record.sid()))
                        .filter(distinctTokens()).toList();
                assertThat(byMessage.getOrDefault(record.sid(), List.of())).hasSameSizeAs(received);
                checkLifecycle(record, received);
                List<Integer> ranks = received.stream().map(callback -> PRECEDENCE.indexOf(callback.status())).toList();
                if (!ranks.equals(ranks.stream().sorted().toList())) {
                    outOfOrder++;
                }
            }
            assertThat(outOfOrder).as("messages whose callbacks arrived out of order").isPositive().isLessThanOrEqualTo((int) report.callbacksReordered());

            List<JsonNode> registered = new ArrayList<>();
            for (CallbackReceiver.ReceivedRegistration registration : receiver.registrations()) {
                assertThat(registration.authorization()).hasValue("Bearer registration-token");
                JsonNode batch = objectMapper.readTree(registration.body());
                assertThat(batch.isArray()).isTrue();
                batch.forEach(registered::add);
            }
            assertThat(registered).hasSize((int) report.messagesRegistered());
            assertThat((double) registered.size() / MESSAGES).isBetween(0.4, 0.6);
            assertThat(registered).allSatisfy(message -> assertThat(message.get("status").asText()).isIn("accepted", "queued", "scheduled"));
        }
    }

    @Test
    void withoutFaultsEveryCallbackArrivesInOrder(@TempDir Path directory)
            throws Exception
    {
        try (CallbackReceiver receiver = new CallbackReceiver(TOKENS, 500)) {
            SimulationSettings settings = settings(receiver.url("/twilio/status")).truthFile(directory.resolve("truth.jsonl")).build();
            SimulationReport report;
            try (Simulation simulation = Simulation.start(settings)) {
                report = simulation.awaitTraffic(Duration.ofMinutes(1));
            }
            assertThat(report.callbacksDropped() + report.callbacksDuplicated() + report.callbacksReordered()).isZero();
            List<ReceivedCallback> callbacks = receiver.callbacks();
            assertThat(callbacks).hasSize((int) report.callbacksSent());
            for (TruthRecord record : TruthFile.read(directory.resolve("truth.jsonl"))) {
                List<ReceivedCallback> received = callbacks.stream().filter(callback -> callback.messageSid().equals(record.sid())).toList();
                assertThat(received).isNotEmpty();
                assertThat(received.get(received.size() - 1).status()).isEqualTo(record.status());
                List<Integer> ranks = received.stream().map(callback -> PRECEDENCE.indexOf(callback.status())).toList();
                assertThat(ranks).isSorted();
                checkLifecycle(record, received);
            }
        }
    }

    @Test
    void nonSuccessAnswersAreCountedAndNotRetried()
    {
        try (CallbackReceiver receiver = new CallbackReceiver(TOKENS, 503)) {
            SimulationSettings settings = settings(receiver.url("/fail/status")).messages(50)
                    .register(receiver.url("/fail/register"), 1.0, Optional.empty())
                    .build();
            SimulationReport report;
            try (Simulation simulation = Simulation.start(settings)) {
                report = simulation.awaitTraffic(Duration.ofMinutes(1));
            }
            assertThat(report.targetErrors()).isEqualTo(report.callbacksSent()).isPositive();
            assertThat(receiver.callbacks()).hasSize((int) report.callbacksSent());
            assertThat(report.registrationErrors()).isEqualTo(50);
            assertThat(report.messagesRegistered()).isZero();
            assertThat(receiver.registrations()).isNotEmpty().allSatisfy(registration -> assertThat(registration.authorization()).isEmpty());
        }
    }

    private static Predicate<ReceivedCallback> distinctTokens()
    {
        Set<String> seen = new HashSet<>();
        return callback -> seen.add(callback.idempotencyToken().orElseThrow());
    }

    private static void checkLifecycle(TruthRecord record, List<ReceivedCallback> received)
    {
        List<String> statuses = received.stream().map(ReceivedCallback::status).toList();
        assertThat(statuses).doesNotContain("accepted", "scheduled").doesNotHaveDuplicates();
        for (ReceivedCallback callback : received) {
            Map<String, String> form = callback.form();
            assertThat(form.get("SmsSid")).isEqualTo(form.get("MessageSid"));
            assertThat(form.get("SmsStatus")).isEqualTo(form.get("MessageStatus"));
            assertThat(form.get("AccountSid")).isEqualTo(record.accountSid());
            assertThat(form.get("ApiVersion")).isEqualTo("2010-04-01");
            assertThat(form.containsKey("ErrorCode")).isEqualTo(callback.status().equals("failed") || callback.status().equals("undelivered"));
            if (!form.containsKey("MessagingServiceSid")) {
                assertThat(callback.status()).as("queued is the initial status without a Messaging Service").isNotEqualTo("queued");
            }
            boolean whatsapp = form.get("To").startsWith("whatsapp:");
            assertThat(form.get("From").startsWith("whatsapp:")).isEqualTo(whatsapp);
            assertThat("whatsapp".equals(form.get("ChannelPrefix"))).isEqualTo(whatsapp);
            if (callback.status().equals("read")) {
                assertThat(whatsapp).isTrue();
                assertThat(form.get("EventType")).isEqualTo("READ");
            }
            if (!whatsapp && (callback.status().equals("delivered") || callback.status().equals("undelivered"))) {
                assertThat(form.get("RawDlrDoneDate")).matches("\\d{10}");
            }
        }
        if (statuses.contains("failed")) {
            assertThat(statuses).doesNotContain("sent", "delivered", "undelivered", "read");
        }
        if (statuses.contains("canceled")) {
            assertThat(statuses).containsExactly("canceled");
        }
        // The truth is the highest status in precedence; received callbacks never outrank it.
        assertThat(received).allSatisfy(callback -> assertThat(PRECEDENCE.indexOf(callback.status())).isLessThanOrEqualTo(PRECEDENCE.indexOf(record.status())));
        if (record.status().equals("failed") || record.status().equals("undelivered")) {
            assertThat(record.errorCode()).isPresent();
            received.stream().filter(callback -> callback.status().equals(record.status()))
                    .forEach(callback -> assertThat(callback.form().get("ErrorCode")).isEqualTo(String.valueOf(record.errorCode().orElseThrow())));
        }
        else {
            assertThat(record.errorCode()).isEmpty();
        }
    }

    private void fetchEveryTruthMessage(Simulation simulation, List<TruthRecord> truth)
            throws Exception
    {
        HttpClient httpClient = HttpClient.newHttpClient();
        for (TruthRecord record : truth) {
            String credentials = Base64.getEncoder().encodeToString((record.accountSid() + ":" + TOKENS.get(record.accountSid())).getBytes(StandardCharsets.UTF_8));
            HttpRequest request = HttpRequest.newBuilder(simulation.apiBaseUrl().resolve("/2010-04-01/Accounts/%s/Messages/%s.json".formatted(record.accountSid(), record.sid())))
                    .header("Authorization", "Basic " + credentials)
                    .build();
            HttpResponse<String> response = httpClient.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode message = objectMapper.readTree(response.body());
            assertThat(message.get("status").asText()).isEqualTo(record.status());
            assertThat(message.get("error_code").isNull() ? Optional.empty() : Optional.of(message.get("error_code").asInt())).isEqualTo(record.errorCode());
        }
    }

    private static SimulationSettings.Builder settings(URI target)
    {
        return SimulationSettings.builder()
                .target(target)
                .account(ACCOUNT, TOKENS.get(ACCOUNT))
                .account(OTHER_ACCOUNT, TOKENS.get(OTHER_ACCOUNT))
                .messages(MESSAGES)
                .rate(500)
                .stepDelay(Duration.ofMillis(5), Duration.ofMillis(40))
                .seed(99);
    }
}
