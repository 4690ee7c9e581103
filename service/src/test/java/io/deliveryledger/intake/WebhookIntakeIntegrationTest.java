package io.deliveryledger.intake;

import io.deliveryledger.testing.StatusCallbacks;
import io.deliveryledger.testing.TestingLedger;
import io.deliveryledger.testing.TestingLedgerExtension;
import io.deliveryledger.testing.WebhookClient;
import io.dropwizard.testing.ConfigOverride;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

import static io.deliveryledger.testing.TestingLedger.FIRST_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.FIRST_TOKEN;
import static io.deliveryledger.testing.TestingLedger.SECOND_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.SECOND_NEW_TOKEN;
import static io.deliveryledger.testing.TestingLedger.SECOND_OLD_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Real HTTP with real signatures into the running service, checked in a real ClickHouse engine. */
final class WebhookIntakeIntegrationTest
{
    @RegisterExtension
    static final TestingLedgerExtension LEDGER = new TestingLedgerExtension();

    private static TestingLedger ledger;
    private static WebhookClient client;

    @BeforeAll
    static void start()
            throws Exception
    {
        ledger = LEDGER.ledger();
        client = ledger.client();
    }

    @Test
    void signedCallbackIsStoredWithUnknownParametersAndTags()
            throws Exception
    {
        String sid = StatusCallbacks.messageSid();
        String service = StatusCallbacks.messagingServiceSid();
        Map<String, String> callback = new HashMap<>(StatusCallbacks.callback(FIRST_ACCOUNT, sid, "sent"));
        callback.put("MessagingServiceSid", service);
        callback.put("ChannelPrefix", "sms");
        callback.put("BrandNewTwilioParameter", "surprise");
        Instant before = Instant.now();

        HttpResponse<String> response = client.post("/twilio/status?campaign=spring&customer=42", callback, FIRST_TOKEN, Optional.of("idem-1"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
        ledger.awaitStored(sid);
        Map<String, Object> event = ledger.clickhouse().withHandle(handle -> handle.createQuery("""
                        SELECT status, status_rank, source, direction, account_sid, messaging_service_sid, from_address, to_address,
                               idempotency_token, tags['campaign'] AS campaign, tags['customer'] AS customer,
                               parameters['BrandNewTwilioParameter'] AS unknown, length(parameters) AS parameter_count, received_at
                        FROM status_events WHERE message_sid = :sid""")
                .bind("sid", sid).mapToMap().one());
        assertThat(event).containsEntry("status", "sent")
                .containsEntry("source", "callback")
                .containsEntry("direction", "outbound")
                .containsEntry("account_sid", FIRST_ACCOUNT)
                .containsEntry("messaging_service_sid", service)
                .containsEntry("from_address", "+15017122661")
                .containsEntry("to_address", "+15558675310")
                .containsEntry("idempotency_token", "idem-1")
                .containsEntry("campaign", "spring")
                .containsEntry("customer", "42")
                .containsEntry("unknown", "surprise");
        assertThat(((Number) event.get("parameter_count")).intValue()).isEqualTo(callback.size());

        Map<String, Object> state = messageStatus(sid);
        assertThat(state).containsEntry("status", "sent")
                .containsEntry("account_sid", FIRST_ACCOUNT)
                .containsEntry("messaging_service_sid", service);
        assertThat(state).containsEntry("sources", "callback");
        assertThat(((Number) state.get("event_count")).longValue()).isEqualTo(1);
        assertThat(((Number) state.get("first_event_at")).longValue()).isBetween(before.toEpochMilli(), Instant.now().toEpochMilli());
    }

    @Test
    void textFromEveryUnicodePlaneIsStoredExactly()
            throws Exception
    {
        String sid = StatusCallbacks.messageSid();
        String tag = "\uD83D\uDE80launch \u00e9\u4e2d\uD840\uDC00";
        Map<String, String> callback = new HashMap<>(StatusCallbacks.callback(FIRST_ACCOUNT, sid, "sent"));
        callback.put("BrandNewTwilioParameter", "\uD83D\uDE00 \u0000\u001f \uFFFD \uDBFF\uDFFF");

        String tagName = "\uD83D\uDE80campaign";
        HttpResponse<String> response = client.post("/twilio/status?" + WebhookClient.form(Map.of(tagName, tag)), callback, FIRST_TOKEN, Optional.empty());

        assertThat(response.statusCode()).isEqualTo(200);
        ledger.awaitStored(sid);
        Map<String, Object> event = ledger.clickhouse().withHandle(handle -> handle.createQuery(
                        "SELECT tags[:tagName] AS campaign, parameters['BrandNewTwilioParameter'] AS unknown FROM status_events WHERE message_sid = :sid")
                .bind("sid", sid).bind("tagName", tagName).mapToMap().one());
        assertThat(event).containsEntry("campaign", tag).containsEntry("unknown", callback.get("BrandNewTwilioParameter"));
    }

    @Test
    void currentStatusFollowsPrecedenceNotArrivalOrder()
            throws Exception
    {
        String sid = StatusCallbacks.messageSid();
        for (String status : List.of("delivered", "sent", "queued")) {
            assertThat(client.post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, sid, status), FIRST_TOKEN, Optional.empty()).statusCode()).isEqualTo(200);
        }
        String sentinel = sendSentinel();
        ledger.awaitStored(sentinel);

        Map<String, Object> state = messageStatus(sid);
        assertThat(state).containsEntry("status", "delivered");
        assertThat(((Number) state.get("event_count")).longValue()).isEqualTo(3);
        assertThat(((Number) state.get("last_event_at")).longValue()).isGreaterThan(((Number) state.get("first_event_at")).longValue());
    }

