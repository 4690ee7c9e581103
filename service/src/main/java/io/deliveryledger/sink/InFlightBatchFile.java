package io.deliveryledger.sink;

import io.deliveryledger.journal.io.CheckpointFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.CRC32C;

import static java.util.Objects.requireNonNull;

/**
 * The last journal position of the batch being inserted (it begins after the last acknowledged one),
 * written durably before its first insert. After a crash the batch writer forms its first batch from
 * exactly these positions again, so the retried
 * inserts carry the tokens of the first attempt and ClickHouse drops what that attempt stored; without
 * it the replayed batch would end wherever the journal happens to end, and its tokens would be new.
 *
 * <pre>file = magic "DLIB" (int) | version (byte) | journal id (2 longs) | last position (long)
 *         | CRC32C of the preceding bytes (int)</pre>
 */
final class InFlightBatchFile
{
    private static final int MAGIC = 0x444C4942; // "DLIB"
    private static final byte VERSION = 1;
    private static final int BYTES = 4 + 1 + 16 + 8 + 4;
    private static final String NAME = "batch-in-flight";

    private final Path directory;

    InFlightBatchFile(Path directory)
    {
        this.directory = requireNonNull(directory, "directory is null");
    }

    /** The last position of the batch in flight when the writer stopped, if it belongs to {@code journalId}. */
    Optional<Long> lastPosition(UUID journalId)
            throws IOException
    {
        Path file = directory.resolve(NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        ByteBuffer buffer = ByteBuffer.wrap(Files.readAllBytes(file));
        if (buffer.remaining() != BYTES || buffer.getInt() != MAGIC || buffer.get() != VERSION) {
            throw new IOException("In-flight batch file " + file + " is not a version " + VERSION + " file");
        }
        UUID owner = new UUID(buffer.getLong(), buffer.getLong());
        long last = buffer.getLong();
        if (buffer.getInt() != checksum(buffer.array())) {
            throw new IOException("In-flight batch file " + file + " fails its checksum");
        }
        return owner.equals(journalId) ? Optional.of(last) : Optional.empty();
    }

    void write(UUID journalId, long lastPosition)
            throws IOException
    {
        ByteBuffer buffer = ByteBuffer.allocate(BYTES);
        buffer.putInt(MAGIC).put(VERSION)
                .putLong(journalId.getMostSignificantBits())
                .putLong(journalId.getLeastSignificantBits())
                .putLong(lastPosition);
        buffer.putInt(checksum(buffer.array()));
        buffer.flip();
        CheckpointFile.replaceDurably(directory.resolve(NAME), buffer);
    }

    private static int checksum(byte[] bytes)
    {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, BYTES - 4);
        return (int) crc.getValue();
    }
}
