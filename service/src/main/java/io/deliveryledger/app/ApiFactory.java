package io.deliveryledger.app;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.api.ApiPrincipal;
import io.deliveryledger.api.ApiRequestLimit;
import io.deliveryledger.api.ApiTokenAuthenticator;
import io.dropwizard.auth.oauth.OAuthCredentialAuthFilter;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.container.ContainerRequestFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Bearer tokens for everything under {@code /api}: {@code tokens} from the file, plus
 * {@code environmentToken} (config.yml reads {@code API_TOKEN} into it) when set; and how many of the
 * API's reads of ClickHouse run at once ({@link ApiRequestLimit}).
 */
public final class ApiFactory
{
    private static final Logger log = LoggerFactory.getLogger(ApiFactory.class);

    @NotNull
    private List<@NotNull String> tokens = List.of();

    private String environmentToken = "";

    /** Reads running at once, each on a ClickHouse connection of the API's own. */
    @Min(1)
    private int maxConcurrentRequests = 8;

    /** Reads waiting, without a thread, for one of those to finish; beyond them, 503. */
    @Min(0)
    private int maxQueuedRequests = 256;

    /** How long a read may wait before it is answered 503; 0 waits as long as it takes. */
    @NotNull
    @MinDuration(value = 0, unit = TimeUnit.MILLISECONDS)
    private Duration maxQueueTime = Duration.seconds(30);

    @JsonProperty
    public void setTokens(List<String> tokens)
    {
        this.tokens = tokens == null ? List.of() : List.copyOf(tokens);
    }

    @JsonProperty
    public void setEnvironmentToken(String environmentToken)
    {
        // An empty environment variable reads as null in YAML.
        this.environmentToken = environmentToken == null ? "" : environmentToken;
    }

    @JsonProperty
    public void setMaxConcurrentRequests(int maxConcurrentRequests)
    {
        this.maxConcurrentRequests = maxConcurrentRequests;
    }

    @JsonProperty
    public void setMaxQueuedRequests(int maxQueuedRequests)
    {
        this.maxQueuedRequests = maxQueuedRequests;
    }

    @JsonProperty
    public void setMaxQueueTime(Duration maxQueueTime)
    {
        this.maxQueueTime = maxQueueTime;
    }

    /** The API's reads at once: also the size of its ClickHouse connection pool, so none waits for a connection holding a thread. */
    public int maxConcurrentRequests()
    {
        return maxConcurrentRequests;
    }

    public ApiRequestLimit buildRequestLimit(String applicationContextPath, ObjectMapper objectMapper)
    {
        return new ApiRequestLimit(maxConcurrentRequests, maxQueuedRequests, maxQueueTime.toJavaDuration(), applicationContextPath, objectMapper);
    }

    /** Bearer authentication for every Jersey resource; 401 without a configured token. */
    public ContainerRequestFilter buildAuthFilter()
    {
        List<String> accepted = tokens();
        if (accepted.isEmpty()) {
            log.warn("No API token is configured (api.tokens, API_TOKEN): every request under /api will be refused");
        }
        return new OAuthCredentialAuthFilter.Builder<ApiPrincipal>()
                .setAuthenticator(new ApiTokenAuthenticator(accepted))
                .setPrefix("Bearer")
                .setRealm("delivery-ledger")
                .buildAuthFilter();
    }

    /** Every accepted token; empty tokens are ignored, so an unset API_TOKEN accepts nothing. */
    public List<String> tokens()
    {
        List<String> all = new ArrayList<>();
        tokens.stream().filter(token -> !token.isBlank()).forEach(all::add);
        if (!environmentToken.isBlank()) {
            all.add(environmentToken);
        }
        return List.copyOf(all);
    }
}
