package io.deliveryledger.event;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The journal's format for status events, nearly every record it holds: the fields in the order of
 * {@link StatusEvent}, each string as its UTF-8 length (unsigned LEB128) and bytes, the source and the
 * status by their enum names (as in JSON), times as zigzag seconds and nanoseconds, an absent value as
 * a 0 byte and a present one as 1 and the value. Every event is encoded once at intake and decoded once
 * by the batch writer; as JSON that was about 30 % of the service's CPU in the full pipeline
 * (bench/README.md, "Where the time goes").
 *
 * <p>A record in this format starts with {@link #FORMAT}; JSON, the format of every other record and of
 * status events written by earlier versions, starts with an opening brace. A change of the fields, or
 * of an enum name, takes a new format byte, and readers keep reading the old ones.
 */
final class StatusEventBinary
{
    /** The first byte of a status event in this format. */
    static final byte FORMAT = 1;

    private StatusEventBinary() {}

    static byte[] encode(StatusEvent event)
    {
        BinaryBuffer output = new BinaryBuffer(512);
        output.writeByte(FORMAT);
        output.writeString(event.eventId());
        output.writeString(event.source().name());
        writeInstant(output, event.receivedAt());
        writeInstant(output, event.eventTime());
        output.writeString(event.accountSid());
        output.writeString(event.messageSid());
        writeOptional(output, event.messagingServiceSid());
        output.writeString(event.status().name());
        if (event.errorCode().isPresent()) {
            output.writeByte(1);
            output.writeVarLong(event.errorCode().getAsInt() & 0xFFFF_FFFFL);
        }
        else {
            output.writeByte(0);
        }
        output.writeString(event.from());
        output.writeString(event.to());
        output.writeString(event.direction());
        writeOptional(output, event.apiVersion());
        writeOptional(output, event.idempotencyToken());
        output.writeMap(event.tags());
        output.writeMap(event.parameters());
        return output.toByteArray();
    }

    private static void writeOptional(BinaryBuffer output, Optional<String> value)
    {
        if (value.isPresent()) {
            output.writeByte(1);
            output.writeString(value.get());
        }
        else {
            output.writeByte(0);
        }
    }

    private static void writeInstant(BinaryBuffer output, Instant value)
    {
        // Zigzag, so that times before 1970 stay short too.
        long seconds = value.getEpochSecond();
        output.writeVarLong((seconds << 1) ^ (seconds >> 63));
        output.writeVarLong(value.getNano());
    }

    /** Decodes a record that starts with {@link #FORMAT}; throws when it is cut short or holds a value no event has. */
    static StatusEvent decode(byte[] bytes)
            throws IOException
    {
        Input input = new Input(bytes);
        if (input.readByte() != FORMAT) {
            throw new IOException("Not a status event in binary format " + FORMAT);
        }
        try {
            StatusEvent event = new StatusEvent(
                    input.readString(),
                    Source.valueOf(input.readString()),
                    input.readInstant(),
                    input.readInstant(),
                    input.readString(),
                    input.readString(),
                    input.readOptional(),
                    MessageStatus.valueOf(input.readString()),
                    input.readByte() == 0 ? OptionalInt.empty() : OptionalInt.of((int) input.readVarLong()),
                    input.readString(),
                    input.readString(),
                    input.readString(),
                    input.readOptional(),
                    input.readOptional(),
                    input.readMap(),
                    input.readMap());
            if (input.remaining() != 0) {
                throw new IOException(input.remaining() + " bytes follow the status event");
            }
            return event;
        }
        catch (IllegalArgumentException e) {
            // An unknown source or status name, or a repeated map key.
            throw new IOException("Not a valid status event: " + e.getMessage(), e);
        }
    }

    private static final class Input
    {
        private final byte[] bytes;
        private int position;

        Input(byte[] bytes)
        {
            this.bytes = bytes;
        }

        int remaining()
        {
            return bytes.length - position;
        }

        int readByte()
                throws IOException
        {
            need(1);
            return bytes[position++];
        }

        long readVarLong()
                throws IOException
        {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int next = readByte();
                value |= (long) (next & 0x7F) << shift;
                if ((next & 0x80) == 0) {
                    return value;
                }
            }
            throw new IOException("A number of more than ten bytes at " + position);
        }

        String readString()
                throws IOException
        {
            long length = readVarLong();
            if (length < 0 || length > remaining()) {
                throw new IOException("A string of " + length + " bytes at " + position + ", where " + remaining() + " remain");
            }
            String value = new String(bytes, position, (int) length, StandardCharsets.UTF_8);
            position += (int) length;
            return value;
        }

        Optional<String> readOptional()
                throws IOException
        {
            return readByte() == 0 ? Optional.empty() : Optional.of(readString());
        }

        Instant readInstant()
                throws IOException
        {
            long zigzag = readVarLong();
            long seconds = (zigzag >>> 1) ^ -(zigzag & 1);
            long nanos = readVarLong();
            try {
                return Instant.ofEpochSecond(seconds, nanos);
            }
            catch (RuntimeException e) {
                throw new IOException("Not a time: " + seconds + " s and " + nanos + " ns", e);
            }
        }

        @SuppressWarnings("unchecked")
        Map<String, String> readMap()
                throws IOException
        {
            long size = readVarLong();
            // Every entry takes at least two bytes.
            if (size < 0 || size > remaining() / 2) {
                throw new IOException("A map of " + size + " entries at " + position + ", where " + remaining() + " bytes remain");
            }
            Map.Entry<String, String>[] entries = new Map.Entry[(int) size];
            for (int index = 0; index < entries.length; index++) {
                entries[index] = Map.entry(readString(), readString());
            }
            // Immutable already, so that StatusEvent's Map.copyOf keeps it as it is.
            return Map.ofEntries(entries);
        }

        private void need(int count)
                throws IOException
        {
            if (remaining() < count) {
                throw new IOException("The record ends at " + bytes.length + " bytes, before its last field");
            }
        }
    }
}
