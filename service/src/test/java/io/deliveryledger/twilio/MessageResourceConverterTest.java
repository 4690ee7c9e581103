package io.deliveryledger.twilio;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.twilio.rest.api.v2010.account.Message;
import io.deliveryledger.event.MessageStatus;
import io.deliveryledger.event.Source;
import io.deliveryledger.event.StatusEvent;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class MessageResourceConverterTest
{
    private static final Instant RECEIVED_AT = Instant.parse("2026-11-27T10:00:00Z");

    private final ObjectMapper mapper = new ObjectMapper();
    private final MessageResourceConverter converter = new MessageResourceConverter();

    @Test
    void registrationIsTheStatusTheCreateCallReturnedAtCreationTime()
    {
        StatusEvent event = converter.toEvent(Message.fromJson(fixture("message-created.json"), mapper), Source.REGISTRATION, RECEIVED_AT);

        assertThat(event.source()).isEqualTo(Source.REGISTRATION);
        assertThat(event.messageSid()).isEqualTo("SM0123456789abcdef0123456789abcdef");
        assertThat(event.accountSid()).isEqualTo("AC11111111111111111111111111111111");
        assertThat(event.messagingServiceSid()).contains("MG0123456789abcdef0123456789abcdef");
        assertThat(event.status()).isEqualTo(MessageStatus.ACCEPTED);
        assertThat(event.eventTime()).isEqualTo(Instant.parse("2026-11-26T09:15:02Z"));
        assertThat(event.receivedAt()).isEqualTo(RECEIVED_AT);
        assertThat(event.from()).isEmpty();
        assertThat(event.to()).isEqualTo("+14155550123");
        assertThat(event.direction()).isEqualTo("outbound");
        assertThat(event.errorCode()).isEmpty();
        assertThat(event.parameters())
                .containsEntry("direction", "outbound-api")
                .containsEntry("date_created", "2026-11-26T09:15:02Z")
                .doesNotContainKey("body");
    }

    @Test
    void fetchedMessageCarriesItsErrorCodeAndLastUpdate()
    {
        StatusEvent event = converter.toEvent(Message.fromJson(fixture("message-undelivered.json"), mapper), Source.RECONCILE, RECEIVED_AT);

        assertThat(event.status()).isEqualTo(MessageStatus.UNDELIVERED);
        assertThat(event.errorCode()).isEqualTo(OptionalInt.of(30003));
        assertThat(event.eventTime()).isEqualTo(Instant.parse("2026-11-26T09:16:40Z"));
        assertThat(event.from()).isEqualTo("+14155550199");
        assertThat(event.apiVersion()).isEqualTo(Optional.of("2010-04-01"));
        assertThat(event.parameters()).containsEntry("error_message", "Unreachable destination handset");
    }

    @Test
    void sameAnswerReadTwiceIsTheSameEventAndAChangeIsNot()
    {
        String json = fixture("message-undelivered.json");
        StatusEvent first = converter.toEvent(Message.fromJson(json, mapper), Source.RECONCILE, RECEIVED_AT);
        StatusEvent again = converter.toEvent(Message.fromJson(json, mapper), Source.RECONCILE, RECEIVED_AT.plusSeconds(3600));
        StatusEvent delivered = converter.toEvent(Message.fromJson(json.replace("\"undelivered\"", "\"delivered\"").replace("30003", "null"), mapper), Source.RECONCILE, RECEIVED_AT);

        assertThat(again.eventId()).isEqualTo(first.eventId());
        assertThat(delivered.eventId()).isNotEqualTo(first.eventId());
    }

    @Test
    void invalidResourcesAreRejectedNamingTheField()
            throws IOException
    {
        ObjectNode badSid = (ObjectNode) mapper.readTree(fixture("message-created.json"));
        badSid.put("sid", "SM123");
        assertThatThrownBy(() -> converter.toEvent(Message.fromJson(badSid.toString(), mapper), Source.REGISTRATION, RECEIVED_AT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Field 'sid' must be SM or MM followed by 32 hex digits, got 'SM123'");

        ObjectNode noAccount = (ObjectNode) mapper.readTree(fixture("message-created.json"));
        noAccount.remove("account_sid");
        assertThatThrownBy(() -> converter.toEvent(Message.fromJson(noAccount.toString(), mapper), Source.REGISTRATION, RECEIVED_AT))
                .hasMessage("Field 'account_sid' is required");

        ObjectNode badService = (ObjectNode) mapper.readTree(fixture("message-created.json"));
        badService.put("messaging_service_sid", "PN0123456789abcdef0123456789abcdef");
        assertThatThrownBy(() -> converter.toEvent(Message.fromJson(badService.toString(), mapper), Source.REGISTRATION, RECEIVED_AT))
                .hasMessageContaining("'messaging_service_sid' must be MG");
    }

    @Test
    void errorCodesAndTimesTheLedgerCannotStoreAreRejectedNamingTheField()
            throws IOException
    {
        ObjectNode negativeErrorCode = (ObjectNode) mapper.readTree(fixture("message-undelivered.json"));
        negativeErrorCode.put("error_code", -1);
        // ClickHouse's UInt32 error_code refuses -1: accepted, it would stop every later batch.
        assertThatThrownBy(() -> converter.toEvent(Message.fromJson(negativeErrorCode.toString(), mapper), Source.REGISTRATION, RECEIVED_AT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Field 'error_code' of message SM0123456789abcdef0123456789abcdef must be a number of up to 6 digits as Twilio's error codes are, got -1");

        ObjectNode farFuture = (ObjectNode) mapper.readTree(fixture("message-created.json"));
        farFuture.put("date_created", "Mon, 21 Jun 9999 20:39:35 +0500");
        assertThatThrownBy(() -> converter.toEvent(Message.fromJson(farFuture.toString(), mapper), Source.REGISTRATION, RECEIVED_AT))
                .hasMessage("Field 'date_created' of message SM0123456789abcdef0123456789abcdef must lie from 1970-01-01T00:00:00Z to before 2106-01-01T00:00:00Z, got 9999-06-21T15:39:35Z");

        ObjectNode longAgo = (ObjectNode) mapper.readTree(fixture("message-undelivered.json"));
        longAgo.put("date_updated", "Sun, 31 Dec 1899 23:59:59 +0000");
        assertThatThrownBy(() -> converter.toEvent(Message.fromJson(longAgo.toString(), mapper), Source.RECONCILE, RECEIVED_AT))
                .hasMessageStartingWith("Field 'date_updated' of message");
    }

    static String fixture(String name)
    {
        try (InputStream input = MessageResourceConverterTest.class.getResourceAsStream("/twilio/" + name)) {
            return new String(input.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
