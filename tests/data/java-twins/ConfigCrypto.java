import java.util.Properties;

public class ConfigCrypto {
    void hash(byte[] data) throws Exception {
        Properties props = new Properties();
        props.load(getClass().getClassLoader().getResourceAsStream("app.properties"));
        String weak = props.getProperty("hashAlg1", "SHA512");
        java.security.MessageDigest.getInstance(weak); // vuln: weak-crypto
        String strong = props.getProperty("hashAlg2", "SHA512");
        java.security.MessageDigest.getInstance(strong); // safe: weak-crypto
        String fallback = props.getProperty("noSuchKey", "MD5");
        java.security.MessageDigest.getInstance(fallback); // vuln: weak-crypto
        String cipher = props.getProperty("cryptoAlg1", "AES/GCM/NoPadding");
        javax.crypto.Cipher.getInstance(cipher); // vuln: weak-crypto
        String good = props.getProperty("cryptoAlg2", "AES/GCM/NoPadding");
        javax.crypto.Cipher.getInstance(good); // safe: weak-crypto
    }
}
