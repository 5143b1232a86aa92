package io.vmpulse.exporter.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Label sets without {@code vm_id}, such as {@code {cpu="1",mode="steal"}}, made once and merged
 * into each VM's {@code {vm_id}}. Making a {@link Labels} sorts and validates its names, and a
 * scrape of 1,000 VMs needs some 40,000 of them; merging two ready sets is a plain linear merge.
 * The sets depend on label names and values only, never on registry data, so keeping them serves
 * nothing stale. The values come partly from guests (CPU numbers), so the cache is bounded: past
 * {@link #MAX} sets, new ones are made for each use and not kept.
 */
final class Fragments {

    static final int MAX = 4096;
    private static final Map<String, Labels> CACHE = new ConcurrentHashMap<>();

    private Fragments() {}

    static Labels of(String name, String value) {
        String key = name + '\0' + value;
        Labels l = CACHE.get(key);
        if (l == null) {
            l = Labels.of(name, value);
            keep(key, l);
        }
        return l;
    }

    static Labels of(String name1, String value1, String name2, String value2) {
        String key = name1 + '\0' + value1 + '\0' + name2 + '\0' + value2;
        Labels l = CACHE.get(key);
        if (l == null) {
            l = Labels.of(name1, value1, name2, value2);
            keep(key, l);
        }
        return l;
    }

    private static void keep(String key, Labels l) {
        if (CACHE.size() < MAX) {
            CACHE.putIfAbsent(key, l);
        }
    }
}
