package io.deliveryledger.journal;

/**
 * A point in the journal: a record's position and the count of record bytes written up to its end.
 * Acknowledging a mark tells the journal how much it may release.
 */
public record JournalMark(long position, long endOffset)
{
    public JournalMark
    {
        if (position < 0 || endOffset < 0) {
            throw new IllegalArgumentException("position and endOffset must not be negative");
        }
    }
}
