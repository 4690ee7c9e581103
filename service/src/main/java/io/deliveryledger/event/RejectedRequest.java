package io.deliveryledger.event;

import java.time.Instant;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * A correctly signed request the ledger could not accept, kept with the reason so that a sender can
 * see what Twilio (or a misconfigured sender) sent.
 *
 * @param reason a stable machine-readable reason, e.g. {@code invalid_message_sid}
 * @param detail the message returned to the caller
 */
public record RejectedRequest(
        Instant receivedAt,
        String endpoint,
        String reason,
        String detail,
        String accountSid,
        String messageSid,
        String url,
        Map<String, String> parameters)
        implements LedgerRecord
{
    public RejectedRequest
    {
        requireNonNull(receivedAt, "receivedAt is null");
        requireNonNull(endpoint, "endpoint is null");
        requireNonNull(reason, "reason is null");
        requireNonNull(detail, "detail is null");
        requireNonNull(accountSid, "accountSid is null");
        requireNonNull(messageSid, "messageSid is null");
        requireNonNull(url, "url is null");
        parameters = Map.copyOf(parameters);
    }
}
