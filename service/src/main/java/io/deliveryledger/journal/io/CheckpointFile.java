package io.deliveryledger.journal.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.zip.CRC32C;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static java.util.Objects.requireNonNull;

/**
 * The journal's checkpoint: its identity and the highest position confirmed by ClickHouse. The identity
 * is drawn once when the directory is first used, so positions (and the insert deduplication tokens
 * derived from them) of a journal that was wiped and started again never collide with old ones. Written to a temporary file,
 * fsynced, atomically renamed and the directory fsynced, so a crash leaves either the old or the new
 * checkpoint, never a mix.
 *
 * <pre>checkpoint = magic "DLJC" (int) | version (byte) | journal id (2 longs) | acknowledged position (long)
 *              | CRC32C of the preceding bytes (int)</pre>
 */
public final class CheckpointFile
{
    private static final int MAGIC = 0x444C4A43; // "DLJC"
    private static final byte VERSION = 1;
    private static final int BYTES = 4 + 1 + 16 + 8 + 4;
    private static final String NAME = "checkpoint";

    private final Path directory;

    public CheckpointFile(Path directory)
    {
        this.directory = requireNonNull(directory, "directory is null");
    }

    /** Reads the checkpoint, creating one for a new journal when there is none. */
    public Checkpoint readOrCreate()
            throws IOException
    {
        Path file = directory.resolve(NAME);
        if (!Files.exists(file)) {
            Checkpoint initial = new Checkpoint(UUID.randomUUID(), Checkpoint.NOTHING_ACKNOWLEDGED);
            write(initial);
            return initial;
        }
        ByteBuffer buffer = ByteBuffer.wrap(Files.readAllBytes(file));
        if (buffer.remaining() != BYTES || buffer.getInt() != MAGIC || buffer.get() != VERSION) {
            throw new IOException("Journal checkpoint " + file + " is not a version " + VERSION + " checkpoint");
        }
        UUID journalId = new UUID(buffer.getLong(), buffer.getLong());
        long position = buffer.getLong();
        int stored = buffer.getInt();
        if (stored != checksum(buffer.array())) {
            throw new IOException("Journal checkpoint " + file + " fails its checksum");
        }
        return new Checkpoint(journalId, position);
    }

    public void write(Checkpoint checkpoint)
            throws IOException
    {
        ByteBuffer buffer = ByteBuffer.allocate(BYTES);
        buffer.putInt(MAGIC).put(VERSION)
                .putLong(checkpoint.journalId().getMostSignificantBits())
                .putLong(checkpoint.journalId().getLeastSignificantBits())
                .putLong(checkpoint.acknowledgedPosition());
        buffer.putInt(checksum(buffer.array()));
        buffer.flip();
        replaceDurably(directory.resolve(NAME), buffer);
    }

    /**
     * Replaces {@code file} with {@code content}: a crash leaves either the old or the new file whole.
     * Written to a temporary file, fsynced, atomically renamed, and the directory fsynced.
     */
    public static void replaceDurably(Path file, ByteBuffer content)
            throws IOException
    {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, CREATE, WRITE, TRUNCATE_EXISTING)) {
            while (content.hasRemaining()) {
                channel.write(content);
            }
            channel.force(true);
        }
        Files.move(temporary, file, ATOMIC_MOVE);
        syncDirectory(file.getParent());
    }

    /** Makes a rename or a new file in {@code directory} durable; without it a crash can undo either. */
    public static void syncDirectory(Path directory)
            throws IOException
    {
        try (FileChannel channel = FileChannel.open(directory, READ)) {
            channel.force(true);
        }
    }

    private static int checksum(byte[] bytes)
    {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, BYTES - 4);
        return (int) crc.getValue();
    }
}
