package io.deliveryledger.journal;

import io.deliveryledger.journal.io.CheckpointFile;
import io.deliveryledger.journal.io.SegmentFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static java.util.Objects.requireNonNull;

/**
 * Creates the journal's segment files, each whole in advance where it can. A spare segment (its header,
 * then zeros to the segment's full size, fsynced) is written off the writer's thread under a name recovery
 * ignores, renamed to {@link #SPARE_FILE} once complete, and renamed into place when the writer starts a
 * segment. The writer then overwrites blocks the file already has, and the fsync of each group of records
 * flushes those records alone; appending to a growing file also makes every fsync commit the file's new
 * size and blocks: half again of its CPU, and under load about twice its time (bench/journal-fsync,
 * bench/README "What limits it"). The writer never waits
 * for a spare: when none is ready (just after start, or segments filling faster than spares are written),
 * the segment is created empty and grows, as every segment did before.
 */
final class SegmentAllocator
        implements AutoCloseable
{
    /** A complete spare; its name is not a segment's, so recovery never reads it. */
    static final String SPARE_FILE = "spare.segment.tmp";
    // The spare while it is written; one left by a crash is deleted at start, as is a complete one.
    private static final String PARTIAL_SPARE_FILE = "spare.segment.partial";

    private static final Logger log = LoggerFactory.getLogger(SegmentAllocator.class);
    private static final int ZEROS_BYTES = 1 << 20;
    // Spreads the spare's writeback, so that its fsync does not hold up the writer's fsyncs for long.
    private static final long FORCE_EVERY_BYTES = 8L << 20;

    private final Path directory;
    private final long segmentBytes;
    private final ExecutorService preparer = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "journal-segment-allocator");
        thread.setDaemon(true);
        return thread;
    });

    SegmentAllocator(Path directory, long segmentBytes)
            throws IOException
    {
        this.directory = requireNonNull(directory, "directory is null");
        this.segmentBytes = segmentBytes;
        Files.deleteIfExists(directory.resolve(PARTIAL_SPARE_FILE));
        Files.deleteIfExists(directory.resolve(SPARE_FILE));
        preparer.execute(this::prepareSpare);
    }

    /**
     * Creates the segment file {@code path}, durably (its directory entry fsynced), with its header
     * written and the writer's position just after it.
     */
    FileChannel create(Path path)
            throws IOException
    {
        if (Files.exists(path)) {
            throw new FileAlreadyExistsException(path.toString());
        }
        Path spare = directory.resolve(SPARE_FILE);
        FileChannel channel;
        if (Files.exists(spare)) {
            Files.move(spare, path, ATOMIC_MOVE);
            preparer.execute(this::prepareSpare);
            channel = FileChannel.open(path, WRITE, READ);
        }
        else {
            channel = FileChannel.open(path, CREATE_NEW, WRITE, READ);
            SegmentFormat.writeFully(channel, SegmentFormat.header(), 0);
            channel.force(true);
        }
        CheckpointFile.syncDirectory(directory);
        return channel;
    }

    /** Stops preparing and deletes the spare: one is prepared anew at the next start. */
    @Override
    public void close()
            throws IOException
    {
        preparer.shutdownNow();
        try {
            preparer.awaitTermination(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(directory.resolve(PARTIAL_SPARE_FILE));
        Files.deleteIfExists(directory.resolve(SPARE_FILE));
    }

    private void prepareSpare()
    {
        if (Files.exists(directory.resolve(SPARE_FILE))) {
            return;
        }
        try {
            writeSpare(directory.resolve(PARTIAL_SPARE_FILE));
            Files.move(directory.resolve(PARTIAL_SPARE_FILE), directory.resolve(SPARE_FILE), ATOMIC_MOVE);
        }
        catch (ClosedByInterruptException e) {
            // Closing.
        }
        catch (IOException e) {
            log.warn("Journal could not prepare its next segment in advance; it grows as records arrive instead", e);
        }
    }

    private void writeSpare(Path file)
            throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, CREATE, TRUNCATE_EXISTING, WRITE)) {
            SegmentFormat.writeFully(channel, SegmentFormat.header(), 0);
            ByteBuffer zeros = ByteBuffer.allocateDirect(ZEROS_BYTES);
            for (long offset = SegmentFormat.HEADER_BYTES; offset < segmentBytes; ) {
                zeros.clear().limit((int) Math.min(ZEROS_BYTES, segmentBytes - offset));
                long next = offset + zeros.remaining();
                SegmentFormat.writeFully(channel, zeros, offset);
                if (next / FORCE_EVERY_BYTES != offset / FORCE_EVERY_BYTES) {
                    channel.force(false);
                }
                offset = next;
            }
            channel.force(true);
        }
    }
}
