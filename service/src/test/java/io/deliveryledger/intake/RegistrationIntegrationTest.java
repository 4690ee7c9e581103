package io.deliveryledger.intake;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deliveryledger.testing.StatusCallbacks;
import io.deliveryledger.testing.TestingLedger;
import io.deliveryledger.testing.TestingLedgerExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.deliveryledger.testing.TestingLedger.API_TOKEN;
import static io.deliveryledger.testing.TestingLedger.FIRST_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.SECOND_ACCOUNT;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code POST /api/v1/messages} with Twilio's create-call answers, over real HTTP into a real engine. */
final class RegistrationIntegrationTest
{
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @RegisterExtension
    static final TestingLedgerExtension LEDGER = new TestingLedgerExtension();

    private static TestingLedger ledger;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start()
            throws Exception
    {
        ledger = LEDGER.ledger();
    }

    @Test
    void registeredMessagesAreKnownBeforeAnyCallback()
            throws Exception
    {
        String first = StatusCallbacks.messageSid();
        String second = StatusCallbacks.messageSid();
        ArrayNode body = MAPPER.createArrayNode()
                .add(created(FIRST_ACCOUNT, first, "accepted"))
                .add(created(SECOND_ACCOUNT, second, "queued"));

        HttpResponse<String> response = post(body.toString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(MAPPER.readTree(response.body()).get("registered").asInt()).isEqualTo(2);
        ledger.awaitStored(second);
        assertThat(ledger.count("SELECT count() FROM message_status WHERE message_sid IN (<sids>) AND has(sources, 'registration') AND status IN ('accepted', 'queued')", Map.of("sids", List.of(first, second))))
                .isEqualTo(2);
        assertThat(ledger.count("SELECT count() FROM status_events WHERE message_sid = :sid AND source = 'registration' AND event_time = toDateTime64('2026-11-26 09:15:02', 3, 'UTC')", Map.of("sid", first)))
                .isEqualTo(1);
    }

    @Test
    void oneObjectIsAcceptedAsWellAsAnArray()
            throws Exception
    {
        String sid = StatusCallbacks.messageSid();

        HttpResponse<String> response = post(created(FIRST_ACCOUNT, sid, "scheduled").toString());

        assertThat(response.statusCode()).isEqualTo(200);
        ledger.awaitStored(sid);
        assertThat(ledger.count("SELECT count() FROM message_status WHERE message_sid = :sid AND status = 'scheduled'", Map.of("sid", sid))).isEqualTo(1);
    }

    @Test
    void invalidRegistrationsAreRefusedWholeWithTheReason()
            throws Exception
    {
        String good = StatusCallbacks.messageSid();
        ObjectNode badSid = created(FIRST_ACCOUNT, "SM42", "queued");
        assertRefused(MAPPER.createArrayNode().add(created(FIRST_ACCOUNT, good, "queued")).add(badSid).toString(),
                "Message [1]: Field 'sid' must be SM or MM followed by 32 hex digits, got 'SM42'");

        assertRefused(created("AC99999999999999999999999999999999", StatusCallbacks.messageSid(), "queued").toString(),
                "account_sid AC99999999999999999999999999999999 is not one of the configured Twilio accounts");
        assertRefused(created(FIRST_ACCOUNT, StatusCallbacks.messageSid(), "teleported").toString(), "Field 'status'");
        ObjectNode isoDate = created(FIRST_ACCOUNT, StatusCallbacks.messageSid(), "queued");
        isoDate.put("date_created", "2026-11-26T09:15:02Z");
        assertRefused(isoDate.toString(), "Field 'date_created' must be an RFC 2822 date as Twilio writes it (Thu, 26 Nov 2026 09:15:02 +0000), got '2026-11-26T09:15:02Z'");
        assertRefused("\"SM0123\"", "The body must be a Message resource");
        assertRefused("[]", "The array holds no message");
        ArrayNode tooMany = MAPPER.createArrayNode();
        for (int index = 0; index <= RegistrationResource.MAX_MESSAGES_PER_REQUEST; index++) {
            tooMany.add(created(FIRST_ACCOUNT, StatusCallbacks.messageSid(), "queued"));
        }
        assertRefused(tooMany.toString(), "At most 1000 messages per request, got 1001");

        HttpResponse<String> notJson = post("{\"sid\": ");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.headers().firstValue("Connection")).hasValue("close");

        // Nothing of a refused request is stored, not even its valid messages.
        String marker = StatusCallbacks.messageSid();
        assertThat(post(created(FIRST_ACCOUNT, marker, "queued").toString()).statusCode()).isEqualTo(200);
        ledger.awaitStored(marker);
        assertThat(ledger.count("SELECT count() FROM status_events WHERE message_sid = :sid", Map.of("sid", good))).isZero();
    }

    @Test
    void registrationNeedsAnApiToken()
            throws Exception
    {
        String sid = StatusCallbacks.messageSid();
        String body = created(FIRST_ACCOUNT, sid, "queued").toString();

        for (Optional<String> authorization : List.of(Optional.<String>empty(), Optional.of("Bearer not-a-token"))) {
            HttpResponse<String> refused = post(body, authorization);
            assertThat(refused.statusCode()).isEqualTo(401);
            // Refused before its body is read: the connection is closed, and the answer says so, or the
            // next request here would be sent on it.
            assertThat(refused.headers().firstValue("Connection")).hasValue("close");
        }

        String marker = StatusCallbacks.messageSid();
        assertThat(post(created(FIRST_ACCOUNT, marker, "queued").toString()).statusCode()).isEqualTo(200);
        ledger.awaitStored(marker);
        assertThat(ledger.count("SELECT count() FROM status_events WHERE message_sid = :sid", Map.of("sid", sid))).isZero();
    }

    private static void assertRefused(String body, String message)
            throws Exception
    {
        HttpResponse<String> response = post(body);
        assertThat(response.statusCode()).as(body.length() > 200 ? body.substring(0, 200) : body).isEqualTo(400);
        assertThat(MAPPER.readTree(response.body()).get("message").asText()).contains(message);
    }

    private static ObjectNode created(String accountSid, String messageSid, String status)
            throws IOException
    {
        ObjectNode message = (ObjectNode) MAPPER.readTree(fixture());
        message.put("account_sid", accountSid);
        message.put("sid", messageSid);
        message.put("status", status);
        message.put("uri", "/2010-04-01/Accounts/" + accountSid + "/Messages/" + messageSid + ".json");
        return message;
    }

    private static String fixture()
            throws IOException
    {
        try (InputStream input = RegistrationIntegrationTest.class.getResourceAsStream("/twilio/message-created.json")) {
            return new String(input.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static HttpResponse<String> post(String body)
            throws Exception
    {
        return post(body, Optional.of("Bearer " + API_TOKEN));
    }

    private static HttpResponse<String> post(String body, Optional<String> authorization)
            throws Exception
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ledger.port() + "/api/v1/messages"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        authorization.ifPresent(value -> request.header("Authorization", value));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
