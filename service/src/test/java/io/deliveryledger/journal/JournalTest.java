package io.deliveryledger.journal;

import com.codahale.metrics.MetricRegistry;
import io.deliveryledger.journal.io.SegmentFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class JournalTest
{
    private static final long SEGMENT_BYTES = 64 << 10;

    @TempDir
    Path directory;

    @Test
    void appendedRecordsAreReadBackInOrderAfterTheirFsync()
            throws Exception
    {
        try (Journal journal = open(1 << 20, 16 << 20, Duration.ZERO); JournalReader reader = journal.openReader()) {
            for (int i = 0; i < 100; i++) {
                assertThat(journal.append(payload(i)).get()).isEqualTo(i);
            }
            List<JournalRecord> records = readAll(reader, 100);
            assertThat(records).extracting(JournalRecord::position).containsExactlyElementsOf(range(0, 100));
            assertThat(records).extracting(record -> text(record.payload())).containsExactlyElementsOf(range(0, 100).stream().map(JournalTest::record).toList());
            assertThat(journal.lag()).isEqualTo(100);
        }
    }

    @Test
    void concurrentAppendsShareFsyncs()
            throws Exception
    {
        MetricRegistry metrics = new MetricRegistry();
        ExecutorService executor = Executors.newFixedThreadPool(32);
        try (Journal journal = Journal.open(new JournalSettings(directory, 1 << 20, 64 << 20, Duration.ofMillis(20)), metrics)) {
            List<Future<Long>> positions = new ArrayList<>();
            for (int i = 0; i < 320; i++) {
                int value = i;
                positions.add(executor.submit(() -> journal.append(payload(value)).get()));
            }
            List<Long> assigned = new ArrayList<>();
            for (Future<Long> position : positions) {
                assigned.add(position.get());
            }
            assertThat(assigned).containsExactlyInAnyOrderElementsOf(range(0, 320));
            long fsyncs = metrics.timer("journal.fsyncs").getCount();
            assertThat(fsyncs).isPositive().isLessThan(320 / 4);
        }
        finally {
            executor.shutdownNow();
        }
    }

    @Test
    void unacknowledgedRecordsAreReadAgainAfterReopen()
            throws Exception
    {
        UUID id;
        try (Journal journal = open(1 << 20, 16 << 20, Duration.ZERO); JournalReader reader = journal.openReader()) {
            id = journal.id();
            appendAll(journal, 0, 10);
            List<JournalRecord> records = readAll(reader, 10);
            journal.acknowledge(records.get(5).mark());
        }
        try (Journal journal = open(1 << 20, 16 << 20, Duration.ZERO); JournalReader reader = journal.openReader()) {
            assertThat(journal.id()).isEqualTo(id);
            assertThat(journal.lag()).isEqualTo(4);
            assertThat(readAll(reader, 4)).extracting(JournalRecord::position).containsExactly(6L, 7L, 8L, 9L);
            assertThat(journal.append(payload(10)).get()).isEqualTo(10);
        }
    }

    @Test
    void segmentsAreWrittenWholeInAdvanceAndAppendedToWhereTheirRecordsEnd()
            throws Exception
    {
        appendToASegmentWrittenWhole(3);
        Path segment = onlySegment();
        assertThat(Files.size(segment)).as("the segment's size from its first record").isEqualTo(SEGMENT_BYTES);
        // Reopened, the zeros after the records are no torn tail, and the next records go where the records end.
        try (Journal journal = open(SEGMENT_BYTES, 16 << 20, Duration.ZERO); JournalReader reader = journal.openReader()) {
            assertThat(Files.size(segment)).isEqualTo(SEGMENT_BYTES);
            appendAll(journal, 3, 5);
            assertThat(readAll(reader, 5)).extracting(record -> text(record.payload())).containsExactlyElementsOf(range(0, 5).stream().map(JournalTest::record).toList());
        }
        assertThat(segments()).containsExactly(segment);
        try (Journal journal = open(SEGMENT_BYTES, 16 << 20, Duration.ZERO); JournalReader reader = journal.openReader()) {
            assertThat(readAll(reader, 5)).extracting(JournalRecord::position).containsExactlyElementsOf(range(0, 5));
            assertThat(journal.append(payload(5)).get()).isEqualTo(5);
        }
    }

    @Test
    void aSpareLeftBehindIsNotTrusted()
            throws Exception
    {
        Files.write(directory.resolve(SegmentAllocator.SPARE_FILE), "not a segment".getBytes(StandardCharsets.UTF_8));
        appendToASegmentWrittenWhole(3);
        try (Journal journal = open(SEGMENT_BYTES, 16 << 20, Duration.ZERO); JournalReader reader = journal.openReader()) {
            assertThat(readAll(reader, 3)).extracting(JournalRecord::position).containsExactlyElementsOf(range(0, 3));
        }
    }

    @Test
    void corruptedTailIsTruncatedAtTheLastGoodRecord()
            throws Exception
    {
        appendToASegmentWrittenWhole(5);
        Path segment = onlySegment();
        long size = Files.size(segment);
        // Flip one payload byte of the last record: its checksum no longer matches.
        try (FileChannel channel = FileChannel.open(segment, WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {'X'}), recordsEnd(5) - 2);
        }
        try (Journal journal = open(SEGMENT_BYTES, 16 << 20, Duration.ZERO); JournalReader reader = journal.openReader()) {
            assertThat(readAll(reader, 4)).extracting(record -> text(record.payload())).containsExactly(record(0), record(1), record(2), record(3));
            assertThat(Files.size(segment)).isEqualTo(recordsEnd(4)).isLessThan(size);
            assertThat(journal.append(payload(99)).get()).isEqualTo(4);
            assertThat(readAll(reader, 1)).extracting(record -> text(record.payload())).containsExactly(record(99));
        }
    }

    @Test
    void tornWriteIsTruncated()
            throws Exception
    {
        appendToASegmentWrittenWhole(3);
        Path segment = onlySegment();
        try (FileChannel channel = FileChannel.open(segment, WRITE)) {
            // Half of a fourth record where the records end, zeros after it: a crash in the middle of a write.
            channel.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 100, 1, 2, 3}), recordsEnd(3));
        }
        try (Journal journal = open(SEGMENT_BYTES, 16 << 20, Duration.ZERO); JournalReader reader = journal.openReader()) {
            assertThat(journal.lag()).isEqualTo(3);
            assertThat(journal.append(payload(3)).get()).isEqualTo(3);
            assertThat(readAll(reader, 4)).extracting(JournalRecord::position).containsExactly(0L, 1L, 2L, 3L);
        }
    }

    @Test
    void refusesAppendsAtTheCapUntilRecordsAreAcknowledged()
            throws Exception
    {
        try (Journal journal = open(1024, 2048, Duration.ZERO); JournalReader reader = journal.openReader()) {
            List<CompletableFuture<Long>> accepted = new ArrayList<>();
            assertThatThrownBy(() -> {
                for (int i = 0; i < 1000; i++) {
                    accepted.add(journal.append(payload(i)));
                }
            }).isInstanceOf(JournalFullException.class).hasMessageContaining("Journal is full");
            assertThat(accepted).hasSizeBetween(10, 100);
            CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)).get();
            List<JournalRecord> records = readAll(reader, accepted.size());
            journal.acknowledge(records.get(records.size() - 1).mark());
            assertThat(journal.unconfirmedBytes()).isZero();
            assertThat(journal.append(payload(1000)).get()).isEqualTo(accepted.size());
        }
    }

    @Test
    void rollsSegmentsAndDeletesThemOnceConfirmed()
            throws Exception
    {
        try (Journal journal = open(1024, 1 << 20, Duration.ZERO); JournalReader reader = journal.openReader()) {
            appendAll(journal, 0, 200);
            assertThat(segments()).hasSizeGreaterThan(5);
            List<JournalRecord> records = readAll(reader, 200);
            assertThat(records).extracting(JournalRecord::position).containsExactlyElementsOf(range(0, 200));
            journal.acknowledge(records.get(199).mark());
            assertThat(segments()).hasSize(1);
        }
        try (Journal journal = open(1024, 1 << 20, Duration.ZERO)) {
            assertThat(journal.lag()).isZero();
            assertThat(journal.append(payload(200)).get()).isEqualTo(200);
        }
    }

    @Test
    void positionsAreNeverReusedAfterEverythingWasConfirmed()
            throws Exception
    {
        try (Journal journal = open(1024, 1 << 20, Duration.ZERO); JournalReader reader = journal.openReader()) {
            appendAll(journal, 0, 50);
            journal.acknowledge(readAll(reader, 50).get(49).mark());
        }
        try (Journal journal = open(1024, 1 << 20, Duration.ZERO)) {
            assertThat(journal.append(payload(50)).get()).isEqualTo(50);
        }
    }

    @Test
    void aSecondProcessCannotOpenTheSameDirectory()
            throws Exception
    {
        try (Journal ignored = open(1 << 20, 16 << 20, Duration.ZERO)) {
            assertThatThrownBy(() -> open(1 << 20, 16 << 20, Duration.ZERO))
                    .isInstanceOf(IOException.class);
        }
    }

    /** Appends payloads 0 to count - 1 into a new journal's first segment, once that segment can be written whole, and closes it. */
    private void appendToASegmentWrittenWhole(int count)
            throws Exception
    {
        try (Journal journal = open(SEGMENT_BYTES, 16 << 20, Duration.ZERO)) {
            awaitSpare();
            appendAll(journal, 0, count);
        }
    }

    /** Waits until the journal's next segment is prepared, so that the segment the next append starts is written whole. */
    private void awaitSpare()
            throws Exception
    {
        Path spare = directory.resolve(SegmentAllocator.SPARE_FILE);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!(Files.exists(spare) && Files.size(spare) == SEGMENT_BYTES)) {
            assertThat(System.nanoTime()).as("the spare segment is prepared within 10 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    /** Where the records of payloads 0 to count - 1 end in their segment. */
    private static long recordsEnd(int count)
    {
        long end = SegmentFormat.HEADER_BYTES;
        for (int i = 0; i < count; i++) {
            end += SegmentFormat.framedSize(payload(i).length);
        }
        return end;
    }

    private Journal open(long segmentBytes, long maxBytes, Duration window)
            throws IOException
    {
        return Journal.open(new JournalSettings(directory, segmentBytes, maxBytes, window), new MetricRegistry());
    }

    private static void appendAll(Journal journal, int from, int to)
            throws Exception
    {
        for (int i = from; i < to; i++) {
            journal.append(payload(i)).get();
        }
    }

    private static List<JournalRecord> readAll(JournalReader reader, int count)
            throws Exception
    {
        List<JournalRecord> records = new ArrayList<>();
        while (records.size() < count) {
            List<JournalRecord> read = reader.read(count - records.size(), Long.MAX_VALUE, Duration.ofSeconds(5));
            assertThat(read).as("records after %d", records.size()).isNotEmpty();
            records.addAll(read);
        }
        return records;
    }

    private Path onlySegment()
            throws IOException
    {
        List<Path> segments = segments();
        assertThat(segments).hasSize(1);
        return segments.get(0);
    }

    private List<Path> segments()
            throws IOException
    {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(path -> path.toString().endsWith(".segment")).sorted().toList();
        }
    }

    private static List<Long> range(long from, long to)
    {
        List<Long> values = new ArrayList<>();
        for (long i = from; i < to; i++) {
            values.add(i);
        }
        return values;
    }

    private static byte[] payload(int i)
    {
        return record(i).getBytes(StandardCharsets.UTF_8);
    }

    private static String record(long i)
    {
        return "{\"record\":" + i + "}";
    }

    private static String text(byte[] payload)
    {
        return new String(payload, StandardCharsets.UTF_8);
    }
}
