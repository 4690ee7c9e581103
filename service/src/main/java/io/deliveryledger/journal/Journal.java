package io.deliveryledger.journal;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.deliveryledger.journal.io.Checkpoint;
import io.deliveryledger.journal.io.CheckpointFile;
import io.deliveryledger.journal.io.SegmentFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static java.util.Objects.requireNonNull;

/**
 * An append-only log of accepted requests on local disk, in segments, in the manner of Kafka's log
 * segments and Logstash's persistent queue.
 *
 * <p>Appends are acknowledged only after an fsync. One writer thread does all writing and lets every
 * append that arrived while it was busy (or within the group commit window) share one fsync. One
 * consumer reads durable records with {@link #openReader()} and {@link #acknowledge acknowledges} them
 * once ClickHouse has confirmed them; the checkpoint is then advanced and fully confirmed segments are
 * deleted. Segments are written whole in advance where they can be ({@link SegmentAllocator}): a segment's
 * records are followed by zeros up to its size. On open, every segment is scanned: a record with a bad
 * length, position or checksum ends its segment, and unless only zeros follow, the segment is truncated
 * there (a torn write from a crash). Everything after the checkpoint is read again, so a crash re-sends
 * what ClickHouse may not have confirmed.
 */
public final class Journal
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    private static final String LOCK_FILE = ".lock";

    private final JournalSettings settings;
    private final CheckpointFile checkpointFile;
    private final FileChannel lockChannel;
    private final FileLock directoryLock;
    private final ConcurrentNavigableMap<Long, Segment> segments;
    private final BlockingQueue<PendingAppend> pending = new LinkedBlockingQueue<>();
    private final AtomicLong reservedBytes;
    private final Thread writer;
    private final SegmentAllocator allocator;
    private final ExecutorService acknowledger = Executors.newSingleThreadExecutor(runnable -> new Thread(runnable, "journal-acknowledger"));

    private final ReentrantLock durableLock = new ReentrantLock();
    private final Condition durableAdvanced = durableLock.newCondition();
    private volatile long lastDurablePosition;
    private volatile long durableEndOffset;

    private final Object acknowledgeLock = new Object();
    private volatile Checkpoint checkpoint;
    private volatile long acknowledgedEndOffset;

    // Owned by the writer thread.
    private Optional<Tail> reopenableTail;
    private FileChannel activeChannel;
    // Where the active segment's records end: the writer's next offset in it (the file may be longer, zeros).
    private long activeFileSize;
    private long nextPosition;
    // Written by the writer thread only; volatile for the liveness check.
    private volatile IOException writeFailure;

    private volatile boolean closed;

    private final Meter appends;
    private final Timer fsyncs;
    private final Histogram groupSizes;

    private Journal(JournalSettings settings, CheckpointFile checkpointFile, FileChannel lockChannel, FileLock directoryLock, Recovery recovery,
            SegmentAllocator allocator, MetricRegistry metrics)
    {
        this.settings = settings;
        this.allocator = allocator;
        this.checkpointFile = checkpointFile;
        this.lockChannel = lockChannel;
        this.directoryLock = directoryLock;
        this.segments = recovery.segments;
        this.checkpoint = recovery.checkpoint;
        this.acknowledgedEndOffset = recovery.acknowledgedEndOffset;
        this.lastDurablePosition = recovery.nextPosition - 1;
        this.durableEndOffset = recovery.endOffset;
        this.nextPosition = recovery.nextPosition;
        this.reopenableTail = recovery.reopenableTail();
        this.reservedBytes = new AtomicLong(recovery.endOffset - recovery.acknowledgedEndOffset);
        this.appends = metrics.meter("journal.appends");
        this.fsyncs = metrics.timer("journal.fsyncs");
        this.groupSizes = metrics.histogram("journal.group-size");
        metrics.register("journal.unconfirmed-bytes", (Gauge<Long>) this::unconfirmedBytes);
        metrics.register("journal.lag", (Gauge<Long>) this::lag);
        metrics.register("journal.segments", (Gauge<Integer>) segments::size);
        this.writer = new Thread(this::writeLoop, "journal-writer");
        this.writer.setDaemon(false);
    }

    /** Opens (creating if needed) and recovers the journal in {@code settings.directory()}, then starts its writer. */
    public static Journal open(JournalSettings settings, MetricRegistry metrics)
            throws IOException
    {
        requireNonNull(settings, "settings is null");
        requireNonNull(metrics, "metrics is null");
        Path directory = settings.directory();
        Files.createDirectories(directory);
        FileChannel lockChannel = FileChannel.open(directory.resolve(LOCK_FILE), CREATE, WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        }
        catch (OverlappingFileLockException e) {
            // Already open in this JVM.
            lock = null;
        }
        catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IOException("Journal directory " + directory + " is in use by another process");
        }
        try {
            CheckpointFile checkpointFile = new CheckpointFile(directory);
            Recovery recovery = Recovery.run(directory, checkpointFile.readOrCreate());
            SegmentAllocator allocator = new SegmentAllocator(directory, settings.segmentBytes());
            Journal journal;
            try {
                journal = new Journal(settings, checkpointFile, lockChannel, lock, recovery, allocator, metrics);
            }
            catch (RuntimeException e) {
                allocator.close();
                throw e;
            }
            journal.writer.start();
            return journal;
        }
        catch (IOException | RuntimeException e) {
            lock.release();
            lockChannel.close();
            throw e;
        }
    }

    /** Identifies this journal for as long as its directory lives; positions are unique within it. */
    public UUID id()
    {
        return checkpoint.journalId();
    }

    /**
     * Queues {@code payload} for the next group commit. The future completes with the record's position
     * once the record is on disk, or exceptionally if writing failed.
     */
    public CompletableFuture<Long> append(byte[] payload)
            throws JournalFullException
    {
        requireNonNull(payload, "payload is null");
        if (payload.length > SegmentFormat.MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("Record of " + payload.length + " bytes exceeds the journal's record limit of " + SegmentFormat.MAX_PAYLOAD_BYTES);
        }
        if (closed) {
            throw new IllegalStateException("Journal is closed");
        }
        long size = SegmentFormat.framedSize(payload.length);
        while (true) {
            long reserved = reservedBytes.get();
            if (reserved + size > settings.maxUnconfirmedBytes()) {
                throw new JournalFullException(reserved, settings.maxUnconfirmedBytes());
            }
            if (reservedBytes.compareAndSet(reserved, reserved + size)) {
                break;
            }
        }
        PendingAppend append = new PendingAppend(payload, new CompletableFuture<>());
        pending.add(append);
        return append.result;
    }

    /** Opens the reader that delivers durable records from the first unacknowledged position on. */
    public JournalReader openReader()
    {
        return new JournalReader(this, checkpoint.acknowledgedPosition() + 1);
    }

    /**
     * Records that everything up to and including {@code mark} is confirmed downstream: advances the
     * checkpoint, releases the bytes, and deletes segments that hold nothing unconfirmed.
     */
    public void acknowledge(JournalMark mark)
            throws IOException
    {
        requireNonNull(mark, "mark is null");
        synchronized (acknowledgeLock) {
            if (mark.position() <= checkpoint.acknowledgedPosition()) {
                return;
            }
            if (mark.position() > lastDurablePosition) {
                throw new IllegalArgumentException("Cannot acknowledge position " + mark.position() + " beyond the durable end " + lastDurablePosition);
            }
            Checkpoint next = checkpoint.acknowledge(mark.position());
            checkpointFile.write(next);
            checkpoint = next;
            reservedBytes.addAndGet(-(mark.endOffset() - acknowledgedEndOffset));
            acknowledgedEndOffset = mark.endOffset();
            deleteConfirmedSegments(segments, mark.position());
            acknowledgeLock.notifyAll();
        }
    }

    /**
     * Waits until everything up to {@code position} is confirmed downstream, for writers that must know
     * their records reached ClickHouse (reconciliation before it reads what it wrote, a command before
     * it exits). Returns false if {@code timeout} passed first.
     */
    public boolean awaitAcknowledged(long position, Duration timeout)
            throws InterruptedException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (acknowledgeLock) {
            while (checkpoint.acknowledgedPosition() < position) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(acknowledgeLock, remaining);
            }
            return true;
        }
    }

    public long unconfirmedBytes()
    {
        return durableEndOffset - acknowledgedEndOffset;
    }

    /** Records on disk that ClickHouse has not confirmed yet. */
    public long lag()
    {
        return lastDurablePosition - checkpoint.acknowledgedPosition();
    }

    public long maxUnconfirmedBytes()
    {
        return settings.maxUnconfirmedBytes();
    }

    public Path directory()
    {
        return settings.directory();
    }

    /**
     * Why appends can no longer reach the disk, if they can't: the journal is closed, its writer thread
     * has ended, or a failed write could not be undone. Only a restart, which recovers the journal, helps
     * then; a full journal or a failing disk is not such a reason (appends resume once they pass).
     */
    public Optional<String> stoppedReason()
    {
        if (closed) {
            return Optional.of("the journal is closed");
        }
        if (!writer.isAlive()) {
            return Optional.of("the journal's writer thread has ended");
        }
        IOException failure = writeFailure;
        if (failure != null) {
            return Optional.of("the journal stopped writing after a failed write it could not undo: " + failure);
        }
        return Optional.empty();
    }

    /** Stops accepting appends, writes the ones already queued, and releases the directory. Idempotent. */
    @Override
    public void close()
            throws IOException
    {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writer.join();
            acknowledger.shutdown();
            acknowledger.awaitTermination(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        durableLock.lock();
        try {
            durableAdvanced.signalAll();
        }
        finally {
            durableLock.unlock();
        }
        if (activeChannel != null) {
            activeChannel.close();
        }
        allocator.close();
        directoryLock.release();
        lockChannel.close();
    }

    /** Waits until a record at {@code position} is durable or {@code timeoutNanos} passed; returns the durable end. */
    long awaitDurable(long position, long timeoutNanos)
            throws InterruptedException
    {
        long remaining = timeoutNanos;
        durableLock.lock();
        try {
            while (lastDurablePosition < position && remaining > 0 && !closed) {
                remaining = durableAdvanced.awaitNanos(remaining);
            }
            return lastDurablePosition;
        }
        finally {
            durableLock.unlock();
        }
    }

    /** The segment holding {@code position}, if it is still on disk. */
    Optional<Segment> segmentOf(long position)
    {
        Map.Entry<Long, Segment> entry = segments.floorEntry(position);
        return Optional.ofNullable(entry).map(Map.Entry::getValue);
    }

    Optional<Segment> segmentAfter(long basePosition)
    {
        return Optional.ofNullable(segments.higherEntry(basePosition)).map(Map.Entry::getValue);
    }

    private static void deleteConfirmedSegments(ConcurrentNavigableMap<Long, Segment> segments, long acknowledgedPosition)
            throws IOException
    {
        if (segments.isEmpty()) {
            return;
        }
        // The last segment is the writer's; any other is done once the next one starts after the acknowledged position.
        for (Map.Entry<Long, Segment> entry : segments.headMap(segments.lastKey()).entrySet()) {
            Long nextBase = segments.higherKey(entry.getKey());
            if (nextBase == null || nextBase - 1 > acknowledgedPosition) {
                return;
            }
            Files.deleteIfExists(entry.getValue().path());
            segments.remove(entry.getKey());
        }
    }

    private void writeLoop()
    {
        List<PendingAppend> group = new ArrayList<>();
        try {
            while (true) {
                PendingAppend first = pending.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closed && pending.isEmpty()) {
                        return;
                    }
                    continue;
                }
                group.add(first);
                collectGroup(group);
                writeGroup(group);
                group.clear();
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.addAll(pending);
            group.forEach(append -> append.result.completeExceptionally(new IOException("Journal writer interrupted")));
        }
    }

    private void collectGroup(List<PendingAppend> group)
            throws InterruptedException
    {
        long deadline = System.nanoTime() + settings.groupCommitWindow().toNanos();
        while (true) {
            pending.drainTo(group);
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return;
            }
            PendingAppend next = pending.poll(remaining, TimeUnit.NANOSECONDS);
            if (next == null) {
                return;
            }
            group.add(next);
        }
    }

    private void writeGroup(List<PendingAppend> group)
    {
        long firstPosition = nextPosition;
        long fileSizeBefore = activeFileSize;
        long endOffset = durableEndOffset;
        // Records of this group already fsynced in a segment the group filled up; they stand even if the rest fails.
        int synced = 0;
        try {
            if (writeFailure != null) {
                throw new IOException("Journal stopped writing after an earlier failure", writeFailure);
            }
            ByteBuffer buffer = ByteBuffer.allocate(group.stream().mapToInt(append -> SegmentFormat.framedSize(append.payload.length)).sum());
            for (int index = 0; index < group.size(); index++) {
                PendingAppend append = group.get(index);
                int size = SegmentFormat.framedSize(append.payload.length);
                if (activeChannel == null || (activeFileSize + size > settings.segmentBytes() && activeFileSize > SegmentFormat.HEADER_BYTES)) {
                    writeAndSync(buffer.flip(), fileSizeBefore);
                    buffer.clear();
                    synced = index;
                    publishDurable(nextPosition - 1, endOffset);
                    startSegment(nextPosition, endOffset);
                    fileSizeBefore = activeFileSize;
                }
                SegmentFormat.encode(buffer, nextPosition, append.payload);
                nextPosition++;
                activeFileSize += size;
                endOffset += size;
            }
            try (Timer.Context ignored = fsyncs.time()) {
                writeAndSync(buffer.flip(), fileSizeBefore);
            }
            synced = group.size();
            publishDurable(nextPosition - 1, endOffset);
        }
        catch (IOException | RuntimeException e) {
            // Undo the unsynced part so that later appends don't land behind bytes recovery would cut off.
            List<PendingAppend> failed = group.subList(synced, group.size());
            nextPosition = firstPosition + synced;
            reservedBytes.addAndGet(-failed.stream().mapToLong(append -> SegmentFormat.framedSize(append.payload.length)).sum());
            rollBack(fileSizeBefore, e);
            log.error("Journal write of {} records failed", failed.size(), e);
            failed.forEach(append -> append.result.completeExceptionally(e));
        }
        if (synced == 0) {
            return;
        }
        appends.mark(synced);
        groupSizes.update(synced);
        // Whatever waits on these futures (answering HTTP requests) runs on another thread, so the
        // writer goes straight on to the next group's fsync.
        List<PendingAppend> written = List.copyOf(group.subList(0, synced));
        acknowledger.execute(() -> {
            long position = firstPosition;
            for (PendingAppend append : written) {
                append.result.complete(position++);
            }
        });
    }

    private void rollBack(long fileSize, Exception cause)
    {
        if (activeChannel == null || writeFailure != null) {
            return;
        }
        try {
            activeChannel.truncate(fileSize);
            activeChannel.force(true);
            activeFileSize = fileSize;
        }
        catch (IOException e) {
            e.addSuppressed(cause);
            writeFailure = e;
        }
    }

    /** Writes {@code buffer} into the active segment at {@code offset}, where its records end, and fsyncs. */
    private void writeAndSync(ByteBuffer buffer, long offset)
            throws IOException
    {
        if (activeChannel == null || !buffer.hasRemaining()) {
            return;
        }
        SegmentFormat.writeFully(activeChannel, buffer, offset);
        activeChannel.force(false);
    }

    private void startSegment(long basePosition, long startOffset)
            throws IOException
    {
        if (activeChannel == null && reopenableTail.isPresent()) {
            // Append to the recovered last segment rather than leaving a sliver of one behind.
            activeChannel = FileChannel.open(reopenableTail.get().path(), WRITE, READ);
            activeFileSize = reopenableTail.get().endOffset();
            reopenableTail = Optional.empty();
            if (activeFileSize < settings.segmentBytes()) {
                return;
            }
        }
        if (activeChannel != null) {
            activeChannel.close();
        }
        Path path = settings.directory().resolve(SegmentFormat.fileName(basePosition));
        activeChannel = allocator.create(path);
        activeFileSize = SegmentFormat.HEADER_BYTES;
        segments.put(basePosition, new Segment(basePosition, path, startOffset));
    }

    private void publishDurable(long position, long endOffset)
    {
        durableLock.lock();
        try {
            durableEndOffset = endOffset;
            lastDurablePosition = position;
            durableAdvanced.signalAll();
        }
        finally {
            durableLock.unlock();
        }
    }

    /**
     * A segment file. {@code startOffset} counts the record bytes of all segments before it, so a record's
     * end offset is comparable across segments.
     */
    record Segment(long basePosition, Path path, long startOffset) {}

    /** The recovered last segment, whose records end at {@code endOffset} in its file. */
    private record Tail(Path path, long endOffset) {}

    private record PendingAppend(byte[] payload, CompletableFuture<Long> result) {}

    /** The state found on disk at open, after truncating torn tails and deleting confirmed segments. */
    private static final class Recovery
    {
        private final ConcurrentNavigableMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
        private final Checkpoint checkpoint;
        private long nextPosition;
        private long endOffset;
        private long acknowledgedEndOffset;
        private long tailEndPosition = -1;
        private long tailEndOffset;

        private Recovery(Checkpoint checkpoint)
        {
            this.checkpoint = checkpoint;
            this.nextPosition = checkpoint.acknowledgedPosition() + 1;
        }

        static Recovery run(Path directory, Checkpoint checkpoint)
                throws IOException
        {
            Recovery recovery = new Recovery(checkpoint);
            List<Path> files;
            try (Stream<Path> listing = Files.list(directory)) {
                files = listing.filter(path -> SegmentFormat.basePosition(path.getFileName().toString()).isPresent())
                        .sorted()
                        .toList();
            }
            for (Path file : files) {
                recovery.recoverSegment(file, SegmentFormat.basePosition(file.getFileName().toString()).getAsLong());
            }
            long acknowledged = checkpoint.acknowledgedPosition();
            if (recovery.nextPosition - 1 < acknowledged) {
                // Every record on disk is confirmed; never reuse a confirmed position.
                recovery.nextPosition = acknowledged + 1;
                recovery.acknowledgedEndOffset = recovery.endOffset;
            }
            deleteConfirmedSegments(recovery.segments, acknowledged);
            log.info("Journal {} recovered: {} segments, next position {}, {} records ({} bytes) not yet confirmed by ClickHouse",
                    directory, recovery.segments.size(), recovery.nextPosition, recovery.nextPosition - 1 - acknowledged, recovery.endOffset - recovery.acknowledgedEndOffset);
            return recovery;
        }

        private void recoverSegment(Path file, long basePosition)
                throws IOException
        {
            long acknowledged = checkpoint.acknowledgedPosition();
            if (basePosition < nextPosition && !segments.isEmpty()) {
                throw new IOException("Journal segment " + file + " overlaps the segment before it");
            }
            try (FileChannel channel = FileChannel.open(file, READ, WRITE)) {
                if (!SegmentFormat.hasValidHeader(channel)) {
                    if (channel.size() > SegmentFormat.HEADER_BYTES) {
                        throw new IOException("Journal segment " + file + " has no valid header; move it away to start without it");
                    }
                    // A crash while the segment was being created: it holds nothing.
                    log.warn("Deleting journal segment {} left incomplete by a crash at creation", file);
                    Files.delete(file);
                    return;
                }
                long offset = SegmentFormat.HEADER_BYTES;
                long position = basePosition;
                long segmentStart = endOffset;
                while (true) {
                    Optional<byte[]> payload = SegmentFormat.read(channel, offset, position);
                    if (payload.isEmpty()) {
                        break;
                    }
                    offset += SegmentFormat.framedSize(payload.get().length);
                    endOffset += SegmentFormat.framedSize(payload.get().length);
                    if (position == acknowledged) {
                        acknowledgedEndOffset = endOffset;
                    }
                    position++;
                }
                if (position <= acknowledged) {
                    acknowledgedEndOffset = endOffset;
                }
                long size = channel.size();
                if (offset < size && !SegmentFormat.onlyZerosFrom(channel, offset)) {
                    log.warn("Journal segment {}: truncating {} bytes after position {} (torn or corrupt tail)", file, size - offset, position - 1);
                    channel.truncate(offset);
                    channel.force(true);
                }
                segments.put(basePosition, new Segment(basePosition, file, segmentStart));
                nextPosition = position;
                tailEndPosition = position;
                tailEndOffset = offset;
            }
        }

        /** The last segment, when the writer's next record continues it. */
        Optional<Tail> reopenableTail()
        {
            if (segments.isEmpty() || tailEndPosition != nextPosition) {
                return Optional.empty();
            }
            return Optional.of(new Tail(segments.lastEntry().getValue().path(), tailEndOffset));
        }
    }
}
