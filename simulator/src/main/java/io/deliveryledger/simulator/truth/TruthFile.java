package io.deliveryledger.simulator.truth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The truth file: JSON lines {@code {"sid":"SM…","account_sid":"AC…","status":"delivered","error_code":null,
 * "date_created":"2026-01-31T12:00:00.123Z"}}, one per message, appended and flushed as each message
 * reaches its final status.
 */
public final class TruthFile
        implements AutoCloseable
{
    private static final ObjectMapper OBJECT_MAPPER = new ObjectMapper();

    private final Path path;
    private final BufferedWriter writer;

    private TruthFile(Path path, BufferedWriter writer)
    {
        this.path = requireNonNull(path, "path is null");
        this.writer = requireNonNull(writer, "writer is null");
    }

    /** Creates the file, or empties an existing one. */
    public static TruthFile create(Path path)
    {
        requireNonNull(path, "path is null");
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return new TruthFile(path, Files.newBufferedWriter(path, StandardCharsets.UTF_8));
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot create the truth file " + path, e);
        }
    }

    public synchronized void write(TruthRecord record)
    {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("sid", record.sid());
        json.put("account_sid", record.accountSid());
        json.put("status", record.status());
        json.put("error_code", record.errorCode().orElse(null));
        json.put("date_created", record.dateCreated().truncatedTo(ChronoUnit.MILLIS).toString());
        try {
            writer.write(OBJECT_MAPPER.writeValueAsString(json));
            writer.newLine();
            writer.flush();
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot write to the truth file " + path, e);
        }
    }

    @Override
    public synchronized void close()
    {
        try {
            writer.close();
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot close the truth file " + path, e);
        }
    }

    public static List<TruthRecord> read(Path path)
    {
        requireNonNull(path, "path is null");
        List<TruthRecord> records = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            int lineNumber = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (!line.isBlank()) {
                    records.add(parse(path, lineNumber, line));
                }
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read the truth file " + path, e);
        }
        return records;
    }

    private static TruthRecord parse(Path path, int lineNumber, String line)
    {
        try {
            JsonNode json = OBJECT_MAPPER.readTree(line);
            JsonNode errorCode = json.path("error_code");
            return new TruthRecord(
                    text(json, "sid"),
                    text(json, "account_sid"),
                    text(json, "status"),
                    errorCode.isNull() || errorCode.isMissingNode() ? Optional.empty() : Optional.of(errorCode.asInt()),
                    Instant.parse(text(json, "date_created")));
        }
        catch (JsonProcessingException | RuntimeException e) {
            throw new IllegalArgumentException("Line %d of the truth file %s is not a truth record: %s".formatted(lineNumber, path, e.getMessage()), e);
        }
    }

    private static String text(JsonNode json, String field)
    {
        JsonNode value = json.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("field %s is missing or not a string".formatted(field));
        }
        return value.asText();
    }
}
