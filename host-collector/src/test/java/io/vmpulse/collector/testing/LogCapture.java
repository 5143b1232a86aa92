package io.vmpulse.collector.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The records a java.util.logging logger publishes while this is attached, for tests that assert
 * what the collector logged. Closing detaches it. Holds the logger: JUL keeps loggers only weakly,
 * and a collected logger would lose the handler.
 */
public final class LogCapture extends Handler implements AutoCloseable {

    private final Logger logger;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture(Logger logger) {
        this.logger = logger;
        logger.addHandler(this);
    }

    public static LogCapture on(Logger logger) {
        return new LogCapture(logger);
    }

    public static LogCapture on(String loggerName) {
        return new LogCapture(Logger.getLogger(loggerName));
    }

    public List<LogRecord> records() {
        return List.copyOf(records);
    }

    /** The messages of every record, in order. */
    public List<String> messages() {
        return records.stream().map(LogRecord::getMessage).toList();
    }

    /** The messages of the records at exactly {@code level}, in order. */
    public List<String> messages(Level level) {
        return records.stream()
                .filter(r -> r.getLevel() == level)
                .map(LogRecord::getMessage)
                .toList();
    }

    @Override
    public void publish(LogRecord r) {
        records.add(r);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
