package io.deliveryledger.journal.io;

import java.util.UUID;

import static java.util.Objects.requireNonNull;

/** What a checkpoint file holds: which journal this is and how far ClickHouse has confirmed it. */
public record Checkpoint(UUID journalId, long acknowledgedPosition)
{
    public static final long NOTHING_ACKNOWLEDGED = -1;

    public Checkpoint
    {
        requireNonNull(journalId, "journalId is null");
        if (acknowledgedPosition < NOTHING_ACKNOWLEDGED) {
            throw new IllegalArgumentException("acknowledgedPosition is negative: " + acknowledgedPosition);
        }
    }

    public Checkpoint acknowledge(long position)
    {
        return new Checkpoint(journalId, position);
    }
}
