package io.deliveryledger.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.testing.FuzzedRegistrations;
import io.deliveryledger.testing.FuzzedWebhooks;
import io.deliveryledger.testing.HostileValues;
import io.deliveryledger.testing.RawHttp;
import io.deliveryledger.testing.StatusCallbacks;
import io.deliveryledger.testing.TestingLedger;
import io.deliveryledger.testing.TestingLedgerExtension;
import io.deliveryledger.testing.TwilioSigner;
import io.deliveryledger.testing.WebhookClient;
import io.dropwizard.testing.ConfigOverride;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static io.deliveryledger.testing.TestingLedger.API_TOKEN;
import static io.deliveryledger.testing.TestingLedger.FIRST_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.FIRST_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hostile input at every public endpoint, generated from one seed (the default below; another with
 * {@code -Dfuzz.seed=N}, printed when a test fails): the service answers only 2xx or 4xx, keeps
 * answering, drains its journal, and stores every callback it accepted exactly as sent, or records
 * why it refused it.
 */
final class EndpointFuzzIntegrationTest
{
    private static final long SEED = Long.getLong("fuzz.seed", 20261201L);
    private static final int SIGNED_CASES = Integer.getInteger("fuzz.cases", 300);
    private static final int RAW_CASES = SIGNED_CASES / 2;
    private static final int API_CASES = SIGNED_CASES;
    private static final int REGISTRATION_CASES = SIGNED_CASES / 3;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The first line of the answers WebhookHandler gives before any signature check, when a request is no webhook at all. */
    private static final List<String> UNREADABLE = List.of("Request body is not a valid form", "Query string is not valid URL encoding");

    @RegisterExtension
    // Inbound bodies are stored, so that their text is checked to round-trip too.
    static final TestingLedgerExtension LEDGER = new TestingLedgerExtension(ConfigOverride.config("twilio.storeInboundBody", "true"));

