package io.deliveryledger.app;

import io.dropwizard.configuration.ConfigurationValidationException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** clickhouse.cluster in the repository's config.yml: CLICKHOUSE_CLUSTER, empty by default, a plain name or nothing. */
final class ClusterConfigurationTest
{
    private static final String ACCOUNT = "AC" + "5".repeat(32);

    @Test
    void oneServerUnlessAClusterIsNamed()
            throws Exception
    {
        assertThat(ConfigurationTest.load(Map.of("TWILIO_ACCOUNT_SID", ACCOUNT)).getClickhouse().getCluster()).isEmpty();
        assertThat(ConfigurationTest.load(Map.of("TWILIO_ACCOUNT_SID", ACCOUNT, "CLICKHOUSE_CLUSTER", "")).getClickhouse().getCluster()).isEmpty();
        assertThat(ConfigurationTest.load(Map.of("TWILIO_ACCOUNT_SID", ACCOUNT, "CLICKHOUSE_CLUSTER", "ledger")).getClickhouse().getCluster()).isEqualTo("ledger");
    }

    @Test
    void aClusterNameThatWouldNotStayANameIsRejected()
    {
        assertThatThrownBy(() -> ConfigurationTest.load(Map.of("TWILIO_ACCOUNT_SID", ACCOUNT, "CLICKHOUSE_CLUSTER", "ledger' SETTINGS x = 1 --")))
                .isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("clickhouse.cluster must be a cluster name of remote_servers, or empty");
    }
}
