package io.deliveryledger.journal.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * On-disk layout of a journal segment, version 1.
 *
 * <pre>
 * segment = header record*
 * header  = magic "DLJS" (4 bytes) | version (1 byte) | 3 reserved zero bytes
 * record  = payload length (int) | CRC32C of position and payload (int) | position (long) | payload
 * </pre>
 *
 * Positions inside a segment start at the segment's base position (its file name) and go up by one,
 * so recovery can tell a stale or torn record from a good one without any index. A segment written whole
 * in advance holds zeros after its last record, up to its size; a record of zeros is no record (its
 * checksum cannot match: CRC32C of zeros is not zero).
 */
public final class SegmentFormat
{
    public static final int HEADER_BYTES = 8;
    public static final int RECORD_HEADER_BYTES = 16;
    public static final int MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

    private static final int MAGIC = 0x444C4A53; // "DLJS"
    private static final byte VERSION = 1;
    private static final String SUFFIX = ".segment";

    private SegmentFormat() {}

    public static String fileName(long basePosition)
    {
        return String.format("%020d%s", basePosition, SUFFIX);
    }

    public static OptionalLong basePosition(String fileName)
    {
        if (!fileName.endsWith(SUFFIX) || fileName.length() != 20 + SUFFIX.length()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(fileName.substring(0, 20)));
        }
        catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    public static ByteBuffer header()
    {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.putInt(MAGIC).put(VERSION).put((byte) 0).put((byte) 0).put((byte) 0);
        return header.flip();
    }

    public static boolean hasValidHeader(FileChannel channel)
            throws IOException
    {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        if (readFully(channel, header, 0) < HEADER_BYTES) {
            return false;
        }
        header.flip();
        return header.getInt() == MAGIC && header.get() == VERSION;
    }

    public static int framedSize(int payloadBytes)
    {
        return RECORD_HEADER_BYTES + payloadBytes;
    }

    public static void encode(ByteBuffer target, long position, byte[] payload)
    {
        target.putInt(payload.length).putInt(checksum(position, payload)).putLong(position).put(payload);
    }

    /**
     * Reads the record at {@code offset}. Empty when the bytes there are not a complete record with the
     * expected position and a matching checksum: the end of the segment, a torn write or corruption.
     */
    public static Optional<byte[]> read(FileChannel channel, long offset, long expectedPosition)
            throws IOException
    {
        ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER_BYTES);
        if (readFully(channel, header, offset) < RECORD_HEADER_BYTES) {
            return Optional.empty();
        }
        header.flip();
        int length = header.getInt();
        int checksum = header.getInt();
        long position = header.getLong();
        if (length < 0 || length > MAX_PAYLOAD_BYTES || position != expectedPosition) {
            return Optional.empty();
        }
        ByteBuffer payload = ByteBuffer.allocate(length);
        if (readFully(channel, payload, offset + RECORD_HEADER_BYTES) < length) {
            return Optional.empty();
        }
        byte[] bytes = payload.array();
        if (checksum(position, bytes) != checksum) {
            return Optional.empty();
        }
        return Optional.of(bytes);
    }

    /** Whether every byte from {@code offset} to the end of the file is zero: the unwritten rest of a segment. */
    public static boolean onlyZerosFrom(FileChannel channel, long offset)
            throws IOException
    {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        for (long at = offset; ; ) {
            buffer.clear();
            int read = channel.read(buffer, at);
            if (read < 0) {
                return true;
            }
            for (int index = 0; index < read; index++) {
                if (buffer.get(index) != 0) {
                    return false;
                }
            }
            at += read;
        }
    }

    private static int checksum(long position, byte[] payload)
    {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(Long.BYTES).putLong(0, position));
        crc.update(payload);
        return (int) crc.getValue();
    }

    /** Writes all of {@code buffer} at {@code offset}: a channel may write less than asked in one call. */
    public static void writeFully(FileChannel channel, ByteBuffer buffer, long offset)
            throws IOException
    {
        long at = offset;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }

    private static int readFully(FileChannel channel, ByteBuffer buffer, long offset)
            throws IOException
    {
        int total = 0;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, offset + total);
            if (read < 0) {
                break;
            }
            total += read;
        }
        return total;
    }
}
