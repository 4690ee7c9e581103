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
    private final boolean isFinal;

    MessageStatus(String wireName, int rank, boolean isFinal)
    {
        this.wireName = wireName;
        this.rank = rank;
        this.isFinal = isFinal;
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

    /**
     * Whether Twilio reports nothing more for the message, save a read receipt after delivery. A message
     * that is not final long after its last event has probably lost a callback: reconciliation fetches it.
     */
    public boolean isFinal()
    {
        return isFinal;
    }

    public static Optional<MessageStatus> fromWireName(String value)
    {
        return Optional.ofNullable(BY_WIRE_NAME.get(value));
    }
}
