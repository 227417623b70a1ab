package org.owasp.benchmark.testcode;

import java.io.IOException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

public class BenchmarkTest00004 extends javax.servlet.http.HttpServlet {
    public void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String param = request.getParameter("vector");
        String safe = new java.io.File(param).getName();
        java.io.File f = new java.io.File("/var/app/files", safe.replaceAll("[^A-Za-z0-9.]", ""));
        response.getWriter().println(f.length());
    }
}
