package io.vmpulse.exporter.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * The gzipped page's stream frees its zlib state (native memory) when the response ends, however it
 * ends, instead of leaving it to a collection of the old generation.
 */
class FastGzipTest {

    /** Exposes whether the stream's Deflater was ended (its native zlib state freed). */
    private static final class Probe extends MetricsPage.FastGzip {
        Probe(OutputStream out) throws IOException {
            super(out);
        }

        boolean deflaterEnded() {
            try {
                def.getBytesRead();
                return false;
            } catch (NullPointerException closed) { // Deflater.ensureOpen: "has been closed"
                return true;
            }
        }
    }

    @Test
    void deflater_is_ended_when_the_client_went_away_before_the_trailer() throws IOException {
        boolean[] gone = {false};
        OutputStream client =
                new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        write(new byte[] {(byte) b}, 0, 1);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        if (gone[0]) {
                            throw new IOException("Broken pipe");
                        }
                    }
                };
        Probe gzip = new Probe(client); // writes the gzip header
        gzip.write("vmpulse_vm_up 1\n".getBytes(StandardCharsets.UTF_8));
        gone[0] = true;
        assertFalse(gzip.deflaterEnded());
        assertThrows(IOException.class, gzip::close);
        assertTrue(gzip.deflaterEnded(), "zlib state left to the garbage collector");
    }

    @Test
    void page_round_trips_and_deflater_is_ended_on_a_normal_close() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        Probe gzip = new Probe(sink);
        byte[] page =
                "vmpulse_vm_up{vm_id=\"a\"} 1\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
        gzip.write(page);
        gzip.close();
        assertTrue(gzip.deflaterEnded());
        assertEquals(
                new String(page, StandardCharsets.UTF_8),
                new String(
                        new GZIPInputStream(new ByteArrayInputStream(sink.toByteArray()))
                                .readAllBytes(),
                        StandardCharsets.UTF_8));
    }
}
