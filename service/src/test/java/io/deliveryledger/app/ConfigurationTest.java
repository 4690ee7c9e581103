package io.deliveryledger.app;

import io.deliveryledger.schema.Retention;
import io.dropwizard.configuration.ConfigurationValidationException;
import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import org.apache.commons.text.StringSubstitutor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The repository's config.yml, read as the service reads it, with a controlled environment. */
final class ConfigurationTest
{
    private static final String ACCOUNT = "AC" + "5".repeat(32);

    @Test
    void environmentVariablesOverrideTheDefaults()
            throws Exception
    {
        DeliveryLedgerConfiguration configuration = load(Map.of(
                "TWILIO_ACCOUNT_SID", ACCOUNT,
                "TWILIO_AUTH_TOKEN", "old-token, new-token",
                "PUBLIC_BASE_URL", "https://ledger.example.com",
                "CLICKHOUSE_URL", "http://clickhouse:8123",
                "CLICKHOUSE_DATABASE", "deliveries",
                "JOURNAL_DIR", "/var/lib/ledger/journal",
                "API_TOKEN", "environment-api-token",
                "READ_MODEL_APPLY", "false"));

        assertThat(configuration.getTwilio().authTokensByAccount()).containsExactly(Map.entry(ACCOUNT, List.of("old-token", "new-token")));
        assertThat(configuration.getTwilio().publicBaseUrl()).hasValueSatisfying(url -> assertThat(url.toString()).isEqualTo("https://ledger.example.com"));
        assertThat(configuration.getClickhouse().getUrl()).isEqualTo("http://clickhouse:8123");
        assertThat(configuration.getClickhouse().getDatabase()).isEqualTo("deliveries");
        assertThat(configuration.getJournal().getDirectory()).isEqualTo("/var/lib/ledger/journal");
        assertThat(configuration.getApi().tokens()).containsExactly("environment-api-token");
        assertThat(configuration.getReadModel().isApply()).isFalse();
    }

    @Test
    void defaultsAreTheDocumentedOnes()
            throws Exception
    {
        DeliveryLedgerConfiguration configuration = load(Map.of("TWILIO_ACCOUNT_SID", ACCOUNT, "TWILIO_AUTH_TOKEN", "token"));

        assertThat(configuration.getClickhouse().getUrl()).isEqualTo("http://127.0.0.1:8123");
        assertThat(configuration.getClickhouse().getDatabase()).isEqualTo("ledger");
        assertThat(configuration.getJournal().getDirectory()).isEqualTo(".data/journal");
        assertThat(configuration.getJournal().retryAfter()).hasSeconds(30);
        assertThat(configuration.getTwilio().publicBaseUrl()).isEmpty();
        assertThat(configuration.getBatchWriter().policy().maxRows()).isEqualTo(20_000);
        assertThat(configuration.getBatchWriter().policy().maxAge()).hasSeconds(1);
        assertThat(configuration.getApi().tokens()).as("no API token unless configured").isEmpty();
        assertThat(configuration.getReadModel().isApply()).as("every instance applies the read model").isTrue();
        assertThat(configuration.getReadModel().settleTime()).hasSeconds(3);
        assertThat(configuration.getClickhouse().getRetention().build())
                .isEqualTo(new Retention(java.time.Duration.ofDays(395), java.time.Duration.ofDays(90), java.time.Duration.ofDays(90)));
        assertThat(configuration.getTwilio().isStoreInboundBody()).as("an inbound message's text is not stored by default").isFalse();
    }

    @Test
    void aServiceWithoutAnyAccountRefusesToStartWithAClearMessage()
            throws Exception
    {
        DeliveryLedgerConfiguration configuration = load(Map.of());
        assertThatThrownBy(() -> configuration.getTwilio().authTokensByAccount())
                .hasMessageContaining("set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN");
    }

    @Test
    void malformedValuesAreRejected()
    {
        assertThatThrownBy(() -> load(Map.of("TWILIO_ACCOUNT_SID", "not-an-account", "TWILIO_AUTH_TOKEN", "t")))
                .isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("twilio.accountSid must be AC followed by 32 hex digits");
        assertThatThrownBy(() -> load(Map.of("TWILIO_ACCOUNT_SID", ACCOUNT, "CLICKHOUSE_URL", "clickhouse:8123")))
                .isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("clickhouse.url must be http(s)://host:port");
        assertThatThrownBy(() -> load(Map.of("TWILIO_ACCOUNT_SID", ACCOUNT, "CLICKHOUSE_DATABASE", "ledger; DROP TABLE x")))
                .isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("clickhouse.database must be a plain identifier");
        assertThatThrownBy(() -> load(Map.of("TWILIO_ACCOUNT_SID", ACCOUNT, "RETENTION_EVENTS", "36h")))
                .isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("clickhouse.retention: every value must be a whole number of days");
    }

    static DeliveryLedgerConfiguration load(Map<String, String> environment)
            throws Exception
    {
        Path root = Path.of(System.getProperty("ledger.repository.root", "..")).toAbsolutePath().normalize();
        StringSubstitutor substitutor = new StringSubstitutor(new HashMap<>(environment));
        substitutor.setEnableUndefinedVariableException(true);
        YamlConfigurationFactory<DeliveryLedgerConfiguration> factory = new YamlConfigurationFactory<>(
                DeliveryLedgerConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw");
        return factory.build(new SubstitutingSourceProvider(new FileConfigurationSourceProvider(), substitutor), root.resolve("config.yml").toString());
    }
}
