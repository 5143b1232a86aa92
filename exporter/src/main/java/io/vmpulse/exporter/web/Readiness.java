package io.vmpulse.exporter.web;

import io.vmpulse.exporter.scrape.RegistryScraper;
import io.vmpulse.exporter.scrape.Scrape;
import java.time.Duration;

/**
 * Ready means the registry is open and its collector alive: the heartbeat advanced within the
 * staleness limit and the collector has not closed the registry.
 */
public final class Readiness {

    private final RegistryScraper scraper;
    private final Duration staleAfter;

    public Readiness(RegistryScraper scraper, Duration staleAfter) {
        this.scraper = scraper;
        this.staleAfter = staleAfter;
    }

    /** Null when ready; otherwise one line saying why not. */
    public String problem() {
        Scrape s = scraper.probe();
        if (!s.open()) {
            return s.problem();
        }
        if (s.writerClosed()) {
            return "the collector closed registry " + s.path() + " (it stopped)";
        }
        if (!s.collectorFresh(staleAfter)) {
            return String.format(
                    "the collector's heartbeat in %s is %.1f s old (limit %.1f s): is the collector hung or dead?",
                    s.path(), s.heartbeatAgeSeconds(), staleAfter.toMillis() / 1000.0);
        }
        return null;
    }
}
