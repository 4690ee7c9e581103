package io.deliveryledger.app;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.deliveryledger.api.ApiPrincipal;
import io.deliveryledger.api.ApiTokenAuthenticator;
import io.dropwizard.auth.oauth.OAuthCredentialAuthFilter;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.container.ContainerRequestFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Bearer tokens for everything under {@code /api}: {@code tokens} from the file, plus
 * {@code environmentToken} (config.yml reads {@code API_TOKEN} into it) when set.
 */
public final class ApiFactory
{
    private static final Logger log = LoggerFactory.getLogger(ApiFactory.class);

    @NotNull
    private List<@NotNull String> tokens = List.of();

    private String environmentToken = "";

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
