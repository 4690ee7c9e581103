package io.deliveryledger.schema;

import io.deliveryledger.testing.TestingDatabaseExtension;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

final class ErrorCodeLoaderTest
{
    @RegisterExtension
    static final TestingDatabaseExtension DATABASE = new TestingDatabaseExtension("error_codes");

    private static Jdbi database;

    @BeforeAll
    static void start()
    {
        database = DATABASE.jdbi();
    }

    @Test
    void theFileIsLoadedOnceAndChangedDescriptionsAreReplaced()
    {
        Map<Integer, String> codes = ErrorCodeLoader.errorCodes();
        assertThat(codes).containsEntry(30003, "Unreachable destination handset").containsKeys(30001, 30002, 30004, 30005, 30006, 30007, 30008, 30010, 30032, 30034, 21610);
        assertThat(rows()).isEqualTo(codes.size());
        assertThat(new ErrorCodeLoader(database).load()).as("already loaded by the migrator").isZero();

        database.useHandle(handle -> handle.execute("INSERT INTO twilio_error_codes (code, description) VALUES (30003, 'stale')"));
        assertThat(description(30003)).isEqualTo("stale");

        assertThat(new ErrorCodeLoader(database).load()).isEqualTo(1);
        assertThat(description(30003)).isEqualTo("Unreachable destination handset");
        assertThat(rows()).isEqualTo(codes.size());
    }

    private static long rows()
    {
        return database.withHandle(handle -> handle.createQuery("SELECT count() FROM twilio_error_codes FINAL").mapTo(Long.class).one());
    }

    private static String description(int code)
    {
        return database.withHandle(handle -> handle.createQuery("SELECT description FROM twilio_error_codes FINAL WHERE code = :code").bind("code", code).mapTo(String.class).one());
    }
}
