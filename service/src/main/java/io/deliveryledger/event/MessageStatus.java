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
    ACCEPTED("accepted", 1, false),
    SCHEDULED("scheduled", 1, false),
    QUEUED("queued", 2, false),
    SENDING("sending", 3, false),
    RECEIVING("receiving", 3, false),
    SENT("sent", 4, false),
    CANCELED("canceled", 5, true),
    FAILED("failed", 5, true),
    DELIVERED("delivered", 5, true),
    UNDELIVERED("undelivered", 5, true),
    PARTIALLY_DELIVERED("partially_delivered", 5, true),
    RECEIVED("received", 5, true),
    // A read receipt can follow delivered, so it outranks every other final status.
    READ("read", 6, true);

    private static final Map<String, MessageStatus> BY_WIRE_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(MessageStatus::wireName, Function.identity()));

    private final String wireName;
    private final int rank;
    private final boolean terminal;

    MessageStatus(String wireName, int rank, boolean terminal)
    {
        this.wireName = wireName;
        this.rank = rank;
        this.terminal = terminal;
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

    public boolean terminal()
    {
        return terminal;
    }

    public static Optional<MessageStatus> fromWireName(String value)
    {
        return Optional.ofNullable(BY_WIRE_NAME.get(value));
    }
}
