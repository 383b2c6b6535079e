// What the Android SDK's HTTP stack does, minus Retrofit (not packaged): OkHttp with a trust
// manager for the sandbox's CA, through the device proxy, to a CustomerGlu host by name.
// java -cp okhttp.jar:okio.jar OkProbe.java CA_PEM PROXY_PORT URL WRITE_KEY
import java.io.FileInputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

public class OkProbe {
    public static void main(String[] args) throws Exception {
        Certificate ca;
        try (FileInputStream in = new FileInputStream(args[0])) {
            ca = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("customerglu-sandbox", ca);
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        X509TrustManager trust = (X509TrustManager) tmf.getTrustManagers()[0];
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new javax.net.ssl.TrustManager[] {trust}, null);
        OkHttpClient client = new OkHttpClient.Builder()
            .sslSocketFactory(tls.getSocketFactory(), trust)
            .proxy(new Proxy(Proxy.Type.HTTP,
                new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]))))
            .build();
        Request request = new Request.Builder().url(args[2]).header("x-api-key", args[3]).build();
        try (Response response = client.newCall(request).execute()) {
            System.out.println(response.code() + " " + response.body().string());
        }
    }
}
