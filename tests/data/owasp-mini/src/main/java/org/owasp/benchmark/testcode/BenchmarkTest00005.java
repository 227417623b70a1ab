package org.owasp.benchmark.testcode;

import java.io.IOException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

public class BenchmarkTest00005 extends javax.servlet.http.HttpServlet {
    public void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String param = request.getParameter("vector");
        Runtime.getRuntime().exec("sh -c ls " + param);
    }
}
