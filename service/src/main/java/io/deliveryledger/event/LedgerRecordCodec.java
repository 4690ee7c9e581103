package io.deliveryledger.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * Encodes ledger records for the journal. Status events, nearly every record, go in a binary format
 * of their own ({@link StatusEventBinary}), several times cheaper to write and read than JSON; rejected
 * requests go as JSON, tolerant of fields added by later versions. Both are read whatever wrote them:
 * status events written as JSON by earlier versions included. {@link #json} gives any record as JSON
 * for people: in {@code rejected_requests} and in the log.
 *
 * <p>In JSON, times are seconds since the epoch with nine decimals ({@code 1796120130.123456789}): Jackson reads
 * those five times faster than ISO-8601 text, which was half the cost of decoding a record, and
 * {@link EpochSecondsDeserializer} reads them from their digits. Records written as ISO-8601 text by
 * earlier versions read all the same.
 *
 * <p>Characters outside the Basic Multilingual Plane (emoji, many CJK ideographs) are written as one
 * four-byte UTF-8 sequence. Jackson's default escapes them as a pair of UTF-16 surrogates (U+1F680 as
 * backslash-u D83D backslash-u DE80),
 * which its own parser refuses inside an object key such as a tag name; records written that way by
 * earlier versions are repaired on reading (see {@link EscapedSurrogates}).
 */
public final class LedgerRecordCodec
{
    private final ObjectWriter writer;
    private final ObjectReader reader;

    public LedgerRecordCodec()
    {
        JsonFactory json = JsonFactory.builder()
                .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
                .build();
        ObjectMapper mapper = new ObjectMapper(json)
                .registerModule(new Jdk8Module())
                .registerModule(new JavaTimeModule())
                // Generated accessors instead of reflection: every callback is encoded once and decoded once.
                .registerModule(new BlackbirdModule())
                // After the JavaTimeModule, so that it reads the times.
                .registerModule(new SimpleModule().addDeserializer(Instant.class, new EpochSecondsDeserializer()))
                .enable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(SerializationFeature.WRITE_DATE_TIMESTAMPS_AS_NANOSECONDS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        this.writer = mapper.writerFor(LedgerRecord.class);
        this.reader = mapper.readerFor(LedgerRecord.class);
    }

    public byte[] encode(LedgerRecord record)
    {
        return record instanceof StatusEvent event ? StatusEventBinary.encode(event) : jsonBytes(record);
    }

    /** The record as JSON, whatever format the journal keeps it in. */
    public String json(LedgerRecord record)
    {
        return new String(jsonBytes(record), StandardCharsets.UTF_8);
    }

    /**
     * A journal record's bytes as text, for a record that cannot be decoded: JSON as it is, the binary
     * format as {@code base64:} and its Base64.
     */
    public static String printable(byte[] bytes)
    {
        return isBinary(bytes) ? "base64:" + Base64.getEncoder().encodeToString(bytes) : new String(bytes, StandardCharsets.UTF_8);
    }

    public LedgerRecord decode(byte[] bytes)
            throws IOException
    {
        if (isBinary(bytes)) {
            return StatusEventBinary.decode(bytes);
        }
        try {
            return reader.readValue(bytes);
        }
        catch (IOException e) {
            byte[] repaired = EscapedSurrogates.toUtf8(bytes);
            if (repaired == bytes) {
                throw e;
            }
            return reader.readValue(repaired);
        }
    }

    private static boolean isBinary(byte[] bytes)
    {
        return bytes.length > 0 && bytes[0] == StatusEventBinary.FORMAT;
    }

    private byte[] jsonBytes(LedgerRecord record)
    {
        try {
            return writer.writeValueAsBytes(record);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot encode " + record.getClass().getSimpleName(), e);
        }
    }
}
