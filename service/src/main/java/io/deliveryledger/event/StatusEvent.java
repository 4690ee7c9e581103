package io.deliveryledger.event;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static java.util.Objects.requireNonNull;

/**
 * One accepted fact about a message: "message X had status Y at time T", from a callback, an inbound
 * webhook or the REST API. {@code eventId} is a digest of the event's content, the same for exact
 * duplicates and Twilio's retries, so that storing it twice can be avoided.
 *
 * @param parameters every parameter Twilio sent, unknown ones included
 * @param tags the query parameters of the StatusCallback URL, the sender's own identifiers
 */
public record StatusEvent(
        String eventId,
        Source source,
        Instant receivedAt,
        Instant eventTime,
        String accountSid,
        String messageSid,
        Optional<String> messagingServiceSid,
        MessageStatus status,
        OptionalInt errorCode,
        String from,
        String to,
        String direction,
        Optional<String> apiVersion,
        Optional<String> idempotencyToken,
        Map<String, String> tags,
        Map<String, String> parameters)
        implements LedgerRecord
{
    public StatusEvent
    {
        requireNonNull(eventId, "eventId is null");
        requireNonNull(source, "source is null");
        requireNonNull(receivedAt, "receivedAt is null");
        requireNonNull(eventTime, "eventTime is null");
        requireNonNull(accountSid, "accountSid is null");
        requireNonNull(messageSid, "messageSid is null");
        requireNonNull(messagingServiceSid, "messagingServiceSid is null");
        requireNonNull(status, "status is null");
        requireNonNull(errorCode, "errorCode is null");
        requireNonNull(from, "from is null");
        requireNonNull(to, "to is null");
        requireNonNull(direction, "direction is null");
        requireNonNull(apiVersion, "apiVersion is null");
        requireNonNull(idempotencyToken, "idempotencyToken is null");
        tags = Map.copyOf(tags);
        parameters = Map.copyOf(parameters);
    }
}
