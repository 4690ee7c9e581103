package io.deliveryledger.bench.peer;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** The columns a user would keep of a Twilio status callback, and when it arrived. */
public record StatusCallback(
        String messageSid,
        String messageStatus,
        String accountSid,
        String to,
        String from,
        Integer errorCode,
        Instant receivedAt)
{
    public StatusCallback
    {
        requireNonNull(messageSid, "messageSid is null");
        requireNonNull(messageStatus, "messageStatus is null");
        requireNonNull(accountSid, "accountSid is null");
        requireNonNull(to, "to is null");
        requireNonNull(from, "from is null");
        requireNonNull(receivedAt, "receivedAt is null");
    }

    /** Empty when MessageSid or MessageStatus is missing: nothing a ledger could store. */
    public static Optional<StatusCallback> of(Map<String, String> parameters, Instant receivedAt)
    {
        String messageSid = parameters.get("MessageSid");
        String messageStatus = parameters.get("MessageStatus");
        if (messageSid == null || messageSid.isEmpty() || messageStatus == null || messageStatus.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new StatusCallback(
                messageSid,
                messageStatus,
                parameters.getOrDefault("AccountSid", ""),
                parameters.getOrDefault("To", ""),
                parameters.getOrDefault("From", ""),
                errorCode(parameters.get("ErrorCode")),
                receivedAt));
    }

    private static Integer errorCode(String value)
    {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return Integer.valueOf(value);
        }
        catch (NumberFormatException e) {
            return null;
        }
    }
}
