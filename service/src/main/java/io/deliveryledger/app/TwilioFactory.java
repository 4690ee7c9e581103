package io.deliveryledger.app;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.deliveryledger.twilio.TwilioSignatureVerifier;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Twilio accounts whose webhooks are accepted, and where Twilio reaches this service. The
 * environment's {@code TWILIO_ACCOUNT_SID}/{@code TWILIO_AUTH_TOKEN} give one account (the token may
 * be a comma-separated pair during rotation); {@code accounts} lists more, e.g. sub-accounts.
 */
public final class TwilioFactory
{
    private static final String SID_PATTERN = "^(AC[0-9a-fA-F]{32})?$";

    @Pattern(regexp = SID_PATTERN, message = "must be AC followed by 32 hex digits")
    private String accountSid = "";

    private String authToken = "";

    @Valid
    @NotNull
    private List<Account> accounts = new ArrayList<>();

    /** The scheme, host, port and path prefix Twilio uses to reach this service; empty: as the request says. */
    @Pattern(regexp = "^(https?://.+)?$", message = "must be an http(s) URL")
    private String publicBaseUrl = "";

    /** Where Twilio's REST API is; a local fake (the simulator) in tests and demos. */
    @NotNull
    @Pattern(regexp = "^https?://[^?#]+$", message = "must be an http(s) URL")
    private String apiBaseUrl = "https://api.twilio.com";

    /** An inbound message's text is personal data: stored only when the operator turns this on. */
    private boolean storeInboundBody;

    @JsonProperty
    public void setAccountSid(String accountSid)
    {
        this.accountSid = accountSid == null ? "" : accountSid.strip();
    }

    @JsonProperty
    public String getAccountSid()
    {
        return accountSid;
    }

    @JsonProperty
    public void setAuthToken(String authToken)
    {
        this.authToken = authToken == null ? "" : authToken.strip();
    }

    @JsonProperty
    public void setAccounts(List<Account> accounts)
    {
        this.accounts = accounts;
    }

    @JsonProperty
    public List<Account> getAccounts()
    {
        return accounts;
    }

    @JsonProperty
    public void setPublicBaseUrl(String publicBaseUrl)
    {
        this.publicBaseUrl = publicBaseUrl == null ? "" : publicBaseUrl.strip();
    }

    @JsonProperty
    public String getPublicBaseUrl()
    {
        return publicBaseUrl;
    }

    public Optional<URI> publicBaseUrl()
    {
        return publicBaseUrl.isEmpty() ? Optional.empty() : Optional.of(URI.create(publicBaseUrl));
    }

    @JsonProperty
    public String getApiBaseUrl()
    {
        return apiBaseUrl;
    }

    @JsonProperty
    public void setStoreInboundBody(boolean storeInboundBody)
    {
        this.storeInboundBody = storeInboundBody;
    }

    public boolean isStoreInboundBody()
    {
        return storeInboundBody;
    }

    @JsonProperty
    public void setApiBaseUrl(String apiBaseUrl)
    {
        this.apiBaseUrl = apiBaseUrl == null || apiBaseUrl.isBlank() ? "https://api.twilio.com" : apiBaseUrl.strip();
    }

    public URI apiBaseUrl()
    {
        return URI.create(apiBaseUrl);
    }

    /** The token each account uses for Twilio's REST API: the first listed, the current one during a rotation. */
    public Map<String, String> restApiTokens()
    {
        Map<String, String> tokens = new LinkedHashMap<>();
        authTokensByAccount().forEach((accountSid, accountTokens) -> tokens.put(accountSid, accountTokens.get(0)));
        return tokens;
    }

    /** Every configured account with its valid tokens; fails with a clear message when there is none. */
    public Map<String, List<String>> authTokensByAccount()
    {
        Map<String, List<String>> tokens = new LinkedHashMap<>();
        if (!accountSid.isEmpty()) {
            tokens.computeIfAbsent(accountSid, sid -> new ArrayList<>()).addAll(splitTokens(authToken));
        }
        for (Account account : accounts) {
            tokens.computeIfAbsent(account.accountSid, sid -> new ArrayList<>()).addAll(account.authTokens);
        }
        tokens.values().removeIf(List::isEmpty);
        if (tokens.isEmpty()) {
            throw new IllegalStateException("No Twilio account is configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or twilio.accounts in the configuration file");
        }
        return tokens;
    }

    public TwilioSignatureVerifier buildSignatureVerifier()
    {
        return new TwilioSignatureVerifier(authTokensByAccount());
    }

    private static List<String> splitTokens(String value)
    {
        return Arrays.stream(value.split(",")).map(String::strip).filter(token -> !token.isEmpty()).toList();
    }

    public static final class Account
    {
        @NotNull
        @Pattern(regexp = "^AC[0-9a-fA-F]{32}$", message = "must be AC followed by 32 hex digits")
        @JsonProperty
        private String accountSid;

        @NotNull
        @JsonProperty
        private List<@NotNull String> authTokens = new ArrayList<>();
    }
}
