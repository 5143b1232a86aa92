package io.vmpulse.exporter.otlp;

import static org.junit.jupiter.api.Assertions.*;

import io.opentelemetry.sdk.common.export.HttpSenderProvider;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class OtlpClasspathTest {

    @Test
    void okhttp_is_not_on_the_classpath_and_the_jdk_sender_is_the_only_one() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("okhttp3.OkHttpClient"));
        assertThrows(
                ClassNotFoundException.class,
                () ->
                        Class.forName(
                                "io.opentelemetry.exporter.sender.okhttp.internal.OkHttpHttpSenderProvider"));
        List<String> senders =
                ServiceLoader.load(HttpSenderProvider.class).stream()
                        .map(p -> p.type().getName())
                        .toList();
        assertEquals(
                List.of("io.opentelemetry.exporter.sender.jdk.internal.JdkHttpSenderProvider"),
                senders);
    }
}
