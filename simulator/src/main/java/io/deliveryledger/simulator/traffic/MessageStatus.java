package io.deliveryledger.simulator.traffic;

/** The message statuses the simulator plays, with Twilio's names. */
public enum MessageStatus
{
    ACCEPTED("accepted"),
    SCHEDULED("scheduled"),
    QUEUED("queued"),
    SENT("sent"),
    FAILED("failed"),
    DELIVERED("delivered"),
    UNDELIVERED("undelivered"),
    READ("read"),
    CANCELED("canceled");

    private final String wireName;

    MessageStatus(String wireName)
    {
        this.wireName = wireName;
    }

    public String wireName()
    {
        return wireName;
    }
}
