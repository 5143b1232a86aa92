package io.vmpulse.exporter.otlp;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Records what reaches the root logger while open, whatever its source. */
final class LogRecorder extends Handler implements AutoCloseable {

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Logger root = Logger.getLogger("");

    LogRecorder() {
        setLevel(Level.ALL);
        root.addHandler(this);
    }

    List<String> lines(String loggerPrefix) {
        return records.stream()
                .filter(
                        r ->
                                r.getLoggerName() != null
                                        && r.getLoggerName().startsWith(loggerPrefix))
                .map(r -> r.getLevel() + " " + r.getMessage())
                .toList();
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        root.removeHandler(this);
    }
}
