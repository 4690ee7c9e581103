package io.deliveryledger.schema;

import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * Loads Twilio's error codes and their descriptions from {@code schema/twilio-error-codes.tsv} into
 * {@code twilio_error_codes}, inserting only the codes that are new or whose description changed, so
 * running it again stores nothing.
 */
final class ErrorCodeLoader
{
    static final String RESOURCE = "schema/twilio-error-codes.tsv";

    private static final Logger log = LoggerFactory.getLogger(ErrorCodeLoader.class);

    private final Jdbi database;

    ErrorCodeLoader(Jdbi database)
    {
        this.database = requireNonNull(database, "database is null");
    }

    /** Returns the number of codes inserted or updated. */
    int load()
    {
        Map<Integer, String> changed = new LinkedHashMap<>(errorCodes());
        database.useHandle(handle -> {
            handle.createQuery("SELECT code, description FROM twilio_error_codes FINAL")
                    .map((row, context) -> Map.entry(row.getInt("code"), row.getString("description")))
                    .forEach(stored -> changed.remove(stored.getKey(), stored.getValue()));
            if (changed.isEmpty()) {
                return;
            }
            PreparedBatch insert = handle.prepareBatch("INSERT INTO twilio_error_codes (code, description) VALUES (?, ?)");
            changed.forEach((code, description) -> insert.add(code, description));
            insert.execute();
        });
        if (!changed.isEmpty()) {
            log.info("Loaded {} Twilio error code description(s)", changed.size());
        }
        return changed.size();
    }

    static Map<Integer, String> errorCodes()
    {
        try (InputStream input = ErrorCodeLoader.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (input == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            Map<Integer, String> codes = new LinkedHashMap<>();
            String[] lines = new String(input.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int index = 0; index < lines.length; index++) {
                String line = lines[index];
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] fields = line.split("\t", -1);
                if (fields.length != 2 || !fields[0].matches("[0-9]{1,6}") || fields[1].isBlank()) {
                    throw new IllegalStateException("%s line %d: expected code<TAB>description, got '%s'".formatted(RESOURCE, index + 1, line));
                }
                if (codes.put(Integer.parseInt(fields[0]), fields[1].strip()) != null) {
                    throw new IllegalStateException("%s line %d: code %s appears twice".formatted(RESOURCE, index + 1, fields[0]));
                }
            }
            return Map.copyOf(codes);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + RESOURCE, e);
        }
    }
}
