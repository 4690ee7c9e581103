package io.deliveryledger.twilio;

import io.deliveryledger.event.MessageStatus;
import io.deliveryledger.event.Source;
import io.deliveryledger.event.StatusEvent;
import io.deliveryledger.testing.StatusCallbacks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

final class WebhookParserTest
{
    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private static final String ACCOUNT = "AC" + "a".repeat(32);
    private static final String MESSAGE = "SM" + "b".repeat(32);

    private final WebhookParser parser = new WebhookParser();

    @Test
    void parsesADocumentedCallbackKeepingUnknownParametersAndTags()
    {
        Map<String, String> parameters = new HashMap<>(StatusCallbacks.callback(ACCOUNT, MESSAGE, "undelivered"));
        parameters.put("ErrorCode", "30003");
        parameters.put("MessagingServiceSid", "MG" + "c".repeat(32));
        parameters.put("SomethingTwilioAddedLater", "42");
        StatusEvent event = accepted(parser.parseStatusCallback(parameters, Map.of("campaign", "spring"), NOW, Optional.of("token-1")));

        assertThat(event.source()).isEqualTo(Source.CALLBACK);
        assertThat(event.messageSid()).isEqualTo(MESSAGE);
        assertThat(event.accountSid()).isEqualTo(ACCOUNT);
        assertThat(event.status()).isEqualTo(MessageStatus.UNDELIVERED);
        assertThat(event.errorCode()).hasValue(30003);
        assertThat(event.messagingServiceSid()).hasValue("MG" + "c".repeat(32));
        assertThat(event.parameters()).containsEntry("SomethingTwilioAddedLater", "42").containsEntry("RawDlrDoneDate", "2611271530");
        assertThat(event.tags()).containsExactly(Map.entry("campaign", "spring"));
        assertThat(event.idempotencyToken()).hasValue("token-1");
        assertThat(event.eventId()).hasSize(32).matches("[0-9a-f]+");
    }

    @Test
    void eventIdIsTheSameForTheSameContentAndDiffersForAnyChange()
    {
        Map<String, String> parameters = StatusCallbacks.callback(ACCOUNT, MESSAGE, "sent");
        String id = accepted(parser.parseStatusCallback(parameters, Map.of(), NOW, Optional.of("a"))).eventId();
        assertThat(accepted(parser.parseStatusCallback(parameters, Map.of(), NOW.plusSeconds(5), Optional.of("b"))).eventId()).isEqualTo(id);
        assertThat(accepted(parser.parseStatusCallback(StatusCallbacks.callback(ACCOUNT, MESSAGE, "delivered"), Map.of(), NOW, Optional.empty())).eventId()).isNotEqualTo(id);
        assertThat(accepted(parser.parseStatusCallback(parameters, Map.of("campaign", "x"), NOW, Optional.empty())).eventId()).isNotEqualTo(id);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "MessageSid|SM123|invalid_message_sid|Parameter 'MessageSid' must be SM or MM followed by 32 hex digits, got 'SM123'",
            "MessageSid||missing_parameter|Parameter 'MessageSid' is required",
            "AccountSid|XX00000000000000000000000000000000|invalid_account_sid|Parameter 'AccountSid' must be AC followed by 32 hex digits",
            "MessageStatus|exploded|unknown_status|Parameter 'MessageStatus' has unknown value 'exploded'",
            "ErrorCode|thirty|invalid_error_code|Parameter 'ErrorCode' must be a number",
            "MessagingServiceSid|MGxyz|invalid_messaging_service_sid|Parameter 'MessagingServiceSid' must be MG followed by 32 hex digits",
            "To|call me maybe!|invalid_address|Parameter 'To' must be an E.164 number",
            "From|whatsapp:12345|invalid_address|Parameter 'From' must be an E.164 number",
    })
    void rejectsMalformedFieldsWithASpecificReason(String name, String value, String reason, String message)
    {
        Map<String, String> parameters = new HashMap<>(StatusCallbacks.callback(ACCOUNT, MESSAGE, "sent"));
        if (value == null) {
            parameters.remove(name);
            parameters.remove("SmsSid");
        }
        else {
            parameters.put(name, value);
            parameters.remove("SmsStatus");
        }
        ParsedWebhook parsed = parser.parseStatusCallback(parameters, Map.of(), NOW, Optional.empty());
        assertThat(parsed).isInstanceOf(ParsedWebhook.Rejected.class);
        ParsedWebhook.Rejected rejected = (ParsedWebhook.Rejected) parsed;
        assertThat(rejected.reason().columnValue()).isEqualTo(reason);
        assertThat(rejected.message()).startsWith(message);
    }

    @ParameterizedTest
    @CsvSource({"+447700900123", "whatsapp:+14155238886", "MyBrand", "24642", "messenger:1234567890", "rcs:brand_agent"})
    void acceptsTheAddressFormsTwilioUses(String address)
    {
        Map<String, String> parameters = new HashMap<>(StatusCallbacks.callback(ACCOUNT, MESSAGE, "sent"));
        parameters.put("From", address);
        assertThat(accepted(parser.parseStatusCallback(parameters, Map.of(), NOW, Optional.empty())).from()).isEqualTo(address);
    }

    @Test
    void inboundMessagesAreRecordedAsReceived()
    {
        Map<String, String> parameters = Map.of(
                "MessageSid", MESSAGE, "SmsMessageSid", MESSAGE, "AccountSid", ACCOUNT,
                "From", "+15558675310", "To", "+15017122661", "Body", "STOP", "NumMedia", "0", "SmsStatus", "received");
        StatusEvent event = accepted(parser.parseInboundMessage(parameters, Map.of(), NOW, Optional.empty()));
        assertThat(event.status()).isEqualTo(MessageStatus.RECEIVED);
        assertThat(event.direction()).isEqualTo("inbound");
        assertThat(event.source()).isEqualTo(Source.INBOUND);
        assertThat(event.parameters()).containsEntry("Body", "STOP");
    }

    private static StatusEvent accepted(ParsedWebhook parsed)
    {
        assertThat(parsed).isInstanceOf(ParsedWebhook.Accepted.class);
        return ((ParsedWebhook.Accepted) parsed).event();
    }
}
