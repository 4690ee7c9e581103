package io.deliveryledger.journal;

/** The journal holds its configured maximum of records not yet confirmed by ClickHouse. */
public final class JournalFullException
        extends Exception
{
    public JournalFullException(long unconfirmedBytes, long maxUnconfirmedBytes)
    {
        super("Journal is full: " + unconfirmedBytes + " bytes wait for ClickHouse (limit " + maxUnconfirmedBytes + ")");
    }
}