    @RegisterExtension
    static final TestWatcher SEED_REPORTER = new TestWatcher()
    {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause)
        {
            System.err.printf("%s failed with fuzz seed %d; repeat with -Dfuzz.seed=%d%n", context.getDisplayName(), SEED, SEED);
        }
    };

    private static TestingLedger ledger;
    private static String baseUrl;
    private static HttpClient http;

    @BeforeAll
    static void start()
    {
        ledger = LEDGER.ledger();
        baseUrl = "http://localhost:" + ledger.port();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void signedWebhooksWithStrangeValuesAreStoredExactlyOrRefusedWithAReason()
            throws Exception
    {
        FuzzedWebhooks webhooks = new FuzzedWebhooks(values("signed webhooks"), baseUrl);
        Map<String, Answered> answers = new HashMap<>();
        for (int index = 0; index < SIGNED_CASES; index++) {
            FuzzedWebhooks.Request request = webhooks.next("fuzz-" + SEED + "-" + index);
            HttpResponse<String> response = send(request);
            assertThat(response.statusCode()).as(described(request, response)).isIn(200, 400, 403, 413, 414, 431);
            answers.put(request.caseId(), new Answered(request, response));
        }
        assertServiceAnswersAndJournalDrains();

        Map<String, StoredEvent> stored = storedEvents();
        Map<String, Rejection> rejected = rejections();
        int accepted = 0;
        SoftAssertions soft = new SoftAssertions();
        for (Answered answer : answers.values()) {
            FuzzedWebhooks.Request request = answer.request();
            HttpResponse<String> response = answer.response();
            String description = described(request, response);
            switch (response.statusCode()) {
                case 200 -> {
                    accepted++;
                    soft.assertThat(stored.get(request.caseId())).as(description).isEqualTo(new StoredEvent(request.parameters(), request.tags()));
                    soft.assertThat(rejected).as(description).doesNotContainKey(request.caseId());
                }
                case 400 -> {
                    soft.assertThat(stored).as(description).doesNotContainKey(request.caseId());
                    Rejection rejection = rejected.get(request.caseId());
                    if (rejection == null) {
                        // Unreadable requests are refused before the signature is checked, so nothing is recorded.
                        soft.assertThat(UNREADABLE).as(description).anyMatch(response.body()::startsWith);
                        soft.assertThat(request.mayBeTooLarge()).as(description).isTrue();
                    }
                    else {
                        soft.assertThat(rejection.reason()).as(description).isNotBlank();
                        soft.assertThat(rejection.detail()).as(description).isEqualTo(response.body().strip());
                        soft.assertThat(rejection.parameters()).as(description).isEqualTo(request.parameters());
                    }
                }
                case 403 -> {
                    soft.assertThat(request.mayBeForbidden()).as(description).isTrue();
                    soft.assertThat(stored).as(description).doesNotContainKey(request.caseId());
                }
                default -> {
                    soft.assertThat(request.mayBeTooLarge()).as(description).isTrue();
                    soft.assertThat(stored).as(description).doesNotContainKey(request.caseId());
                }
            }
        }
        soft.assertAll();
        System.out.printf("Fuzz seed %d: signed webhooks answered %s%n", SEED, answers.values().stream()
                .collect(Collectors.groupingBy(answer -> answer.response().statusCode(), TreeMap::new, Collectors.counting())));
        // A fuzzer that only ever gets refused tests nothing of the storage.
        assertThat(accepted).as("accepted of %d cases, seed %d", SIGNED_CASES, SEED).isGreaterThan(SIGNED_CASES / 5);
    }

    @Test
    void malformedHttpIsAnsweredWithClientErrors()
            throws Exception
    {
        HostileValues values = values("raw requests");
        RawHttp raw = new RawHttp(ledger.port());
        String host = "localhost:" + ledger.port();
        String sid = StatusCallbacks.messageSid();
        Map<String, String> callback = StatusCallbacks.callback(FIRST_ACCOUNT, sid, "sent");
        String form = WebhookClient.form(callback);
        String signature = new TwilioSigner(FIRST_TOKEN).sign(baseUrl + "/twilio/status", callback);
        String headers = "Host: " + host + "\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: " + signature + "\r\n";
        String valid = "POST /twilio/status HTTP/1.1\r\n" + headers + "Content-Length: " + form.length() + "\r\nConnection: close\r\n\r\n" + form;
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("valid", ascii(valid));
        cases.put("garbage request line", ascii("GARBAGE\r\n\r\n"));
        cases.put("HTTP/0.9", ascii("GET /twilio/inbound\r\n\r\n"));
        cases.put("unknown version", ascii("POST /twilio/status HTTP/9.9\r\n" + headers + "\r\n"));
        cases.put("unknown method", ascii("FROB /twilio/status HTTP/1.1\r\nHost: " + host + "\r\n\r\n"));
        cases.put("no Host", ascii("POST /twilio/status HTTP/1.1\r\nContent-Length: 0\r\n\r\n"));
        cases.put("absolute URI", ascii("POST http://evil.example/twilio/status HTTP/1.1\r\n" + headers + "Content-Length: " + form.length() + "\r\n\r\n" + form));
        cases.put("header without colon", ascii("POST /twilio/status HTTP/1.1\r\nHost: " + host + "\r\nNoColonHere\r\n\r\n"));
        cases.put("NUL in header", ascii("POST /twilio/status HTTP/1.1\r\nHost: " + host + "\r\nX-Twilio-Signature: a\u0000b\r\n\r\n"));
        cases.put("negative Content-Length", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Content-Length: -1\r\n\r\n" + form));
        cases.put("text Content-Length", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Content-Length: abc\r\n\r\n" + form));
        cases.put("overflowing Content-Length", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Content-Length: 99999999999999999999999\r\n\r\n" + form));
        cases.put("two Content-Lengths", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Content-Length: 3\r\nContent-Length: " + form.length() + "\r\n\r\n" + form));
        cases.put("Content-Length too long", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Content-Length: " + (form.length() + 100) + "\r\n\r\n" + form));
        cases.put("Content-Length too short", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Content-Length: 10\r\n\r\n" + form));
        cases.put("Content-Length and chunked", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(form)));
        cases.put("chunked", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked(form)));
        cases.put("bad chunk size", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + form + "\r\n0\r\n\r\n"));
        cases.put("overflowing chunk size", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n" + form + "\r\n0\r\n\r\n"));
        cases.put("truncated chunks", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Transfer-Encoding: chunked\r\n\r\n100\r\n" + form));
        cases.put("unknown transfer coding", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Transfer-Encoding: rot13\r\n\r\n" + form));
        cases.put("huge chunked body", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Transfer-Encoding: chunked\r\n\r\n" + chunked("Body=" + "x".repeat(200_000))));
        cases.put("huge body", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Content-Length: 2000005\r\n\r\nBody=" + "x".repeat(2_000_000)));
        cases.put("gzip that is not", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Content-Encoding: gzip\r\nContent-Length: " + form.length() + "\r\n\r\n" + form));
        cases.put("huge header", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "X-Huge: " + "a".repeat(100_000) + "\r\n\r\n"));
        cases.put("thousands of headers", ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "X-Many: a\r\n".repeat(5000) + "\r\n"));
        cases.put("huge request line", ascii("POST /twilio/status?" + "a=b&".repeat(20_000) + " HTTP/1.1\r\n" + headers + "\r\n"));
        cases.put("thousands of query parameters", ascii("POST /twilio/status?" + "a=b&".repeat(1_500) + " HTTP/1.1\r\n" + headers + "Content-Length: " + form.length() + "\r\n\r\n" + form));
        cases.put("bad percent-encoding in path", ascii("POST /twilio/%zzstatus HTTP/1.1\r\n" + headers + "Content-Length: 0\r\n\r\n"));
        cases.put("encoded slash and dots in path", ascii("POST /twilio/%2e%2e/%2e%2e/api/v1/stats/summary HTTP/1.1\r\n" + headers + "Content-Length: 0\r\n\r\n"));
        cases.put("bad percent-encoding in query", ascii("POST /twilio/status?tag=%zz&b=% HTTP/1.1\r\n" + headers + "Content-Length: " + form.length() + "\r\n\r\n" + form));
        cases.put("bad percent-encoding in GET query", ascii("GET /twilio/inbound?MessageSid=%e HTTP/1.1\r\nHost: " + host + "\r\nX-Twilio-Signature: x\r\n\r\n"));
        for (String body : List.of("%", "%z", "MessageSid=%zz", "a=%e2%82", "%ED%A0%80=x", "a=%C0%AF", "&&&==&=", "=")) {
            cases.put("body " + body, ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Content-Length: " + body.length() + "\r\n\r\n" + body));
        }
        for (byte[] invalid : List.of(new byte[] {(byte) 0xC3, 0x28}, new byte[] {(byte) 0xFF, (byte) 0xFE}, new byte[] {(byte) 0xC0, (byte) 0xAF}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})) {
            cases.put("invalid UTF-8 in body " + HexFormat.of().formatHex(invalid), concat(ascii("POST /twilio/status HTTP/1.1\r\n" + headers + "Content-Length: " + (invalid.length + 5) + "\r\n\r\nBody="), invalid));
            cases.put("invalid UTF-8 in query " + HexFormat.of().formatHex(invalid), concat(ascii("GET /twilio/inbound?Body="), invalid, ascii(" HTTP/1.1\r\nHost: " + host + "\r\nX-Twilio-Signature: x\r\n\r\n")));
            cases.put("invalid UTF-8 in header " + HexFormat.of().formatHex(invalid), concat(ascii("POST /twilio/status HTTP/1.1\r\nHost: " + host + "\r\nX-Twilio-Signature: "), invalid, ascii("\r\nContent-Length: 0\r\n\r\n")));
        }
        for (String contentType : List.of("application/json", "text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded; charset=ISO-8859-1", "application/x-www-form-urlencodedX", "")) {
            cases.put("Content-Type " + contentType, ascii("POST /twilio/status HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: " + contentType + "\r\nX-Twilio-Signature: " + signature + "\r\nContent-Length: " + form.length() + "\r\n\r\n" + form));
        }
        String json = "[{\"sid\": ";
        cases.put("registration cut short", ascii("POST /api/v1/messages HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + API_TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: " + json.length() + "\r\n\r\n" + json));
        cases.put("registration chunked garbage", ascii("POST /api/v1/messages HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + API_TOKEN + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{{{{{\r\nzz\r\n"));
        cases.put("registration deep nesting", ascii("POST /api/v1/messages HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + API_TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n" + "[".repeat(100_000) + "]".repeat(100_000)));
        cases.put("API with bad percent-encoding", ascii("GET /api/v1/stats/summary?from=%zz HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + API_TOKEN + "\r\n\r\n"));
        cases.put("API with invalid UTF-8 in the query", concat(ascii("GET /api/v1/stats/breakdown?by=tag:"), new byte[] {(byte) 0xC3, 0x28}, ascii(" HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + API_TOKEN + "\r\n\r\n")));
        cases.put("API message SID with encoded slash", ascii("GET /api/v1/messages/SM%2F..%2F HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + API_TOKEN + "\r\n\r\n"));
        cases.put("API bearer of invalid UTF-8", concat(ascii("GET /api/v1/stats/summary HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer "), new byte[] {(byte) 0xFF, (byte) 0xC3}, ascii("\r\n\r\n")));
        byte[] validBytes = ascii(valid);
        for (int index = 0; index < RAW_CASES; index++) {
            cases.put("mutation " + index, mutated(validBytes, values));
        }

        SoftAssertions soft = new SoftAssertions();
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (Map.Entry<String, byte[]> rawCase : cases.entrySet()) {
            OptionalInt status = raw.send(rawCase.getValue());
            String description = "seed %d, raw request '%s': %s".formatted(SEED, rawCase.getKey(), abbreviate(new String(rawCase.getValue(), StandardCharsets.ISO_8859_1)));
            status.ifPresent(code -> statuses.merge(code, 1, Integer::sum));
            if (status.orElse(0) == 505) {
                // Jetty's parser answers a request line without HTTP/1.x with 505, as RFC 9110 asks: the one 5xx that says "not HTTP/1".
                soft.assertThat(hasHttp1RequestLine(rawCase.getValue())).as(description).isFalse();
                continue;
            }
            // Closing the connection without an answer is fair for bytes that are not HTTP; a 5xx is not.
            soft.assertThat(status.orElse(400)).as(description).isBetween(200, 499);
        }
        soft.assertAll();
        System.out.printf("Fuzz seed %d: raw requests answered %s%n", SEED, statuses);
        assertThat(raw.send(validBytes)).as("a valid request after the malformed ones").hasValue(200);
        assertServiceAnswersAndJournalDrains();
        assertThat(ledger.count("SELECT count() FROM status_events WHERE message_sid = :sid", Map.of("sid", sid))).isEqualTo(1);
    }

    @Test
    void registrationsWithStrangeValuesAreStoredExactlyOrRefusedWhole()
            throws Exception
    {
        FuzzedRegistrations registrations = new FuzzedRegistrations(values("registrations"), Instant.now());
        SoftAssertions soft = new SoftAssertions();
        Map<Integer, Integer> statuses = new TreeMap<>();
        List<FuzzedRegistrations.Request> accepted = new ArrayList<>();
        List<FuzzedRegistrations.Request> refused = new ArrayList<>();
        for (int index = 0; index < REGISTRATION_CASES; index++) {
            FuzzedRegistrations.Request request = registrations.next("registration-" + SEED + "-" + index);
            HttpResponse<String> response = exchange(HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/messages"))
                    .timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + API_TOKEN)
                    .header("Content-Type", request.contentType())
                    .POST(HttpRequest.BodyPublishers.ofString(request.body()))
                    .build(), request.toString());
            String description = "seed %d, %s answered %d %s".formatted(SEED, request, response.statusCode(), abbreviate(response.body()));
            statuses.merge(response.statusCode(), 1, Integer::sum);
            soft.assertThat(response.statusCode()).as(description).isIn(200, 400, 415, 422);
            if (response.statusCode() == 200) {
                soft.assertThat(JSON.readTree(response.body()).path("registered").asInt()).as(description).isEqualTo(request.sids().size());
                accepted.add(request);
            }
            else {
                refused.add(request);
            }
        }
        soft.assertAll();
        System.out.printf("Fuzz seed %d: registrations answered %s%n", SEED, statuses);
        assertServiceAnswersAndJournalDrains();

        for (FuzzedRegistrations.Request request : accepted) {
            JsonNode body = JSON.readTree(request.body());
            for (JsonNode message : body.isArray() ? body : List.of(body)) {
                String sid = message.path("sid").asText();
                List<Long> eventTimes = ledger.clickhouse().withHandle(handle -> handle.createQuery(
                                "SELECT toUnixTimestamp64Milli(event_time) FROM status_events WHERE message_sid = :sid AND source = 'registration'")
                        .bind("sid", sid).mapTo(Long.class).list());
                String description = "seed %d, %s: message %s".formatted(SEED, request, sid);
                soft.assertThat(eventTimes).as(description).hasSize(1);
                String created = message.path("date_created").asText();
                if (eventTimes.size() == 1 && message.path("date_created").isTextual() && !created.isEmpty()) {
                    // Registrations are timed by Twilio's date_created, which must arrive unchanged (not clamped to what ClickHouse holds),
                    // in the stored event and in the message's state that the API reads.
                    Instant expected = ZonedDateTime.parse(created, FuzzedRegistrations.TWILIO_DATE).toInstant();
                    soft.assertThat(Instant.ofEpochMilli(eventTimes.get(0))).as(description).isEqualTo(expected);
                    if (expected.isAfter(Instant.now().minus(Duration.ofDays(300)))) {
                        // Older messages are past the retention of message states (clickhouse.retention.events, 395 days by default).
                        soft.assertThat(api("/api/v1/messages/" + sid).path("firstEventAt").asText()).as(description).isEqualTo(expected.toString());
                    }
                }
            }
        }
        for (FuzzedRegistrations.Request request : refused) {
            soft.assertThat(request.sids().isEmpty() ? 0 : ledger.count("SELECT count() FROM status_events WHERE message_sid IN (<sids>)", Map.of("sids", request.sids())))
                    .as("seed %d, refused %s: nothing of it is stored", SEED, request).isZero();
        }
        soft.assertAll();
        assertThat(accepted.size()).as("accepted of %d registrations, seed %d", REGISTRATION_CASES, SEED).isGreaterThan(REGISTRATION_CASES / 5);
    }

    @Test
    void apiRequestsWithOddParametersGetClientErrors()
            throws Exception
    {
        HostileValues values = values("api requests");
        List<String> dates = List.of(
                "2026-11-27", "2026-11-27T10:00:00Z", "0000-01-01", "0001-01-01T00:00:00Z", "1899-12-31T23:59:59Z", "1900-01-01T00:00:00Z", "1970-01-01T00:00:00Z",
                "2106-02-07T06:28:16Z", "2262-04-11T23:47:16.854775807Z", "2299-12-31T23:59:59.999Z", "2300-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                "+10000-01-01T00:00:00Z", "-999999999-01-01T00:00:00Z", "+999999999-12-31T23:59:59.999999999Z", "2026-02-30", "2026-11-27T10:00:00+18:00",
                "2026-11-27T10:00:00", "2026-11-27T24:00:00Z", "99999999999", "");
        List<String> steps = List.of("PT1M", "PT1S", "PT0S", "-PT1H", "P1D", "PT5M", "P99999999D", "PT2562047788015215H", "P106751991167300D", "PT0.5M", "1h", "");
        List<String> paths = List.of("/api/v1/stats/summary", "/api/v1/stats/timeseries", "/api/v1/stats/breakdown", "/api/v1/stats/latency", "/api/v1/reports/delivery");
        SoftAssertions soft = new SoftAssertions();
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (int index = 0; index < API_CASES; index++) {
            String path;
            Map<String, List<String>> parameters = new LinkedHashMap<>();
            if (values.chance(0.15)) {
                String sid = values.chance(0.5) ? "SM" + values.hex(16) : values.text();
                path = "/api/v1/messages/" + URLEncoder.encode(sid, StandardCharsets.UTF_8).replace("+", "%20");
            }
            else {
                path = values.pick(paths);
                int count = values.between(0, 5);
                for (int parameter = 0; parameter < count; parameter++) {
                    String name = values.pick(List.of("from", "to", "accountSid", "messagingServiceSid", "country", "channel", "tag", "step", "by", "limit", "groupBy", "format", "unknown", values.text()));
                    String value = switch (name) {
                        case "from", "to" -> values.chance(0.8) ? values.pick(dates) : values.text();
                        case "step" -> values.chance(0.8) ? values.pick(steps) : values.text();
                        case "limit" -> values.number();
                        case "by", "groupBy" -> values.pick(List.of("country", "error_code", "messaging_service", "from", "channel", "tag:", "tag:" + values.text(), values.text()));
                        case "format" -> values.pick(List.of("csv", "json", "parquet", "html", "CSV", "xlsx", values.text()));
                        case "tag" -> values.chance(0.6) ? values.pick(List.of("k", "campaign", "a.b-c_d")) + ":" + values.text() : values.text();
                        case "accountSid" -> values.chance(0.5) ? FIRST_ACCOUNT : values.text();
                        default -> values.text();
                    };
                    parameters.computeIfAbsent(name, key -> new ArrayList<>()).add(value);
                }
            }
            String query = parameters.entrySet().stream()
                    .flatMap(entry -> entry.getValue().stream().map(value -> WebhookClient.form(Map.of(entry.getKey(), value))))
                    .collect(Collectors.joining("&"));
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path + (query.isEmpty() ? "" : "?" + query))).timeout(Duration.ofSeconds(60));
            int authorization = values.between(0, 19);
            if (authorization > 1) {
                request.header("Authorization", "Bearer " + API_TOKEN);
            }
            else if (authorization == 1) {
                request.header("Authorization", values.pick(List.of("Bearer ", "Bearer wrong", "Basic Zm9vOmJhcg==", "bearer " + API_TOKEN, "Bearer " + API_TOKEN + " extra")));
            }
            HttpResponse<String> response = exchange(request.build(), path + "?" + query);
            statuses.merge(response.statusCode(), 1, Integer::sum);
            soft.assertThat(response.statusCode()).as("seed %d, GET %s answered %d %s", SEED, abbreviate(path + "?" + query), response.statusCode(), abbreviate(response.body())).isBetween(200, 499);
        }
        soft.assertAll();
        System.out.printf("Fuzz seed %d: API requests answered %s%n", SEED, statuses);
        assertServiceAnswersAndJournalDrains();
    }

    @Test
    void strangeTagValuesRoundTripThroughTheApiAndFilterExactly()
            throws Exception
    {
        // Backslash sequences that ClickHouse's escaped format would read as other characters, a tab that ends a value there, "\\N" (its NULL).
        List<String> values = List.of("a\\b", "tab\there", "\\N", "ends with \\", "nul\u0000", "\uD83D\uDE80 \u00e9\u4e2d\uD840\uDC00\uDBFF\uDFFF", "quote ' \" `");
        Map<String, String> sids = new LinkedHashMap<>();
        for (String value : values) {
            String sid = StatusCallbacks.messageSid();
            sids.put(value, sid);
            HttpResponse<String> response = ledger.client().post("/twilio/status?" + WebhookClient.form(Map.of("k", value)), StatusCallbacks.callback(FIRST_ACCOUNT, sid, "delivered"), FIRST_TOKEN, Optional.empty());
            assertThat(response.statusCode()).as(value).isEqualTo(200);
        }
        ledger.awaitStored(sids.get(values.get(values.size() - 1)));
        ledger.awaitReadModel();
        for (Map.Entry<String, String> entry : sids.entrySet()) {
            JsonNode message = api("/api/v1/messages/" + entry.getValue());
            assertThat(message.path("tags").path("k").asText()).as("tag of %s", entry.getValue()).isEqualTo(entry.getKey());
            JsonNode summary = api("/api/v1/stats/summary?" + WebhookClient.form(Map.of("tag", "k:" + entry.getKey())));
            assertThat(summary.path("messages").asLong()).as("messages tagged %s", entry.getKey()).isEqualTo(1);
        }
    }

    @Test
    void apiTimesClickHouseCannotHoldAreRefusedNamingTheParameter()
            throws Exception
    {
        for (Map.Entry<String, String> time : Map.of("to", "+10000-01-01T00:00:00Z", "from", "1969-12-31T23:59:59Z").entrySet()) {
            HttpResponse<String> response = exchange(HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/stats/summary?" + WebhookClient.form(Map.of(time.getKey(), time.getValue()))))
                    .header("Authorization", "Bearer " + API_TOKEN).build(), time.toString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
            assertThat(JSON.readTree(response.body()).path("parameter").asText()).isEqualTo(time.getKey());
            assertThat(response.body()).contains("must lie from 1970-01-01T00:00:00Z to 2106-01-01T00:00:00Z");
        }
    }

    private static JsonNode api(String pathAndQuery)
            throws Exception
    {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery)).header("Authorization", "Bearer " + API_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s answered %s", pathAndQuery, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** Flips, inserts, deletes, repeats or cuts bytes of {@code request}. */
    private static byte[] mutated(byte[] request, HostileValues values)
    {
        byte[] bytes = request.clone();
        int mutations = values.between(1, 4);
        for (int mutation = 0; mutation < mutations && bytes.length > 1; mutation++) {
            int at = values.between(0, bytes.length - 1);
            switch (values.between(0, 4)) {
                case 0 -> bytes[at] = (byte) values.between(0, 255);
                case 1 -> bytes = concat(Arrays.copyOfRange(bytes, 0, at), values.pick(List.of(ascii("\r\n"), ascii("\u0000"), ascii("%"), ascii(":"), ascii(" "), new byte[] {(byte) 0xFF})), Arrays.copyOfRange(bytes, at, bytes.length));
                case 2 -> bytes = concat(Arrays.copyOfRange(bytes, 0, at), Arrays.copyOfRange(bytes, Math.min(bytes.length, at + values.between(1, 20)), bytes.length));
                case 3 -> bytes = concat(Arrays.copyOfRange(bytes, 0, at), Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + values.between(1, 50))), Arrays.copyOfRange(bytes, at, bytes.length));
                default -> bytes = Arrays.copyOfRange(bytes, 0, at);
            }
        }
        return bytes;
    }

    private static boolean hasHttp1RequestLine(byte[] request)
    {
        String text = new String(request, StandardCharsets.ISO_8859_1);
        int end = text.indexOf('\n');
        String requestLine = (end < 0 ? text : text.substring(0, end)).strip();
        return requestLine.matches("[A-Z]+ \\S+ HTTP/1\\.[01]");
    }

    private static String chunked(String body)
    {
        StringBuilder chunks = new StringBuilder();
        for (int start = 0; start < body.length(); start += 4096) {
            String chunk = body.substring(start, Math.min(body.length(), start + 4096));
            chunks.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        return chunks.append("0\r\n\r\n").toString();
    }

    private static byte[] ascii(String text)
    {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts)
    {
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            joined.writeBytes(part);
        }
        return joined.toByteArray();
    }

    private static HttpResponse<String> send(FuzzedWebhooks.Request request)
            throws Exception
    {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + request.pathAndQuery()))
                .timeout(Duration.ofSeconds(30))
                .header("X-Twilio-Signature", request.signature());
        request.idempotencyToken().ifPresent(token -> builder.header("I-Twilio-Idempotency-Token", token));
        if (request.method().equals("POST")) {
            builder.header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(request.form()));
        }
        return exchange(builder.build(), request.toString());
    }

    /** Values for one test from the seed: each test draws its own, so no two tests make the same SIDs. */
    private static HostileValues values(String test)
    {
        return new HostileValues(new Random(SEED ^ test.hashCode()));
    }

    /**
     * Sends {@code request}. The client may have reused a connection the server closed after refusing
     * the previous request (a URL or body over the limits, a wrong content type): the same request on a
     * new connection must then be answered.
     */
    private static HttpResponse<String> exchange(HttpRequest request, String description)
            throws InterruptedException
    {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        catch (IOException e) {
            try {
                return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            }
            catch (IOException again) {
                throw new AssertionError("seed %d, %s got no answer: %s".formatted(SEED, description, again), again);
            }
        }
    }

    private record Answered(FuzzedWebhooks.Request request, HttpResponse<String> response) {}

    private record StoredEvent(Map<String, String> parameters, Map<String, String> tags) {}

    private record Rejection(String reason, String detail, Map<String, String> parameters) {}

    private static Map<String, StoredEvent> storedEvents()
    {
        return ledger.clickhouse().withHandle(handle -> {
            Map<String, StoredEvent> events = new HashMap<>();
            handle.createQuery("SELECT parameters, tags FROM status_events WHERE mapContains(parameters, :name)")
                    .bind("name", FuzzedWebhooks.CASE_PARAMETER)
                    .map((row, context) -> new StoredEvent(textMap(row.getObject("parameters")), textMap(row.getObject("tags"))))
                    .forEach(event -> {
                        StoredEvent earlier = events.put(event.parameters().get(FuzzedWebhooks.CASE_PARAMETER), event);
                        assertThat(earlier).as("stored twice: %s", event).isNull();
                    });
            return events;
        });
    }

    private static Map<String, Rejection> rejections()
    {
        return ledger.clickhouse().withHandle(handle -> {
            Map<String, Rejection> rejections = new HashMap<>();
            handle.createQuery("SELECT reason, detail, parameters FROM rejected_requests WHERE mapContains(parameters, :name)")
                    .bind("name", FuzzedWebhooks.CASE_PARAMETER)
                    .map((row, context) -> new Rejection(row.getString("reason"), row.getString("detail"), textMap(row.getObject("parameters"))))
                    .forEach(rejection -> rejections.put(rejection.parameters().get(FuzzedWebhooks.CASE_PARAMETER), rejection));
            return rejections;
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> textMap(Object column)
    {
        return Map.copyOf((Map<String, String>) column);
    }

    private static String described(FuzzedWebhooks.Request request, HttpResponse<String> response)
    {
        return "seed %d, %s answered %d %s".formatted(SEED, request, response.statusCode(), abbreviate(response.body()));
    }

    private static String abbreviate(String text)
    {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }

    /** A normal callback is still accepted and stored, the journal has nothing left for ClickHouse, the read model has caught up, and both are healthy. */
    private static void assertServiceAnswersAndJournalDrains()
            throws Exception
    {
        String sid = StatusCallbacks.messageSid();
        assertThat(ledger.client().post("/twilio/status", StatusCallbacks.callback(FIRST_ACCOUNT, sid, "sent"), FIRST_TOKEN, Optional.empty()).statusCode()).isEqualTo(200);
        ledger.awaitStored(sid);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(admin("/metrics").path("gauges").path("journal.lag").path("value").asLong(-1)).as("journal.lag, seed %d", SEED).isZero());
        // The read model counts whatever was stored, strange tags and parameters included.
        ledger.awaitReadModel();
        JsonNode health = admin("/healthcheck");
        for (String check : List.of("journal", "read-model")) {
            assertThat(health.path(check).path("healthy").asBoolean()).as("%s health %s, seed %d", check, health.path(check), SEED).isTrue();
        }
    }

    private static JsonNode admin(String path)
            throws Exception
    {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(ledger.adminUrl() + path)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }
}
