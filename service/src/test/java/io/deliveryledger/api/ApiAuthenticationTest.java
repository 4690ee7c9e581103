package io.deliveryledger.api;

import io.deliveryledger.app.ApiFactory;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The API's bearer filter protects a resource that says nothing about authentication. */
@ExtendWith(DropwizardExtensionsSupport.class)
final class ApiAuthenticationTest
{
    private static final ResourceExtension RESOURCES = ResourceExtension.builder()
            .addProvider(apiFactory().buildAuthFilter())
            .addResource(new UnannotatedResource())
            .build();

    @Test
    void requestsWithoutAValidTokenAreRefused()
    {
        for (String authorization : List.of("", "Bearer", "Bearer nope", "Bearer file-token ", "Basic ZmlsZS10b2tlbjo=", "bearer-file-token")) {
            Response get = RESOURCES.target("/api/v1/anything").request().header("Authorization", authorization.isEmpty() ? null : authorization).get();
            Response post = RESOURCES.target("/api/v1/anything").request().header("Authorization", authorization.isEmpty() ? null : authorization).post(null);
            assertThat(get.getStatus()).as("GET with '%s'", authorization).isEqualTo(401);
            assertThat(post.getStatus()).as("POST with '%s'", authorization).isEqualTo(401);
            assertThat(get.getHeaderString("WWW-Authenticate")).startsWith("Bearer");
        }
    }

    @Test
    void everyConfiguredTokenIsAccepted()
    {
        for (String token : List.of("file-token", "environment-token")) {
            assertThat(RESOURCES.target("/api/v1/anything").request().header("Authorization", "Bearer " + token).get().readEntity(String.class)).isEqualTo("read");
            assertThat(RESOURCES.target("/api/v1/anything").request().header("Authorization", "Bearer " + token).post(null).readEntity(String.class)).isEqualTo("written");
        }
    }

    @Test
    void tokensAreNamedByPositionNotByValue()
    {
        ApiTokenAuthenticator authenticator = new ApiTokenAuthenticator(List.of("one", "two"));

        assertThat(authenticator.authenticate("two")).contains(new ApiPrincipal("token-2"));
        assertThat(authenticator.authenticate("three")).isEmpty();
        assertThat(new ApiTokenAuthenticator(List.of()).authenticate("")).isEmpty();
    }

    private static ApiFactory apiFactory()
    {
        ApiFactory factory = new ApiFactory();
        factory.setTokens(List.of("file-token", " "));
        factory.setEnvironmentToken("environment-token");
        return factory;
    }

    /** Like any resource added later: no authentication annotations at all. */
    @Path("/api/v1/anything")
    public static final class UnannotatedResource
    {
        @GET
        public String read()
        {
            return "read";
        }

        @POST
        public String write()
        {
            return "written";
        }
    }
}
