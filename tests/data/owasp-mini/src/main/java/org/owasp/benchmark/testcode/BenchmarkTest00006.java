package org.owasp.benchmark.testcode;

import java.io.IOException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

public class BenchmarkTest00006 extends javax.servlet.http.HttpServlet {
    public void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String param = request.getParameter("vector");
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        md.update(param.getBytes());
    }
}
