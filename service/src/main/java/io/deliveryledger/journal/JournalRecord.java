package io.deliveryledger.journal;

import static java.util.Objects.requireNonNull;

/** A durable record read back from the journal. The payload array is not copied: don't modify it. */
public record JournalRecord(JournalMark mark, byte[] payload)
{
    public JournalRecord
    {
        requireNonNull(mark, "mark is null");
        requireNonNull(payload, "payload is null");
    }

    public long position()
    {
        return mark.position();
    }
}
