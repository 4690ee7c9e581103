package io.deliveryledger.event;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * A growing byte buffer with the encodings that the journal's format for status events
 * ({@link StatusEventBinary}) and ClickHouse's RowBinary (the batch writer's inserts) share: unsigned
 * LEB128 numbers, strings as their UTF-8 length and bytes, maps as their size and pairs, and
 * little-endian numbers. Not thread-safe.
 */
public final class BinaryBuffer
{
    private byte[] bytes;
    private int size;

    public BinaryBuffer(int initialCapacity)
    {
        this.bytes = new byte[initialCapacity];
    }

    public int size()
    {
        return size;
    }

    public void writeByte(int value)
    {
        ensure(1);
        bytes[size++] = (byte) value;
    }

    public void writeIntLittleEndian(int value)
    {
        ensure(4);
        for (int shift = 0; shift < 32; shift += 8) {
            bytes[size++] = (byte) (value >>> shift);
        }
    }

    public void writeLongLittleEndian(long value)
    {
        ensure(8);
        for (int shift = 0; shift < 64; shift += 8) {
            bytes[size++] = (byte) (value >>> shift);
        }
    }

    /** Unsigned LEB128: seven bits a byte, the lowest first. */
    public void writeVarLong(long value)
    {
        ensure(10);
        long rest = value;
        while ((rest & ~0x7FL) != 0) {
            bytes[size++] = (byte) ((rest & 0x7F) | 0x80);
            rest >>>= 7;
        }
        bytes[size++] = (byte) rest;
    }

    /** The string's UTF-8 length, then its UTF-8 bytes. */
    public void writeString(String value)
    {
        // Most values are ASCII: copied while they are checked, and encoded only when they are not.
        int start = size;
        int length = value.length();
        writeVarLong(length);
        ensure(length);
        for (int index = 0; index < length; index++) {
            char character = value.charAt(index);
            if (character >= 0x80) {
                size = start;
                byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
                writeVarLong(utf8.length);
                ensure(utf8.length);
                System.arraycopy(utf8, 0, bytes, size, utf8.length);
                size += utf8.length;
                return;
            }
            bytes[size + index] = (byte) character;
        }
        size += length;
    }

    /** The characters of an ASCII string, one byte each, without a length; the caller checks they are ASCII. */
    public void writeAscii(String value)
    {
        int length = value.length();
        ensure(length);
        for (int index = 0; index < length; index++) {
            bytes[size++] = (byte) value.charAt(index);
        }
    }

    /** The number of entries, then each key and value as strings. */
    public void writeMap(Map<String, String> map)
    {
        writeVarLong(map.size());
        map.forEach((key, value) -> {
            writeString(key);
            writeString(value);
        });
    }

    public byte[] toByteArray()
    {
        return Arrays.copyOf(bytes, size);
    }

    /** Writes what the buffer holds to {@code output} and empties it. */
    public void moveTo(OutputStream output)
            throws IOException
    {
        output.write(bytes, 0, size);
        size = 0;
    }

    private void ensure(int more)
    {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
