package dev.interactionsandbox.lambda;

import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.time.Duration;
import javax.net.ssl.HttpsURLConnection;

/**
 * The HTTP client of every SDK client: the JDK's {@code URLConnection} (no dependencies, the quickest to start), with
 * bounded timeouts. TLS is the JDK's default context, set up on the first HTTPS connection or by {@link #prepareTls}
 * rather than when a client is built (the SDK's own builder makes an SSL context up front: about 200 ms of a cold JVM
 * that a plain-HTTP local endpoint never needs). Certificates and host names are checked by the JDK's defaults;
 * proxies are the JDK's (system properties).
 */
final class SdkHttp {
    private SdkHttp() {
    }

    /** Sets up the default TLS context on a background thread, for a process whose endpoints are HTTPS. */
    static void prepareTls() {
        Thread.startVirtualThread(HttpsURLConnection::getDefaultSSLSocketFactory);
    }

    static SdkHttpClient client(Duration connectTimeout, Duration readTimeout) {
        int connectMs = Math.toIntExact(connectTimeout.toMillis());
        int readMs = Math.toIntExact(readTimeout.toMillis());
        return UrlConnectionHttpClient.create(uri -> {
            try {
                HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
                connection.setConnectTimeout(connectMs);
                connection.setReadTimeout(readMs);
                return connection;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