    @Test
    void duplicatesAndTwilioRetriesAreStoredOnce()
            throws Exception
    {
        String duplicated = StatusCallbacks.messageSid();
        String retried = StatusCallbacks.messageSid();
        Map<String, String> duplicate = StatusCallbacks.callback(FIRST_ACCOUNT, duplicated, "delivered");
        Map<String, String> retry = StatusCallbacks.callback(FIRST_ACCOUNT, retried, "undelivered");

        // Twice in quick succession (likely one batch), then again after the first copies are stored.
        assertThat(client.post("/twilio/status", duplicate, FIRST_TOKEN, Optional.empty()).statusCode()).isEqualTo(200);
        assertThat(client.post("/twilio/status", duplicate, FIRST_TOKEN, Optional.empty()).statusCode()).isEqualTo(200);
        assertThat(client.post("/twilio/status", retry, FIRST_TOKEN, Optional.of("retry-token")).statusCode()).isEqualTo(200);
        ledger.awaitStored(retried);
        assertThat(client.post("/twilio/status", duplicate, FIRST_TOKEN, Optional.empty()).statusCode()).isEqualTo(200);
        assertThat(client.post("/twilio/status", retry, FIRST_TOKEN, Optional.of("retry-token")).statusCode()).isEqualTo(200);
        ledger.awaitStored(sendSentinel());

        for (String sid : List.of(duplicated, retried)) {
            assertThat(ledger.count("SELECT count() FROM status_events WHERE message_sid = :sid", Map.of("sid", sid))).as(sid).isEqualTo(1);
            assertThat(((Number) messageStatus(sid).get("event_count")).longValue()).isEqualTo(1);
        }
    }

