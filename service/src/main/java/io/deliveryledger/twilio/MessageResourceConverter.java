package io.deliveryledger.twilio;

import com.twilio.rest.api.v2010.account.Message;
import io.deliveryledger.event.EventIds;
import io.deliveryledger.event.MessageStatus;
import io.deliveryledger.event.Source;
import io.deliveryledger.event.StatusEvent;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static java.util.Objects.requireNonNull;

/**
 * Turns a Message resource of Twilio's REST API (fetched, listed, or the answer of the create call a
 * sender registers) into an event, checked like a callback: the SIDs' formats and a known status.
 */
public final class MessageResourceConverter
{
    public static final Instant EARLIEST_EVENT_TIME = Instant.parse("1970-01-01T00:00:00Z");
    public static final Instant LATEST_EVENT_TIME = Instant.parse("2106-01-01T00:00:00Z");
    private static final int MAX_ERROR_CODE = 999_999;

    /**
     * The event saying that {@code message} had its status at its {@code date_updated} (at its
     * {@code date_created} for a registration, which reports the status the create call returned).
     *
     * @throws IllegalArgumentException naming the field, when the resource is not a valid message
     */
    public StatusEvent toEvent(Message message, Source source, Instant receivedAt)
    {
        requireNonNull(message, "message is null");
        requireNonNull(source, "source is null");
        requireNonNull(receivedAt, "receivedAt is null");
        String sid = required("sid", message.getSid(), TwilioSid.MESSAGE);
        String accountSid = required("account_sid", message.getAccountSid(), TwilioSid.ACCOUNT);
        Optional<String> messagingServiceSid = Optional.ofNullable(message.getMessagingServiceSid());
        if (messagingServiceSid.isPresent() && !TwilioSid.MESSAGING_SERVICE.matches(messagingServiceSid.get())) {
            throw new IllegalArgumentException("Field 'messaging_service_sid' must be " + TwilioSid.MESSAGING_SERVICE.description() + ", got '" + messagingServiceSid.get() + "'");
        }
        if (message.getStatus() == null) {
            throw new IllegalArgumentException("Field 'status' of message " + sid + " is missing or not one of Twilio's message statuses");
        }
        MessageStatus status = MessageStatus.fromWireName(message.getStatus().toString())
                .orElseThrow(() -> new IllegalArgumentException("Field 'status' of message " + sid + " has unknown value '" + message.getStatus() + "'"));
        Integer errorCode = message.getErrorCode();
        if (errorCode != null && (errorCode < 0 || errorCode > MAX_ERROR_CODE)) {
            throw new IllegalArgumentException("Field 'error_code' of message " + sid + " must be a number of up to 6 digits as Twilio's error codes are, got " + errorCode);
        }
        Map<String, String> fields = fields(message);
        Instant eventTime = eventTime(message, source).orElse(receivedAt);
        return new StatusEvent(
                EventIds.of(source, fields, Map.of()),
                source,
                receivedAt,
                eventTime,
                accountSid,
                sid,
                messagingServiceSid,
                status,
                errorCode == null ? OptionalInt.empty() : OptionalInt.of(errorCode),
                message.getFrom() == null ? "" : message.getFrom().toString(),
                message.getTo() == null ? "" : message.getTo(),
                // Callbacks say only outbound or inbound; Twilio's outbound-api/-call/-reply stays in the fields.
                message.getDirection() != null && message.getDirection().toString().equals("inbound") ? "inbound" : "outbound",
                Optional.ofNullable(message.getApiVersion()),
                Optional.empty(),
                Map.of(),
                fields);
    }

    /**
     * The first date of the resource that times its event, checked to lie where the ledger can store and
     * count it: ClickHouse's DateTime (first-seen minutes of the read model) holds 1970 to 2106.
     */
    private static Optional<Instant> eventTime(Message message, Source source)
    {
        Map<String, ZonedDateTime> dates = new LinkedHashMap<>();
        if (source == Source.REGISTRATION) {
            dates.put("date_created", message.getDateCreated());
            dates.put("date_updated", message.getDateUpdated());
        }
        else {
            dates.put("date_updated", message.getDateUpdated());
            dates.put("date_sent", message.getDateSent());
            dates.put("date_created", message.getDateCreated());
        }
        for (Map.Entry<String, ZonedDateTime> date : dates.entrySet()) {
            if (date.getValue() != null) {
                Instant time = date.getValue().toInstant();
                if (time.isBefore(EARLIEST_EVENT_TIME) || !time.isBefore(LATEST_EVENT_TIME)) {
                    throw new IllegalArgumentException("Field '" + date.getKey() + "' of message " + message.getSid() + " must lie from " + EARLIEST_EVENT_TIME + " to before " + LATEST_EVENT_TIME + ", got " + time);
                }
                return Optional.of(time);
            }
        }
        return Optional.empty();
    }

    /** The resource's fields as text, the body excepted: status callbacks never carry it either. */
    private static Map<String, String> fields(Message message)
    {
        Map<String, String> fields = new LinkedHashMap<>();
        put(fields, "sid", message.getSid());
        put(fields, "account_sid", message.getAccountSid());
        put(fields, "messaging_service_sid", message.getMessagingServiceSid());
        put(fields, "status", message.getStatus());
        put(fields, "error_code", message.getErrorCode());
        put(fields, "error_message", message.getErrorMessage());
        put(fields, "direction", message.getDirection());
        put(fields, "from", message.getFrom());
        put(fields, "to", message.getTo());
        put(fields, "date_created", message.getDateCreated() == null ? null : message.getDateCreated().toInstant());
        put(fields, "date_sent", message.getDateSent() == null ? null : message.getDateSent().toInstant());
        put(fields, "date_updated", message.getDateUpdated() == null ? null : message.getDateUpdated().toInstant());
        put(fields, "num_segments", message.getNumSegments());
        put(fields, "num_media", message.getNumMedia());
        put(fields, "price", message.getPrice());
        put(fields, "price_unit", message.getPriceUnit());
        put(fields, "api_version", message.getApiVersion());
        return fields;
    }

    private static void put(Map<String, String> fields, String name, Object value)
    {
        if (value != null) {
            fields.put(name, value.toString());
        }
    }

    private static String required(String field, String value, TwilioSid format)
    {
        if (value == null) {
            throw new IllegalArgumentException("Field '" + field + "' is required");
        }
        if (!format.matches(value)) {
            throw new IllegalArgumentException("Field '" + field + "' must be " + format.description() + ", got '" + value + "'");
        }
        return value;
    }
}
