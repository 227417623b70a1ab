import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Cipher;

public class CryptoHelpers {
    private static final String STRONG = "SHA-256";

    public byte[] fingerprint(byte[] data) throws NoSuchAlgorithmException {
        String weakName = "MD5";
        return digestWith(data, weakName);
    }

    public byte[] checksum(byte[] data) throws NoSuchAlgorithmException {
        return strongDigest(data, STRONG);
    }

    private byte[] digestWith(byte[] data, String algorithm) throws NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance(algorithm); // vuln: weak-crypto
        return md.digest(data);
    }

    private byte[] strongDigest(byte[] data, String algorithm) throws NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance(algorithm); // safe: weak-crypto
        return md.digest(data);
    }

    public Cipher legacy() throws Exception {
        return cipherFor("DES" + "/ECB/PKCS5Padding");
    }

    public Cipher modern() throws Exception {
        return strongCipher("AES/GCM/NoPadding");
    }

    private Cipher cipherFor(String transformation) throws Exception {
        return Cipher.getInstance(transformation); // vuln: weak-crypto
    }

    private Cipher strongCipher(String transformation) throws Exception {
        return Cipher.getInstance(transformation); // safe: weak-crypto
    }
}