    @Test
    void wrongOrMissingSignatureIsForbiddenAndNotStored()
            throws Exception
    {
        String sid = StatusCallbacks.messageSid();
        Map<String, String> callback = StatusCallbacks.callback(FIRST_ACCOUNT, sid, "sent");

        HttpResponse<String> wrongToken = client.post("/twilio/status", callback, "not-the-token", Optional.empty());
        assertThat(wrongToken.statusCode()).isEqualTo(403);
        assertThat(wrongToken.body()).contains("X-Twilio-Signature does not match");
        // Signed for another URL: the tags are part of what Twilio signs.
        String otherUrlSignature = new io.deliveryledger.testing.TwilioSigner(FIRST_TOKEN).sign("http://localhost/twilio/status?campaign=a", callback);
        assertThat(client.postSigned("/twilio/status?campaign=b", callback, otherUrlSignature, Optional.empty()).statusCode()).isEqualTo(403);
        HttpResponse<String> missing = client.postSigned("/twilio/status", callback, "", Optional.empty());
        assertThat(missing.statusCode()).isEqualTo(403);
        assertThat(missing.body()).contains("Missing X-Twilio-Signature");
        Map<String, String> unknownAccount = StatusCallbacks.callback("AC" + "9".repeat(32), sid, "sent");
        assertThat(client.post("/twilio/status", unknownAccount, FIRST_TOKEN, Optional.empty()).body()).contains("No auth token is configured for AccountSid");

        ledger.awaitStored(sendSentinel());
        assertThat(ledger.count("SELECT count() FROM status_events WHERE message_sid = :sid", Map.of("sid", sid))).isZero();
        assertThat(ledger.count("SELECT count() FROM rejected_requests WHERE message_sid = :sid", Map.of("sid", sid))).isZero();
        assertThat(metric("intake.forbidden.invalid")).isGreaterThanOrEqualTo(2);
        assertThat(metric("intake.forbidden.missing")).isGreaterThanOrEqualTo(1);
        // Counted per minute in ClickHouse (written every 10 s) for the signature-failure alert.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            assertThat(forbidden("invalid")).isGreaterThanOrEqualTo(2);
            assertThat(forbidden("missing")).isGreaterThanOrEqualTo(1);
            assertThat(forbidden("unknown-account")).isGreaterThanOrEqualTo(1);
        });
    }

    private static long forbidden(String reason)
    {
        return ledger.count("SELECT sum(requests) FROM forbidden_requests WHERE endpoint = '/twilio/status' AND reason = :reason AND minute >= now() - INTERVAL 10 MINUTE", Map.of("reason", reason));
    }

    @Test
    void signedButMalformedCallbacksAreRefusedAndRecorded()
            throws Exception
    {
        String badSid = "SM-not-a-sid-" + System.nanoTime();
        String unknownStatusSid = StatusCallbacks.messageSid();
        String badErrorSid = StatusCallbacks.messageSid();
        Map<String, String> badSidCallback = new HashMap<>(StatusCallbacks.callback(FIRST_ACCOUNT, badSid, "sent"));
        Map<String, String> unknownStatus = new HashMap<>(StatusCallbacks.callback(FIRST_ACCOUNT, unknownStatusSid, "sent"));
        unknownStatus.put("MessageStatus", "teleported");
        Map<String, String> badErrorCode = new HashMap<>(StatusCallbacks.callback(FIRST_ACCOUNT, badErrorSid, "failed"));
        badErrorCode.put("ErrorCode", "30003x");

        HttpResponse<String> first = client.post("/twilio/status", badSidCallback, FIRST_TOKEN, Optional.empty());
        HttpResponse<String> second = client.post("/twilio/status", unknownStatus, FIRST_TOKEN, Optional.empty());
        HttpResponse<String> third = client.post("/twilio/status", badErrorCode, FIRST_TOKEN, Optional.empty());

        assertThat(first.statusCode()).isEqualTo(400);
        assertThat(first.body()).contains("Parameter 'MessageSid' must be SM or MM followed by 32 hex digits");
        assertThat(second.statusCode()).isEqualTo(400);
        assertThat(second.body()).contains("Parameter 'MessageStatus' has unknown value 'teleported'");
        assertThat(third.statusCode()).isEqualTo(400);
        assertThat(third.body()).contains("Parameter 'ErrorCode' must be a number");

        ledger.awaitStored(sendSentinel());
        assertThat(rejectedReason(badSid)).isEqualTo("invalid_message_sid");
        assertThat(rejectedReason(unknownStatusSid)).isEqualTo("unknown_status");
        assertThat(rejectedReason(badErrorSid)).isEqualTo("invalid_error_code");
        assertThat(ledger.count("SELECT count() FROM status_events WHERE message_sid IN (:a, :b, :c)", Map.of("a", badSid, "b", unknownStatusSid, "c", badErrorSid))).isZero();
    }

    @Test
    void everyConfiguredAccountAndRotatedTokenIsAccepted()
            throws Exception
    {
        String oldTokenSid = StatusCallbacks.messageSid();
        String newTokenSid = StatusCallbacks.messageSid();
        assertThat(client.post("/twilio/status", StatusCallbacks.callback(SECOND_ACCOUNT, oldTokenSid, "sent"), SECOND_OLD_TOKEN, Optional.empty()).statusCode()).isEqualTo(200);
        assertThat(client.post("/twilio/status", StatusCallbacks.callback(SECOND_ACCOUNT, newTokenSid, "sent"), SECOND_NEW_TOKEN, Optional.empty()).statusCode()).isEqualTo(200);
        // The first account's token does not sign for the second account.
        assertThat(client.post("/twilio/status", StatusCallbacks.callback(SECOND_ACCOUNT, newTokenSid, "delivered"), FIRST_TOKEN, Optional.empty()).statusCode()).isEqualTo(403);
        ledger.awaitStored(newTokenSid);
        assertThat(messageStatus(oldTokenSid)).containsEntry("account_sid", SECOND_ACCOUNT).containsEntry("status", "sent");
        assertThat(messageStatus(newTokenSid)).containsEntry("status", "sent");
    }

    @Test
    void inboundMessagesByPostAndGetAnswerEmptyTwimlAndAreRecordedWithoutTheirText()
            throws Exception
    {
        String postSid = StatusCallbacks.messageSid();
        String getSid = StatusCallbacks.messageSid();
        HttpResponse<String> post = client.post("/twilio/inbound", inbound(postSid), FIRST_TOKEN, Optional.empty());
        HttpResponse<String> get = client.get("/twilio/inbound", inbound(getSid), FIRST_TOKEN);

        for (HttpResponse<String> response : List.of(post, get)) {
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/xml"));
            assertThat(response.body()).contains("<Response/>");
        }
        ledger.awaitStored(getSid);
        for (String sid : List.of(postSid, getSid)) {
            assertThat(messageStatus(sid)).containsEntry("status", "received").containsEntry("direction", "inbound");
            assertThat(ledger.count("SELECT count() FROM status_events WHERE message_sid = :sid AND parameters['NumSegments'] = '1' AND source = 'inbound'", Map.of("sid", sid))).isEqualTo(1);
            assertThat(ledger.count("SELECT count() FROM status_events WHERE message_sid = :sid AND mapContains(parameters, 'Body')", Map.of("sid", sid)))
                    .as("a message's text is not stored unless twilio.storeInboundBody is on").isZero();
        }
        // Nor is it in a rejected request, even where a GET carries it in the URL.
        Map<String, String> invalid = inbound("not-a-message-sid");
        assertThat(client.get("/twilio/inbound", invalid, FIRST_TOKEN).statusCode()).isEqualTo(400);
        await().atMost(Duration.ofSeconds(30)).until(() -> ledger.count("SELECT count() FROM rejected_requests WHERE message_sid = 'not-a-message-sid'", Map.of()) == 1);
        assertThat(ledger.count("SELECT count() FROM rejected_requests WHERE message_sid = 'not-a-message-sid' AND (mapContains(parameters, 'Body') OR url LIKE '%Body=%' OR url LIKE '%handset%')", Map.of())).isZero();
        assertThat(ledger.count("SELECT count() FROM rejected_requests WHERE message_sid = 'not-a-message-sid' AND url LIKE '%NumSegments=1%'", Map.of())).isEqualTo(1);
    }

    @Test
    void requestsThatAreNotWebhooksGetSpecificErrors()
            throws Exception
    {
        String base = "http://localhost:" + ledger.port();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> json = http.send(HttpRequest.newBuilder(URI.create(base + "/twilio/status"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(json.statusCode()).isEqualTo(415);
        assertThat(json.body()).contains("Content-Type must be application/x-www-form-urlencoded");
        HttpResponse<String> huge = http.send(HttpRequest.newBuilder(URI.create(base + "/twilio/status"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("Body=" + "x".repeat(100_000))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(huge.statusCode()).isEqualTo(413);
        // Answered unread: the connection is closed, and the answer says so (the next request here would otherwise be sent on it).
        assertThat(huge.headers().firstValue("Connection")).hasValue("close");
        // Without Content-Length (chunked), the limit applies while reading.
        HttpResponse<String> hugeChunked = http.send(HttpRequest.newBuilder(URI.create(base + "/twilio/status"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(("Body=" + "x".repeat(100_000)).getBytes(StandardCharsets.US_ASCII)))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(hugeChunked.statusCode()).isEqualTo(400);
        assertThat(hugeChunked.body()).contains("Request body could not be read (at most 65536 bytes)");
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(base + "/twilio/status")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        assertThat(get.body()).contains("Status callbacks are POSTed, not GET");
        HttpResponse<String> delete = http.send(HttpRequest.newBuilder(URI.create(base + "/twilio/inbound")).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(delete.statusCode()).isEqualTo(405);
        assertThat(delete.headers().firstValue("Allow")).hasValue("GET, POST");
        // Twilio never sends HEAD; a HEAD must not store a message.
        HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create(base + "/twilio/inbound")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(405);
        HttpResponse<String> badEncoding = http.send(HttpRequest.newBuilder(URI.create(base + "/twilio/status"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("MessageSid=%zz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(badEncoding.statusCode()).isEqualTo(400);
        assertThat(badEncoding.body()).contains("Request body is not a valid form");
        // The webhook handler is in front of Dropwizard's gzip handler, which would have inflated this.
        HttpResponse<String> gzipped = http.send(HttpRequest.newBuilder(URI.create(base + "/twilio/status"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(gzip("MessageSid=SM0"))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(gzipped.statusCode()).isEqualTo(415);
        assertThat(gzipped.body()).contains("Content-Encoding gzip is not accepted: Twilio sends webhooks uncompressed");
    }

    @Test
    void webhooksAreServedInFrontOfDropwizardOnTheApplicationConnectorsOnly()
            throws Exception
    {
        // Inside graceful shutdown: webhooks waiting for their fsync are answered before the server stops.
        Handler outermost = ledger.server().getHandler();
        assertThat(outermost).isInstanceOf(GracefulHandler.class);
        assertThat(((GracefulHandler) outermost).getHandler()).isInstanceOf(WebhookHandler.class);

        String sid = StatusCallbacks.messageSid();
        HttpResponse<String> onAdmin = new WebhookClient(ledger.adminUrl()).post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, sid, "sent"), FIRST_TOKEN, Optional.empty());
        assertThat(onAdmin.statusCode()).isEqualTo(404);
        assertThat(client.post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, sid, "sent"), FIRST_TOKEN, Optional.empty()).statusCode()).isEqualTo(200);
        ledger.awaitStored(sid);
        // Everything else still reaches Dropwizard: the API, and the admin port's health checks.
        assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(ledger.adminUrl() + "/ping")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    @Test
    void webhookPathsFollowTheApplicationContextPath(@TempDir Path directory)
            throws Exception
    {
        try (TestingLedger prefixed = new TestingLedger(LEDGER.engine(), directory, ConfigOverride.config("server.applicationContextPath", "/ledger")).start()) {
            String sid = StatusCallbacks.messageSid();
            WebhookClient prefixedClient = prefixed.client();

            assertThat(prefixedClient.post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, sid, "sent"), FIRST_TOKEN, Optional.empty()).statusCode()).isEqualTo(404);
            assertThat(prefixedClient.post("/ledger/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, sid, "sent"), FIRST_TOKEN, Optional.empty()).statusCode()).isEqualTo(200);
            prefixed.awaitStored(sid);
        }
    }

    private static byte[] gzip(String text)
            throws IOException
    {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(text.getBytes(StandardCharsets.US_ASCII));
        }
        return bytes.toByteArray();
    }

    private static Map<String, String> inbound(String sid)
    {
        Map<String, String> parameters = new HashMap<>();
        parameters.put("MessageSid", sid);
        parameters.put("SmsMessageSid", sid);
        parameters.put("SmsSid", sid);
        parameters.put("AccountSid", FIRST_ACCOUNT);
        parameters.put("From", "+15558675310");
        parameters.put("To", "+15017122661");
        parameters.put("Body", "Hello from the handset");
        parameters.put("NumMedia", "0");
        parameters.put("NumSegments", "1");
        parameters.put("SmsStatus", "received");
        parameters.put("ApiVersion", "2010-04-01");
        return parameters;
    }

    private static String sendSentinel()
            throws Exception
    {
        String sid = StatusCallbacks.messageSid();
        assertThat(client.post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, sid, "queued"), FIRST_TOKEN, Optional.empty()).statusCode()).isEqualTo(200);
        return sid;
    }

    private static Map<String, Object> messageStatus(String sid)
    {
        return ledger.clickhouse().withHandle(handle -> handle.createQuery("""
                        SELECT message_sid, account_sid, messaging_service_sid, direction, status, error_code, event_count,
                               arrayStringConcat(sources, ',') AS sources,
                               toUnixTimestamp64Milli(first_event_at) AS first_event_at, toUnixTimestamp64Milli(last_event_at) AS last_event_at
                        FROM message_status WHERE message_sid = :sid""")
                .bind("sid", sid).mapToMap().one());
    }

    private static String rejectedReason(String sid)
    {
        return ledger.clickhouse().withHandle(handle -> handle.createQuery("SELECT reason FROM rejected_requests WHERE message_sid = :sid")
                .bind("sid", sid).mapTo(String.class).one());
    }

    private static long metric(String meter)
            throws Exception
    {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(ledger.adminUrl() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        com.fasterxml.jackson.databind.JsonNode metrics = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
        return metrics.path("meters").path(meter).path("count").asLong();
    }
}
