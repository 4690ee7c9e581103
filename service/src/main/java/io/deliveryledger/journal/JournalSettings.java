package io.deliveryledger.journal;

import java.nio.file.Path;
import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * @param segmentBytes a segment is closed and a new one started once it would grow past this size
 * @param maxUnconfirmedBytes appends are refused once this many record bytes wait for ClickHouse
 * @param groupCommitWindow how long the writer waits after the first pending append for more to share its fsync
 */
public record JournalSettings(Path directory, long segmentBytes, long maxUnconfirmedBytes, Duration groupCommitWindow)
{
    public JournalSettings
    {
        requireNonNull(directory, "directory is null");
        requireNonNull(groupCommitWindow, "groupCommitWindow is null");
        if (segmentBytes < 1024) {
            throw new IllegalArgumentException("segmentBytes must be at least 1024: " + segmentBytes);
        }
        if (maxUnconfirmedBytes < segmentBytes) {
            throw new IllegalArgumentException("maxUnconfirmedBytes must be at least segmentBytes");
        }
        if (groupCommitWindow.isNegative()) {
            throw new IllegalArgumentException("groupCommitWindow is negative");
        }
    }
}
