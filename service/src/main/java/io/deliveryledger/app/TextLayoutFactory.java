package io.deliveryledger.app;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.pattern.PatternLayoutBase;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.dropwizard.logging.common.layout.DiscoverableLayoutFactory;
import io.dropwizard.logging.common.layout.DropwizardLayoutFactory;

import java.util.TimeZone;

/**
 * Dropwizard's usual text layout under the type name {@code text}, the counterpart of
 * dropwizard-json-logging's {@code json}: config.yml's {@code layout: {type: ${LOG_FORMAT:-text}}}
 * then chooses either with one environment variable, wherever the service runs (Docker included).
 */
@JsonTypeName("text")
public final class TextLayoutFactory
        implements DiscoverableLayoutFactory<ILoggingEvent>
{
    @Override
    public PatternLayoutBase<ILoggingEvent> build(LoggerContext context, TimeZone timeZone)
    {
        return new DropwizardLayoutFactory().build(context, timeZone);
    }
}
