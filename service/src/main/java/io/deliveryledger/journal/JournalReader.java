package io.deliveryledger.journal;

import io.deliveryledger.journal.io.SegmentFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.nio.file.StandardOpenOption.READ;
import static java.util.Objects.requireNonNull;

/**
 * Reads durable records in position order for the journal's single consumer. It keeps its own file
 * handles, so reading never contends with the writer; records are read back through the page cache.
 * Reading does not acknowledge: the consumer calls {@link Journal#acknowledge} once a batch is confirmed.
 */
public final class JournalReader
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(JournalReader.class);

    private final Journal journal;
    private long nextPosition;
    private Journal.Segment segment;
    private FileChannel channel;
    private long offset;

    JournalReader(Journal journal, long firstPosition)
    {
        this.journal = requireNonNull(journal, "journal is null");
        this.nextPosition = firstPosition;
    }

    /** The position the next {@link #read} starts at: after a restart, the first one not acknowledged. */
    public long nextPosition()
    {
        return nextPosition;
    }

    /**
     * Returns up to {@code maxRecords} records (and about {@code maxBytes} of payload) from where the
     * last call ended, waiting up to {@code wait} for the first one. Empty when nothing arrived in time.
     */
    public List<JournalRecord> read(int maxRecords, long maxBytes, Duration wait)
            throws IOException, InterruptedException
    {
        long durable = journal.awaitDurable(nextPosition, wait.toNanos());
        List<JournalRecord> records = new ArrayList<>();
        long bytes = 0;
        while (nextPosition <= durable && records.size() < maxRecords && bytes < maxBytes) {
            JournalRecord record = readNext();
            records.add(record);
            bytes += record.payload().length;
        }
        return records;
    }

    private JournalRecord readNext()
            throws IOException
    {
        positionAtSegmentOf(nextPosition);
        Optional<byte[]> payload = SegmentFormat.read(channel, offset, nextPosition);
        if (payload.isEmpty()) {
            Optional<Journal.Segment> following = journal.segmentAfter(segment.basePosition());
            if (following.isPresent()) {
                // Recovery cut a corrupt segment short; its lost records can't be had back.
                log.error("Journal positions {} to {} were lost to corruption found at recovery", nextPosition, following.get().basePosition() - 1);
                nextPosition = following.get().basePosition();
                return readNext();
            }
            throw new IOException("Journal record " + nextPosition + " in " + segment.path() + " at offset " + offset + " is unreadable though it was written durably");
        }
        offset += SegmentFormat.framedSize(payload.get().length);
        JournalMark mark = new JournalMark(nextPosition, segment.startOffset() + offset - SegmentFormat.HEADER_BYTES);
        nextPosition++;
        return new JournalRecord(mark, payload.get());
    }

    private void positionAtSegmentOf(long position)
            throws IOException
    {
        Journal.Segment containing = journal.segmentOf(position)
                .orElseThrow(() -> new IOException("Journal has no segment holding position " + position));
        if (segment != null && containing.basePosition() == segment.basePosition()) {
            return;
        }
        close();
        segment = containing;
        channel = FileChannel.open(containing.path(), READ);
        offset = SegmentFormat.HEADER_BYTES;
        // A reader starting mid-segment (after a restart) skips the records already confirmed.
        for (long skipped = containing.basePosition(); skipped < nextPosition; skipped++) {
            byte[] payload = SegmentFormat.read(channel, offset, skipped)
                    .orElseThrow(() -> new IOException("Journal segment " + containing.path() + " is unreadable before position " + nextPosition));
            offset += SegmentFormat.framedSize(payload.length);
        }
    }

    @Override
    public void close()
            throws IOException
    {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }
}
