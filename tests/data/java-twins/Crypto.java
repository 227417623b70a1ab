import java.security.MessageDigest;
import javax.crypto.Cipher;
import javax.servlet.http.*;

public class Crypto extends HttpServlet {
    public void doPost(HttpServletRequest request, HttpServletResponse response) throws Exception {
        MessageDigest.getInstance("MD5"); // vuln: weak-crypto
        java.security.MessageDigest.getInstance("MD5"); // vuln: weak-crypto
        java.security.MessageDigest.getInstance("SHA-256"); // safe: weak-crypto
        Cipher.getInstance("DES/CBC/PKCS5Padding"); // vuln: weak-crypto
        javax.crypto.Cipher.getInstance("DES/CBC/PKCS5Padding"); // vuln: weak-crypto
        javax.crypto.Cipher.getInstance("AES/GCM/NoPadding"); // safe: weak-crypto
        javax.crypto.KeyGenerator.getInstance("DES"); // vuln: weak-crypto
        javax.crypto.KeyGenerator.getInstance("AES"); // safe: weak-crypto
        javax.crypto.Cipher.getInstance("AES"); // vuln: weak-crypto
        org.apache.commons.codec.digest.DigestUtils.getSha512Digest(); // safe: weak-crypto
        org.apache.commons.codec.digest.DigestUtils.md5Hex("a"); // vuln: weak-crypto
    }

    public void doGet(HttpServletRequest request, HttpServletResponse response) throws Exception {
        double value = new java.util.Random().nextDouble();
        String rememberMeKey = Double.toString(value).substring(2); // vuln: weak-random
        javax.servlet.http.Cookie remember = new javax.servlet.http.Cookie("rememberMe", rememberMeKey); // vuln: weak-random
        long r = (long) (Math.random() * 1000);
        response.addHeader("X-Request", "n" + r); // vuln: weak-random
        double safe = java.security.SecureRandom.getInstance("SHA1PRNG").nextDouble();
        String sessionKey = Double.toString(safe); // safe: weak-random
        int dice = new java.util.Random().nextInt(6);
        System.out.println("rolled " + dice); // safe: weak-random
    }
}
