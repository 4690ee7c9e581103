package io.deliveryledger.event;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Twilio's message statuses with their precedence. Callbacks arrive in any order, so a message's
 * current status is the one of highest rank (ties broken by event time), never the last to arrive.
 */
public enum MessageStatus
{
    ACCEPTED("accepted", 1),
    SCHEDULED("scheduled", 1),
    QUEUED("queued", 2),
    SENDING("sending", 3),
    RECEIVING("receiving", 3),
    SENT("sent", 4),
    CANCELED("canceled", 5),
    FAILED("failed", 5),
    DELIVERED("delivered", 5),
    UNDELIVERED("undelivered", 5),
    PARTIALLY_DELIVERED("partially_delivered", 5),
    RECEIVED("received", 5),
    // A read receipt can follow delivered, so it outranks every other final status.
    READ("read", 6);

    private static final Map<String, MessageStatus> BY_WIRE_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(MessageStatus::wireName, Function.identity()));

    private final String wireName;
    private final int rank;

    MessageStatus(String wireName, int rank)
    {
        this.wireName = wireName;
        this.rank = rank;
    }

    /** The value Twilio sends, e.g. {@code delivered}. */
    public String wireName()
    {
        return wireName;
    }

    public int rank()
    {
        return rank;
    }

    public static Optional<MessageStatus> fromWireName(String value)
    {
        return Optional.ofNullable(BY_WIRE_NAME.get(value));
    }
}
