package io.deliveryledger.event;

/** Where an event came from; stored with every event so the ledger can say how it learned a status. */
public enum Source
{
    CALLBACK("callback"),
    INBOUND("inbound"),
    RECONCILE("reconcile"),
    BACKFILL("backfill"),
    REGISTRATION("registration");

    private final String columnValue;

    Source(String columnValue)
    {
        this.columnValue = columnValue;
    }

    public String columnValue()
    {
        return columnValue;
    }
}
