package io.deliveryledger.event;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Encodes ledger records for the journal as JSON: readable with standard tools when a journal has to
 * be inspected by hand, and tolerant of fields added by later versions.
 */
public final class LedgerRecordCodec
{
    private final ObjectWriter writer;
    private final ObjectReader reader;

    public LedgerRecordCodec()
    {
        ObjectMapper mapper = new ObjectMapper()
                .registerModule(new Jdk8Module())
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        this.writer = mapper.writerFor(LedgerRecord.class);
        this.reader = mapper.readerFor(LedgerRecord.class);
    }

    public byte[] encode(LedgerRecord record)
    {
        try {
            return writer.writeValueAsBytes(record);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot encode " + record.getClass().getSimpleName(), e);
        }
    }

    public LedgerRecord decode(byte[] bytes)
            throws IOException
    {
        return reader.readValue(bytes);
    }
}
