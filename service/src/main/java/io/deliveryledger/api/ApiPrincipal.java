package io.deliveryledger.api;

import java.security.Principal;

import static java.util.Objects.requireNonNull;

/** A caller of the API, named by the position of its token in the configuration (tokens are secrets). */
public record ApiPrincipal(String name)
        implements Principal
{
    public ApiPrincipal
    {
        requireNonNull(name, "name is null");
    }

    @Override
    public String getName()
    {
        return name;
    }
}
